"""Payout schemes through HTTP: drafts, publishing, groups in use, options for a recipient; every refusal."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from laurels.kit.clock import frozen_at
from tests.support import Tenant, error_of

SCHEMES = "/v1/payout-schemes"
GROUPS = "/v1/reward-groups"
NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)


def reward(tenant: Tenant, name: str = "R", **fields: Any) -> dict[str, Any]:
    body = {"name": name, "rewardType": "points", "config": {"amount": 1}, **fields}
    made: dict[str, Any] = tenant.data(tenant.post("/v1/rewards", json=body), 201)["reward"]
    return made


def group(tenant: Tenant, name: str, rewards: list[dict[str, Any]] | None = None, **enabled: bool) -> str:
    items = [{"rewardId": r["rewardId"], "enabled": enabled.get(r["name"], True)} for r in rewards or []]
    made = tenant.data(tenant.post(GROUPS, json={"name": name, "rewards": items}), 201)["rewardGroup"]
    group_id: str = made["rewardGroupId"]
    return group_id


def scheme(tenant: Tenant, name: str = "Payouts") -> str:
    made = tenant.data(tenant.post(SCHEMES, json={"name": name}), 201)["payoutScheme"]
    scheme_id: str = made["payoutSchemeId"]
    return scheme_id


def rule(*group_ids: str, **fields: Any) -> dict[str, Any]:
    return {"priority": 1, "currency": "EUR", "rewardGroupIds": list(group_ids), **fields}


def draft(tenant: Tenant, scheme_id: str, rules: list[dict[str, Any]]) -> dict[str, Any]:
    made: dict[str, Any] = tenant.data(tenant.post(f"{SCHEMES}/{scheme_id}/drafts", json={"rules": rules}), 201)[
        "draft"
    ]
    return made


def publish(tenant: Tenant, scheme_id: str, draft_id: str, **body: Any) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"json": body} if body else {}
    published: dict[str, Any] = tenant.data(tenant.post(f"{SCHEMES}/{scheme_id}/drafts/{draft_id}/publish", **kwargs))
    return published


def options(tenant: Tenant, scheme_id: str, value: str, currency: str = "EUR", country: str = "GB") -> dict[str, Any]:
    params = {"value": value, "currency": currency, "country": country}
    with frozen_at(NOW):
        found: dict[str, Any] = tenant.data(tenant.get(f"{SCHEMES}/{scheme_id}/options", params=params))
    return found


# ---- schemes -----------------------------------------------------------------------------


def test_scheme_crud(tenant: Tenant) -> None:
    created = tenant.data(tenant.post(SCHEMES, json={"name": "Claims", "description": "Insurance payouts"}), 201)
    assert created["message"] == "Payout scheme created successfully"
    made = created["payoutScheme"]
    assert str(uuid.UUID(made["payoutSchemeId"])) == made["payoutSchemeId"]
    assert made["name"] == "Claims"
    assert made["description"] == "Insurance payouts"
    assert made["activeDraftId"] is None
    assert made["drafts"] == []
    path = f"{SCHEMES}/{made['payoutSchemeId']}"
    assert tenant.data(tenant.get(path)) == made
    assert tenant.data(tenant.get(SCHEMES)) == {"payoutSchemes": [made], "count": 1, "nextCursor": None}

    updated = tenant.data(tenant.put(path, json={"name": "Claims 2"}))
    assert (updated["name"], updated["description"]) == ("Claims 2", "Insurance payouts")
    cleared = tenant.data(tenant.put(path, json={"description": None}))
    assert (cleared["name"], cleared["description"]) == ("Claims 2", None)

    assert tenant.data(tenant.delete(path)) == {"message": "Payout scheme deleted successfully"}
    assert error_of(tenant.get(path), 404)["code"] == "PAYOUT_SCHEME_NOT_FOUND"
    assert tenant.data(tenant.get(SCHEMES))["count"] == 0


def test_scheme_refusals_and_paging(tenant: Tenant) -> None:
    error = error_of(tenant.post(SCHEMES, json={}), 400)
    assert (error["code"], error["message"]) == ("MISSING_REQUIRED_FIELDS", "Missing required fields: name")
    assert error_of(tenant.post(SCHEMES, json={"name": " "}), 400)["code"] == "INVALID_NAME"
    assert error_of(tenant.post(SCHEMES, json={"name": "S", "description": "x" * 4001}), 400)["field"] == "description"
    ids = [scheme(tenant, f"S{i}") for i in range(3)]
    error = error_of(tenant.put(f"{SCHEMES}/{ids[0]}", json={"name": None}), 400)
    assert (error["code"], error["field"]) == ("INVALID_NAME", "name")
    first = tenant.data(tenant.get(SCHEMES, params={"limit": 2}))
    second = tenant.data(tenant.get(SCHEMES, params={"limit": 2, "cursor": first["nextCursor"]}))
    assert [s["payoutSchemeId"] for s in first["payoutSchemes"] + second["payoutSchemes"]] == ids
    for ident in (str(uuid.uuid4()), "nope"):
        path = f"{SCHEMES}/{ident}"
        assert error_of(tenant.get(path), 404)["code"] == "PAYOUT_SCHEME_NOT_FOUND"
        assert error_of(tenant.put(path, json={"name": "x"}), 404)["code"] == "PAYOUT_SCHEME_NOT_FOUND"
        assert error_of(tenant.delete(path), 404)["code"] == "PAYOUT_SCHEME_NOT_FOUND"
        assert error_of(tenant.post(f"{path}/drafts", json={}), 404)["code"] == "PAYOUT_SCHEME_NOT_FOUND"
        assert error_of(tenant.get(f"{path}/options"), 404)["code"] == "PAYOUT_SCHEME_NOT_FOUND"


# ---- drafts --------------------------------------------------------------------------------


def test_drafts_are_created_read_edited_and_deleted_while_unpublished(tenant: Tenant) -> None:
    g1, g2 = group(tenant, "G1"), group(tenant, "G2")
    scheme_id = scheme(tenant)
    created = tenant.data(
        tenant.post(
            f"{SCHEMES}/{scheme_id}/drafts",
            json={
                "rules": [
                    {
                        "priority": 2,
                        "currency": "gbp",
                        "countries": ["gb", "IE"],
                        "minimumValue": 0,
                        "maximumValue": 100.5,
                        "rewardGroupIds": [g2.upper(), g1],
                    }
                ]
            },
        ),
        201,
    )
    assert created["message"] == "Draft created successfully"
    first = created["draft"]
    assert first["version"] == 1
    assert first["status"] == "draft"
    assert first["publishedAt"] is None
    assert first["supersededAt"] is None
    assert first["rules"] == [
        {
            "priority": 2,
            "currency": "GBP",
            "countries": ["GB", "IE"],
            "minimumValue": 0,
            "maximumValue": 100.5,
            "rewardGroupIds": [g2, g1],
        }
    ]
    drafts = f"{SCHEMES}/{scheme_id}/drafts"
    assert tenant.data(tenant.get(f"{drafts}/{first['draftId']}")) == first
    assert tenant.data(tenant.get(f"{drafts}/1")) == first  # by version

    edited = tenant.data(tenant.put(f"{drafts}/{first['draftId']}", json={"rules": [rule(g1)]}))
    assert edited["rules"] == [
        {
            "priority": 1,
            "currency": "EUR",
            "countries": [],
            "minimumValue": None,
            "maximumValue": None,
            "rewardGroupIds": [g1],
        }
    ]
    assert tenant.data(tenant.put(f"{drafts}/1", json={}))["rules"] == edited["rules"]  # nothing sent, nothing changed

    empty = tenant.data(tenant.post(drafts, json={}), 201)["draft"]
    assert (empty["version"], empty["rules"]) == (2, [])
    copy = tenant.data(tenant.post(drafts, json={"fromDraftId": first["draftId"]}), 201)["draft"]
    assert (copy["version"], copy["rules"]) == (3, edited["rules"])
    by_version = tenant.data(tenant.post(drafts, json={"fromDraftId": "1"}), 201)["draft"]
    assert by_version["rules"] == edited["rules"]
    error = error_of(tenant.post(drafts, json={"fromDraftId": str(uuid.uuid4())}), 400)
    assert (error["code"], error["field"]) == ("DRAFT_NOT_FOUND", "fromDraftId")

    scheme_view = tenant.data(tenant.get(f"{SCHEMES}/{scheme_id}"))
    assert [d["version"] for d in scheme_view["drafts"]] == [1, 2, 3, 4]
    assert scheme_view["activeDraftId"] is None

    assert tenant.data(tenant.delete(f"{drafts}/{by_version['draftId']}")) == {"message": "Draft deleted successfully"}
    assert error_of(tenant.get(f"{drafts}/4"), 404)["code"] == "DRAFT_NOT_FOUND"
    # A deleted draft's version number is not given out again.
    assert tenant.data(tenant.post(drafts, json={}), 201)["draft"]["version"] == 5


def test_draft_not_found(tenant: Tenant) -> None:
    scheme_id = scheme(tenant)
    other = scheme(tenant, "Other")
    other_draft = draft(tenant, other, [])
    for ident in (str(uuid.uuid4()), "9", "0", "x", other_draft["draftId"], str(2**31)):
        path = f"{SCHEMES}/{scheme_id}/drafts/{ident}"
        assert error_of(tenant.get(path), 404)["code"] == "DRAFT_NOT_FOUND"
        assert error_of(tenant.put(path, json={"rules": []}), 404)["code"] == "DRAFT_NOT_FOUND"
        assert error_of(tenant.delete(path), 404)["code"] == "DRAFT_NOT_FOUND"
        assert error_of(tenant.post(f"{path}/publish"), 404)["code"] == "DRAFT_NOT_FOUND"


def test_rules_are_validated_naming_the_field(tenant: Tenant, other_tenant: Tenant) -> None:
    g = group(tenant, "G")
    theirs = group(other_tenant, "Theirs")
    scheme_id = scheme(tenant)
    cases: list[tuple[Any, str, str]] = [
        ("nope", "INVALID_RULES", "rules"),
        ([rule(g, currency="EURO")], "INVALID_CURRENCY", "rules[0].currency"),
        ([rule(g), rule(g, countries=["GB", "ZZ"])], "INVALID_COUNTRY", "rules[1].countries[1]"),
        ([rule(g, minimumValue=10, maximumValue=5)], "INVALID_VALUE_RANGE", "rules[0].minimumValue"),
        ([rule(g, maximumValue=-5)], "INVALID_VALUE", "rules[0].maximumValue"),
        ([rule(g, priority="high")], "INVALID_PRIORITY", "rules[0].priority"),
        ([rule()], "INVALID_REWARD_GROUP_IDS", "rules[0].rewardGroupIds"),
        ([rule(g, str(uuid.uuid4()))], "UNKNOWN_REWARD_GROUP", "rules[0].rewardGroupIds[1]"),
        ([rule(theirs)], "UNKNOWN_REWARD_GROUP", "rules[0].rewardGroupIds[0]"),
        ([{"currency": "EUR"}], "MISSING_REQUIRED_FIELDS", "rules[0].priority"),
        ([rule(g, minValue=1)], "INVALID_RULES", "rules[0]"),
    ]
    made = draft(tenant, scheme_id, [rule(g)])
    for rules, code, field in cases:
        for response in (
            tenant.post(f"{SCHEMES}/{scheme_id}/drafts", json={"rules": rules}),
            tenant.put(f"{SCHEMES}/{scheme_id}/drafts/{made['draftId']}", json={"rules": rules}),
        ):
            error = error_of(response, 400)
            assert (error["code"], error["field"]) == (code, field), rules
    # Nothing was created or changed.
    assert [d["rules"] for d in tenant.data(tenant.get(f"{SCHEMES}/{scheme_id}"))["drafts"]] == [made["rules"]]


# ---- publishing ------------------------------------------------------------------------------


def test_publishing_makes_one_active_draft_and_keeps_history(tenant: Tenant) -> None:
    g = group(tenant, "G")
    scheme_id = scheme(tenant)
    v1 = draft(tenant, scheme_id, [rule(g)])
    v2 = draft(tenant, scheme_id, [rule(g, priority=2)])

    published = publish(tenant, scheme_id, v1["draftId"])
    assert published["activeDraftId"] == v1["draftId"]
    first, second = published["drafts"]
    assert first["status"] == "published"
    assert first["publishedAt"] is not None
    assert second["status"] == "draft"
    assert tenant.data(tenant.get(f"{SCHEMES}/{scheme_id}")) == published
    # Publishing the active draft again is a no-op (a retried request succeeds).
    assert publish(tenant, scheme_id, v1["draftId"]) == published

    republished = publish(tenant, scheme_id, "2", expectedActiveDraftId=v1["draftId"].upper())
    assert republished["activeDraftId"] == v2["draftId"]
    first, second = republished["drafts"]
    assert (first["status"], second["status"]) == ("superseded", "published")
    assert first["publishedAt"] == published["drafts"][0]["publishedAt"]
    assert first["supersededAt"] is not None
    assert first["rules"] == v1["rules"]

    drafts = f"{SCHEMES}/{scheme_id}/drafts"
    for ident in (v1["draftId"], v2["draftId"]):
        error = error_of(tenant.put(f"{drafts}/{ident}", json={"rules": []}), 409)
        assert error["code"] == "DRAFT_NOT_EDITABLE"
        assert error_of(tenant.delete(f"{drafts}/{ident}"), 409)["code"] == "DRAFT_NOT_EDITABLE"
    error = error_of(tenant.post(f"{drafts}/{v1['draftId']}/publish"), 409)
    assert error["code"] == "DRAFT_SUPERSEDED"
    # A superseded draft comes back through a copy.
    v3 = tenant.data(tenant.post(drafts, json={"fromDraftId": v1["draftId"]}), 201)["draft"]
    assert publish(tenant, scheme_id, v3["draftId"])["activeDraftId"] == v3["draftId"]
    statuses = [d["status"] for d in tenant.data(tenant.get(f"{SCHEMES}/{scheme_id}"))["drafts"]]
    assert statuses == ["superseded", "superseded", "published"]


def test_publish_can_require_the_active_draft_it_expects(tenant: Tenant) -> None:
    g = group(tenant, "G")
    scheme_id = scheme(tenant)
    v1, v2, v3 = (draft(tenant, scheme_id, [rule(g)]) for _ in range(3))
    publish_v2 = f"{SCHEMES}/{scheme_id}/drafts/{v2['draftId']}/publish"
    error = error_of(tenant.post(publish_v2, json={"expectedActiveDraftId": v1["draftId"]}), 409)
    assert (error["code"], error["field"]) == ("ACTIVE_DRAFT_CHANGED", "expectedActiveDraftId")
    publish(tenant, scheme_id, v1["draftId"], expectedActiveDraftId=None)
    error = error_of(tenant.post(publish_v2, json={"expectedActiveDraftId": None}), 409)
    assert error["code"] == "ACTIVE_DRAFT_CHANGED"
    error = error_of(tenant.post(publish_v2, json={"expectedActiveDraftId": v3["draftId"]}), 409)
    assert error["code"] == "ACTIVE_DRAFT_CHANGED"
    assert (
        publish(tenant, scheme_id, v2["draftId"], expectedActiveDraftId=v1["draftId"])["activeDraftId"]
        == (v2["draftId"])
    )
    error = error_of(tenant.post(publish_v2, json={"expectedActiveDraftId": 5}), 400)
    assert error["field"] == "expectedActiveDraftId"


# ---- groups in use ---------------------------------------------------------------------------


def test_a_group_the_active_draft_names_cannot_be_deleted(tenant: Tenant) -> None:
    used, spare = group(tenant, "Used"), group(tenant, "Spare")
    scheme_id = scheme(tenant)
    v1 = draft(tenant, scheme_id, [rule(spare), rule(used, priority=2)])
    publish(tenant, scheme_id, v1["draftId"])
    for group_id in (used, spare):
        error = error_of(tenant.delete(f"{GROUPS}/{group_id}"), 400)
        assert error["code"] == "REWARD_GROUP_IN_USE"
        assert scheme_id in error["message"]
    # Renaming and changing its rewards are fine.
    tenant.data(tenant.put(f"{GROUPS}/{used}", json={"name": "Still used", "rewards": []}))

    # Once the active draft no longer names it, it may go: superseded drafts are history only.
    v2 = draft(tenant, scheme_id, [rule(used)])
    publish(tenant, scheme_id, v2["draftId"])
    tenant.data(tenant.delete(f"{GROUPS}/{spare}"))
    error_of(tenant.delete(f"{GROUPS}/{used}"), 400)
    superseded = tenant.data(tenant.get(f"{SCHEMES}/{scheme_id}/drafts/{v1['draftId']}"))
    assert superseded["rules"][0]["rewardGroupIds"] == [spare]  # kept as it was published

    # Deleting the scheme frees its groups.
    tenant.data(tenant.delete(f"{SCHEMES}/{scheme_id}"))
    tenant.data(tenant.delete(f"{GROUPS}/{used}"))


def test_unpublished_drafts_keep_a_deleted_groups_id_and_cannot_publish_it(tenant: Tenant) -> None:
    kept, doomed = group(tenant, "Kept"), group(tenant, "Doomed")
    scheme_id = scheme(tenant)
    pending = draft(tenant, scheme_id, [rule(kept), rule(kept, doomed, priority=2)])
    tenant.data(tenant.delete(f"{GROUPS}/{doomed}"))  # an unpublished draft does not hold it

    still = tenant.data(tenant.get(f"{SCHEMES}/{scheme_id}/drafts/{pending['draftId']}"))
    assert still["rules"] == pending["rules"]
    error = error_of(tenant.post(f"{SCHEMES}/{scheme_id}/drafts/{pending['draftId']}/publish"), 400)
    assert (error["code"], error["field"]) == ("UNKNOWN_REWARD_GROUP", "rules[1].rewardGroupIds[1]")
    assert "deleted" in error["message"]
    assert tenant.data(tenant.get(f"{SCHEMES}/{scheme_id}"))["activeDraftId"] is None
    # Copying it is refused too, naming the group; editing it out makes it publishable.
    error = error_of(tenant.post(f"{SCHEMES}/{scheme_id}/drafts", json={"fromDraftId": pending["draftId"]}), 400)
    assert (error["code"], error["field"]) == ("UNKNOWN_REWARD_GROUP", "rules[1].rewardGroupIds[1]")
    tenant.data(tenant.put(f"{SCHEMES}/{scheme_id}/drafts/{pending['draftId']}", json={"rules": [rule(kept)]}))
    assert publish(tenant, scheme_id, pending["draftId"])["activeDraftId"] == pending["draftId"]


# ---- options ---------------------------------------------------------------------------------


def test_options_follow_the_first_matching_rule(tenant: Tenant) -> None:
    amazon_gb, amazon_ie, itunes, spare = (reward(tenant, n) for n in ("Amazon GB", "Amazon IE", "iTunes", "Spare"))
    amazon = group(tenant, "Amazon", [amazon_gb, amazon_ie])
    music = group(tenant, "Music", [itunes, amazon_gb])
    other = group(tenant, "Other", [spare])
    scheme_id = scheme(tenant)

    nothing = options(tenant, scheme_id, "10")
    assert nothing == {
        "payoutSchemeId": scheme_id,
        "draftId": None,
        "version": None,
        "ruleIndex": None,
        "rule": None,
        "reason": "NO_ACTIVE_DRAFT",
        "rewards": [],
        "count": 0,
    }
    rules = [
        rule(other, priority=5),  # everything in EUR, last resort
        rule(music, amazon, priority=1, countries=["GB"], minimumValue=10, maximumValue=50),
        rule(amazon, priority=1, countries=["GB"], minimumValue=0, maximumValue=100),  # same priority: list order
        rule(amazon, priority=0, currency="GBP"),
    ]
    v1 = draft(tenant, scheme_id, rules)
    draft(tenant, scheme_id, [rule(other)])  # unpublished: never evaluated
    publish(tenant, scheme_id, v1["draftId"])

    found = options(tenant, scheme_id, "25.50", "eur", "gb")
    assert (found["draftId"], found["version"], found["ruleIndex"], found["reason"]) == (v1["draftId"], 1, 1, None)
    assert found["rule"] == v1["rules"][1]
    # Group order of the rule, then item order; Amazon GB once (from Music, where it came first).
    assert [(o["name"], o["rewardGroupId"]) for o in found["rewards"]] == [
        ("iTunes", music),
        ("Amazon GB", music),
        ("Amazon IE", amazon),
    ]
    assert found["count"] == 3
    first = found["rewards"][0]
    assert first == {
        "rewardId": itunes["rewardId"],
        "id": itunes["id"],
        "name": "iTunes",
        "description": itunes["description"],
        "rewardType": "points",
        "rewardGroupId": music,
    }
    assert options(tenant, scheme_id, "50")["ruleIndex"] == 1  # bounds are inclusive
    assert options(tenant, scheme_id, "75")["ruleIndex"] == 2
    assert options(tenant, scheme_id, "75", country="FR")["ruleIndex"] == 0
    assert options(tenant, scheme_id, "1000", currency="GBP", country="FR")["ruleIndex"] == 3

    unmatched = options(tenant, scheme_id, "10", currency="USD")
    assert (unmatched["reason"], unmatched["rewards"], unmatched["ruleIndex"], unmatched["rule"]) == (
        "NO_RULE_MATCHES",
        [],
        None,
        None,
    )
    assert unmatched["draftId"] == v1["draftId"]


def test_options_offer_only_enabled_items_of_enabled_live_rewards(tenant: Tenant) -> None:
    live = reward(tenant, "Live", startTime="2030-01-01T00:00:00Z", endTime="2030-12-31T00:00:00Z")
    upcoming = reward(tenant, "Upcoming", startTime="2030-07-01T00:00:00Z")
    ended = reward(tenant, "Ended", startTime="2029-01-01T00:00:00Z", endTime="2030-05-31T23:59:59Z")
    inactive = reward(tenant, "Inactive", status="inactive")
    switched_off = reward(tenant, "Switched off")
    g = group(tenant, "G", [upcoming, live, ended, inactive, switched_off], **{"Switched off": False})
    scheme_id = scheme(tenant)
    publish(tenant, scheme_id, draft(tenant, scheme_id, [rule(g)])["draftId"])
    assert [o["name"] for o in options(tenant, scheme_id, "1")["rewards"]] == ["Live"]

    tenant.data(tenant.put(f"/v1/rewards/{live['rewardId']}", json={"status": "inactive"}))
    empty = options(tenant, scheme_id, "1")
    assert (empty["reason"], empty["rewards"], empty["ruleIndex"]) == ("NO_AVAILABLE_REWARDS", [], 0)
    # Switching the item back on offers it again.
    items = [{"rewardId": r["rewardId"], "enabled": True} for r in (upcoming, live, ended, inactive, switched_off)]
    tenant.data(tenant.put(f"{GROUPS}/{g}", json={"rewards": items}))
    assert [o["name"] for o in options(tenant, scheme_id, "1")["rewards"]] == ["Switched off"]


def test_options_query_is_validated_naming_the_parameter(tenant: Tenant) -> None:
    scheme_id = scheme(tenant)
    path = f"{SCHEMES}/{scheme_id}/options"
    error = error_of(tenant.get(path), 400)
    assert (error["code"], error["message"]) == (
        "MISSING_REQUIRED_FIELDS",
        "Missing required fields: value, currency, country",
    )
    good = {"value": "10", "currency": "EUR", "country": "GB"}
    for bad, code in (
        ({"value": "-1"}, "INVALID_VALUE"),
        ({"value": "ten"}, "INVALID_VALUE"),
        ({"currency": "EU"}, "INVALID_CURRENCY"),
        ({"country": "Britain"}, "INVALID_COUNTRY"),
    ):
        error = error_of(tenant.get(path, params={**good, **bad}), 400)
        assert (error["code"], error["field"]) == (code, next(iter(bad))), bad
    assert tenant.data(tenant.get(path, params=good))["reason"] == "NO_ACTIVE_DRAFT"


# ---- tenancy and scopes ------------------------------------------------------------------------


def _every_scheme_route(scheme_id: str, draft_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    base = f"{SCHEMES}/{scheme_id}"
    return [
        ("GET", SCHEMES, {}),
        ("POST", SCHEMES, {"json": {"name": "S"}}),
        ("GET", base, {}),
        ("PUT", base, {"json": {"name": "T"}}),
        ("DELETE", base, {}),
        ("POST", f"{base}/drafts", {"json": {}}),
        ("GET", f"{base}/drafts/{draft_id}", {}),
        ("PUT", f"{base}/drafts/{draft_id}", {"json": {"rules": []}}),
        ("DELETE", f"{base}/drafts/{draft_id}", {}),
        ("POST", f"{base}/drafts/{draft_id}/publish", {}),
        ("GET", f"{base}/options", {"params": {"value": "1", "currency": "EUR", "country": "GB"}}),
    ]


def test_another_org_sees_and_changes_nothing(tenant: Tenant, other_tenant: Tenant) -> None:
    g = group(tenant, "G")
    scheme_id = scheme(tenant)
    pending = draft(tenant, scheme_id, [rule(g)])
    before = tenant.data(tenant.get(f"{SCHEMES}/{scheme_id}"))
    for method, path, kwargs in _every_scheme_route(scheme_id, pending["draftId"]):
        if path == SCHEMES:
            continue
        error = error_of(other_tenant.request(method, path, **kwargs), 404)
        assert error["code"] == "PAYOUT_SCHEME_NOT_FOUND", (method, path)
    assert other_tenant.data(other_tenant.get(SCHEMES))["count"] == 0
    # Its own scheme cannot name the tenant's group either.
    theirs = scheme(other_tenant)
    error = error_of(other_tenant.post(f"{SCHEMES}/{theirs}/drafts", json={"rules": [rule(g)]}), 400)
    assert error["code"] == "UNKNOWN_REWARD_GROUP"
    assert tenant.data(tenant.get(f"{SCHEMES}/{scheme_id}")) == before


@pytest.mark.parametrize("scopes", [["rewards:read", "rewards:write"], ["customers:read", "customers:write"]])
def test_keys_without_group_scopes_are_refused(tenant_factory: Callable[..., Tenant], scopes: list[str]) -> None:
    key = tenant_factory(scopes=scopes)
    for method, path, kwargs in _every_scheme_route(str(uuid.uuid4()), str(uuid.uuid4())):
        assert error_of(key.request(method, path, **kwargs), 403)["code"] == "INSUFFICIENT_SCOPE", (method, path)


def test_group_read_scope_reads_schemes_and_options_but_changes_nothing(tenant_factory: Callable[..., Tenant]) -> None:
    reader = tenant_factory(scopes=["groups:read"])
    writer = tenant_factory(scopes=["groups:write"])
    for method, path, kwargs in _every_scheme_route(str(uuid.uuid4()), str(uuid.uuid4())):
        if method == "GET":
            assert error_of(writer.request(method, path, **kwargs), 403)["code"] == "INSUFFICIENT_SCOPE"
            if path == SCHEMES:
                reader.data(reader.request(method, path, **kwargs))
            else:
                assert error_of(reader.request(method, path, **kwargs), 404)["code"] == "PAYOUT_SCHEME_NOT_FOUND"
        else:
            assert error_of(reader.request(method, path, **kwargs), 403)["code"] == "INSUFFICIENT_SCOPE"
    writer.data(writer.post(SCHEMES, json={"name": "S"}), 201)
