"""Reward groups through HTTP: the five operations of seed 000, every refusal, scopes and tenancy."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from laurels.kit.db import Database
from laurels.tenancy.service import TenancyService
from tests.support import Tenant, error_of

GROUPS = "/v1/reward-groups"


def reward(tenant: Tenant, name: str = "R", **fields: Any) -> dict[str, Any]:
    body = {"name": name, "rewardType": "points", "config": {"amount": 1}, **fields}
    made: dict[str, Any] = tenant.data(tenant.post("/v1/rewards", json=body), 201)["reward"]
    return made


def group(tenant: Tenant, name: str, rewards: list[dict[str, Any]]) -> dict[str, Any]:
    made: dict[str, Any] = tenant.data(tenant.post(GROUPS, json={"name": name, "rewards": rewards}), 201)["rewardGroup"]
    return made


def item(r: dict[str, Any], enabled: bool = True) -> dict[str, Any]:
    return {"rewardId": r["rewardId"], "enabled": enabled}


def test_reward_group_crud(tenant: Tenant) -> None:
    a, b, c = reward(tenant, "A"), reward(tenant, "B"), reward(tenant, "C")
    created = tenant.data(
        tenant.post(
            GROUPS,
            json={
                "name": "Amazon gift cards",
                # A reward may be named by its integer id; it is echoed back by its rewardId.
                "rewards": [
                    item(a),
                    {"rewardId": b["id"], "enabled": False},
                    {"rewardId": str(c["id"]), "enabled": True},
                ],
            },
        ),
        201,
    )
    assert created["message"] == "Reward group created successfully"
    made = created["rewardGroup"]
    assert str(uuid.UUID(made["rewardGroupId"])) == made["rewardGroupId"]
    assert made["name"] == "Amazon gift cards"
    assert made["rewards"] == [item(a), item(b, False), item(c)]
    path = f"{GROUPS}/{made['rewardGroupId']}"
    assert tenant.data(tenant.get(path)) == made
    # The GUID is matched in any case.
    assert tenant.data(tenant.get(path.upper().replace("/V1/REWARD-GROUPS", GROUPS))) == made

    listed = tenant.data(tenant.get(GROUPS))
    assert listed == {"rewardGroups": [made], "count": 1, "nextCursor": None}

    # Disable and re-enable an item without removing it; the order stays.
    off = tenant.data(tenant.put(path, json={"rewards": [item(a, False), item(b, False), item(c)]}))
    assert off["rewards"] == [item(a, False), item(b, False), item(c)]
    assert off["name"] == "Amazon gift cards"
    on = tenant.data(tenant.put(path, json={"rewards": [item(a), item(b, False), item(c)]}))
    assert on["rewards"] == made["rewards"]

    renamed = tenant.data(tenant.put(path, json={"name": "Gift cards"}))
    assert renamed["name"] == "Gift cards"
    assert renamed["rewards"] == made["rewards"]
    reordered = tenant.data(tenant.put(path, json={"rewards": [item(c), item(a)]}))
    assert reordered["rewards"] == [item(c), item(a)]
    assert tenant.data(tenant.put(path, json={"rewards": []}))["rewards"] == []

    # A PUT of the object read back with GET is accepted as is.
    read = tenant.data(tenant.get(path))
    assert (
        tenant.data(tenant.put(path, json={"name": read["name"], "rewards": read["rewards"]}))["name"] == "Gift cards"
    )

    assert tenant.data(tenant.delete(path)) == {"message": "Reward group deleted successfully"}
    assert error_of(tenant.get(path), 404)["code"] == "REWARD_GROUP_NOT_FOUND"
    assert error_of(tenant.delete(path), 404)["code"] == "REWARD_GROUP_NOT_FOUND"
    assert tenant.data(tenant.get(GROUPS))["count"] == 0


def test_also_served_under_the_monterosa_base_path(tenant: Tenant) -> None:
    made = group(tenant, "G", [])
    assert tenant.data(tenant.get(f"/loyalty/v1/reward-groups/{made['rewardGroupId']}")) == made


def test_list_pages_oldest_first(tenant: Tenant) -> None:
    ids = [group(tenant, f"G{i}", [])["rewardGroupId"] for i in range(3)]
    first = tenant.data(tenant.get(GROUPS, params={"limit": 2}))
    assert first["count"] == 2
    second = tenant.data(tenant.get(GROUPS, params={"limit": 2, "cursor": first["nextCursor"]}))
    assert [g["rewardGroupId"] for g in first["rewardGroups"] + second["rewardGroups"]] == ids
    assert second["nextCursor"] is None
    assert error_of(tenant.get(GROUPS, params={"cursor": "nope"}), 400)["code"] == "INVALID_CURSOR"
    assert error_of(tenant.get(GROUPS, params={"limit": 0}), 400)["field"] == "limit"


def test_names_are_unique_regardless_of_case(tenant: Tenant, other_tenant: Tenant) -> None:
    first = group(tenant, "Gift Cards", [])
    error = error_of(tenant.post(GROUPS, json={"name": "GIFT cards", "rewards": []}), 409)
    assert (error["code"], error["field"]) == ("REWARD_GROUP_NAME_TAKEN", "name")
    second = group(tenant, "Vouchers", [])
    error = error_of(tenant.put(f"{GROUPS}/{second['rewardGroupId']}", json={"name": "gift cards"}), 409)
    assert error["code"] == "REWARD_GROUP_NAME_TAKEN"
    # Its own name in another case is no conflict; another org may use the name.
    path = f"{GROUPS}/{first['rewardGroupId']}"
    assert tenant.data(tenant.put(path, json={"name": "GIFT CARDS"}))["name"] == "GIFT CARDS"
    group(other_tenant, "Gift Cards", [])
    # Once deleted, the name is free again.
    tenant.data(tenant.delete(path))
    group(tenant, "gift cards", [])


def test_required_fields_and_bad_bodies(tenant: Tenant) -> None:
    r = reward(tenant)
    error = error_of(tenant.post(GROUPS, json={}), 400)
    assert (error["code"], error["message"]) == ("MISSING_REQUIRED_FIELDS", "Missing required fields: name, rewards")
    assert error_of(tenant.post(GROUPS, json={"name": "G"}), 400)["field"] == "rewards"
    assert error_of(tenant.post(GROUPS, json=[]), 400)["code"] == "INVALID_BODY"
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"name": "", "rewards": []}, "INVALID_NAME", "name"),
        ({"name": "x" * 256, "rewards": []}, "INVALID_NAME", "name"),
        ({"name": "G", "rewards": {"rewardId": r["rewardId"]}}, "INVALID_REWARDS", "rewards"),
        ({"name": "G", "rewards": [r["rewardId"]]}, "INVALID_REWARDS", "rewards[0]"),
        ({"name": "G", "rewards": [{"rewardId": r["rewardId"]}]}, "MISSING_REQUIRED_FIELDS", "rewards[0].enabled"),
        (
            {"name": "G", "rewards": [{"rewardId": r["rewardId"], "enabled": "no"}]},
            "INVALID_REWARDS",
            "rewards[0].enabled",
        ),
        ({"name": "G", "rewards": [{"rewardId": [1], "enabled": True}]}, "INVALID_REWARDS", "rewards[0].rewardId"),
    ]
    for body, code, field in cases:
        error = error_of(tenant.post(GROUPS, json=body), 400)
        assert (error["code"], error["field"]) == (code, field), body
    assert tenant.data(tenant.get(GROUPS))["count"] == 0


def test_every_reward_must_be_in_the_orgs_catalog(tenant: Tenant, other_tenant: Tenant) -> None:
    mine = reward(tenant)
    theirs = reward(other_tenant)
    body = {
        "name": "G",
        "rewards": [
            item(mine),
            {"rewardId": "rew_nope", "enabled": True},
            item(theirs),
            {"rewardId": 2**31, "enabled": True},
        ],
    }
    error = error_of(tenant.post(GROUPS, json=body), 400)
    assert (error["code"], error["field"]) == ("UNKNOWN_REWARD", "rewards[1].rewardId")
    # Every unknown one is named.
    assert "rew_nope (rewards[1].rewardId)" in error["message"]
    assert f"{theirs['rewardId']} (rewards[2].rewardId)" in error["message"]
    assert f"{2**31} (rewards[3].rewardId)" in error["message"]
    made = group(tenant, "G", [item(mine)])
    error = error_of(
        tenant.put(
            f"{GROUPS}/{made['rewardGroupId']}", json={"rewards": [{"rewardId": theirs["id"], "enabled": True}]}
        ),
        400,
    )
    assert (error["code"], error["field"]) == ("UNKNOWN_REWARD", "rewards[0].rewardId")
    assert tenant.data(tenant.get(f"{GROUPS}/{made['rewardGroupId']}"))["rewards"] == [item(mine)]


def test_a_reward_appears_once_per_group(tenant: Tenant) -> None:
    r, other = reward(tenant), reward(tenant)
    for rewards in (
        [item(r), item(other), item(r, False)],
        # the same reward by its rewardId and by its integer id
        [item(r), {"rewardId": r["id"], "enabled": True}],
    ):
        error = error_of(tenant.post(GROUPS, json={"name": "G", "rewards": rewards}), 400)
        assert error["code"] == "DUPLICATE_REWARD"
        assert error["field"] == f"rewards[{len(rewards) - 1}].rewardId"
    # The same reward may be in several groups.
    group(tenant, "G1", [item(r)])
    group(tenant, "G2", [item(r)])


def test_deleting_a_reward_takes_it_out_of_its_groups(tenant: Tenant) -> None:
    a, b = reward(tenant, "A"), reward(tenant, "B")
    made = group(tenant, "G", [item(a), item(b, False)])
    tenant.data(tenant.delete(f"/v1/rewards/{b['rewardId']}"))
    assert tenant.data(tenant.get(f"{GROUPS}/{made['rewardGroupId']}"))["rewards"] == [item(a)]


def test_unknown_and_malformed_ids_are_404(tenant: Tenant) -> None:
    for ident in (str(uuid.uuid4()), "not-a-guid", "12"):
        path = f"{GROUPS}/{ident}"
        assert error_of(tenant.get(path), 404)["code"] == "REWARD_GROUP_NOT_FOUND"
        assert error_of(tenant.put(path, json={"name": "x"}), 404)["code"] == "REWARD_GROUP_NOT_FOUND"
        assert error_of(tenant.delete(path), 404)["code"] == "REWARD_GROUP_NOT_FOUND"


def test_another_org_sees_and_changes_nothing(tenant: Tenant, other_tenant: Tenant) -> None:
    made = group(tenant, "Private", [item(reward(tenant))])
    path = f"{GROUPS}/{made['rewardGroupId']}"
    assert error_of(other_tenant.get(path), 404)["code"] == "REWARD_GROUP_NOT_FOUND"
    assert error_of(other_tenant.put(path, json={"name": "Mine"}), 404)["code"] == "REWARD_GROUP_NOT_FOUND"
    assert error_of(other_tenant.delete(path), 404)["code"] == "REWARD_GROUP_NOT_FOUND"
    assert other_tenant.data(other_tenant.get(GROUPS))["count"] == 0
    assert tenant.data(tenant.get(path)) == made


def _every_group_route(ident: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        ("GET", GROUPS, {}),
        ("POST", GROUPS, {"json": {"name": "G", "rewards": []}}),
        ("GET", f"{GROUPS}/{ident}", {}),
        ("PUT", f"{GROUPS}/{ident}", {"json": {"name": "H"}}),
        ("DELETE", f"{GROUPS}/{ident}", {}),
    ]


@pytest.mark.parametrize("scopes", [["rewards:read", "rewards:write", "customers:read"], ["issuance:write"]])
def test_keys_without_group_scopes_are_refused(tenant_factory: Callable[..., Tenant], scopes: list[str]) -> None:
    key = tenant_factory(scopes=scopes)
    for method, path, kwargs in _every_group_route(str(uuid.uuid4())):
        error = error_of(key.request(method, path, **kwargs), 403)
        assert error["code"] == "INSUFFICIENT_SCOPE", (method, path)


def test_read_scope_reads_and_write_scope_writes(db: Database, tenant: Tenant) -> None:
    made = group(tenant, "G", [])
    ident = made["rewardGroupId"]
    reader, writer = (_key(db, tenant, [scope]) for scope in ("groups:read", "groups:write"))
    assert reader.data(reader.get(f"{GROUPS}/{ident}")) == made
    assert reader.data(reader.get(GROUPS))["count"] == 1
    for method, path, kwargs in _every_group_route(ident):
        if method == "GET":
            assert error_of(writer.request(method, path, **kwargs), 403)["code"] == "INSUFFICIENT_SCOPE"
        else:
            assert error_of(reader.request(method, path, **kwargs), 403)["code"] == "INSUFFICIENT_SCOPE"
    writer.data(writer.put(f"{GROUPS}/{ident}", json={"name": "Renamed"}))
    writer.data(writer.post(GROUPS, json={"name": "Another", "rewards": []}), 201)
    writer.data(writer.delete(f"{GROUPS}/{ident}"))


def _key(db: Database, tenant: Tenant, scopes: list[str]) -> Tenant:
    """Another key of the tenant's org, with only these scopes."""
    with db.unit_of_work() as session:
        issued = TenancyService(session).create_api_key(tenant.org_id, scopes)
    return Tenant(client=tenant.client, org_id=tenant.org_id, token=issued.token, key_id=issued.key.id)
