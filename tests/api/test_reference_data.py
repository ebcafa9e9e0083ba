"""Reference data through HTTP: every kind's CRUD and refusals, the nested tiers, partner
programs and partitions, the built-in countries, and the repository rewards validate with."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx2
import pytest

from laurels.kit.db import Database
from laurels.reference.repository import CustomFieldDef, ReferenceRepository
from tests.support import Tenant, error_of


@dataclass(frozen=True)
class Case:
    path: str
    one: str  # key of the row in a create answer
    many: str  # key of the rows in a list answer
    entity: str
    code: str  # prefix of its error codes
    body: dict[str, Any]  # a valid create body

    @property
    def key(self) -> str:
        """The field unique in the org."""
        return "code" if "code" in self.body else "name"


KINDS = [
    Case("/v1/labels", "label", "labels", "Label", "LABEL", {"name": "VIP Customers"}),
    Case("/v1/categories", "category", "categories", "Category", "CATEGORY", {"name": "Travel"}),
    Case("/v1/vendors", "vendor", "vendors", "Vendor", "VENDOR", {"name": "Acme"}),
    Case("/v1/segments", "segment", "segments", "Segment", "SEGMENT", {"name": "Frequent"}),
    Case(
        "/v1/loyalty-programs", "loyaltyProgram", "loyaltyPrograms", "Loyalty program", "LOYALTY_PROGRAM", {"name": "P"}
    ),
    Case(
        "/v1/card-series", "cardSeries", "cardSeries", "Card series", "CARD_SERIES", {"code": "GOLD-1", "name": "Gold"}
    ),
    Case(
        "/v1/custom-fields",
        "customField",
        "customFields",
        "Custom field",
        "CUSTOM_FIELD",
        {"name": "CF1", "scope": "reward"},
    ),
]
each_kind = pytest.mark.parametrize("kind", KINDS, ids=[k.many for k in KINDS])


def _variant(kind: Case, i: int) -> dict[str, Any]:
    """The create body with its unique name (or code) made distinct."""
    return {**kind.body, kind.key: f"{kind.body[kind.key]}-{i}"}


@each_kind
def test_crud(tenant: Tenant, kind: Case) -> None:
    created = tenant.data(tenant.post(kind.path, json={**kind.body, "description": "first"}), 201)
    assert created["message"] == f"{kind.entity} created successfully"
    row = created[kind.one]
    assert isinstance(row["id"], int)
    assert row["description"] == "first"
    assert row["createdAt"] == row["updatedAt"]
    assert tenant.data(tenant.get(f"{kind.path}/{row['id']}")) == row

    listed = tenant.data(tenant.get(kind.path))
    assert listed == {kind.many: [row], "count": 1, "nextCursor": None}

    updated = tenant.data(tenant.put(f"{kind.path}/{row['id']}", json={"description": "second"}))
    assert updated["description"] == "second"
    assert updated["name"] == row["name"]  # left out, kept
    assert updated["createdAt"] == row["createdAt"]
    assert tenant.data(tenant.put(f"{kind.path}/{row['id']}", json={})) == updated  # nothing given, nothing changes
    cleared = tenant.data(tenant.put(f"{kind.path}/{row['id']}", json={"description": None, "name": "Renamed"}))
    assert cleared["description"] is None
    assert cleared["name"] == "Renamed"

    assert tenant.data(tenant.delete(f"{kind.path}/{row['id']}")) == {"message": f"{kind.entity} deleted successfully"}
    for response in (
        tenant.get(f"{kind.path}/{row['id']}"),
        tenant.put(f"{kind.path}/{row['id']}", json={"description": "x"}),
        tenant.delete(f"{kind.path}/{row['id']}"),
    ):
        assert error_of(response, 404) == {"code": f"{kind.code}_NOT_FOUND", "message": f"{kind.entity} not found"}
    assert tenant.data(tenant.get(kind.path))["count"] == 0


@each_kind
def test_pagination(tenant: Tenant, kind: Case) -> None:
    ids = [tenant.data(tenant.post(kind.path, json=_variant(kind, i)), 201)[kind.one]["id"] for i in range(5)]
    first = tenant.data(tenant.get(kind.path, params={"limit": 2}))
    assert first["count"] == 2
    second = tenant.data(tenant.get(kind.path, params={"limit": 2, "cursor": first["nextCursor"]}))
    third = tenant.data(tenant.get(kind.path, params={"limit": 2, "cursor": second["nextCursor"]}))
    assert [r["id"] for page in (first, second, third) for r in page[kind.many]] == ids
    assert third["nextCursor"] is None
    assert error_of(tenant.get(kind.path, params={"cursor": "nope"}), 400)["code"] == "INVALID_CURSOR"
    assert error_of(tenant.get(kind.path, params={"limit": 0}), 400)["field"] == "limit"


@each_kind
def test_unique_regardless_of_case(tenant: Tenant, other_tenant: Tenant, kind: Case) -> None:
    key = kind.key
    first = tenant.data(tenant.post(kind.path, json=kind.body), 201)[kind.one]
    error = error_of(tenant.post(kind.path, json={**kind.body, key: kind.body[key].upper()}), 409)
    assert error == {
        "code": f"{kind.code}_ALREADY_EXISTS",
        "message": f"{kind.entity} with this {key} already exists",
        "field": key,
    }
    second = tenant.data(tenant.post(kind.path, json=_variant(kind, 2)), 201)[kind.one]
    error = error_of(tenant.put(f"{kind.path}/{second['id']}", json={key: kind.body[key].lower()}), 409)
    assert error["code"] == f"{kind.code}_ALREADY_EXISTS"
    # Renaming a row to itself (in another case) is no conflict; another org may use the name.
    assert (
        tenant.data(tenant.put(f"{kind.path}/{first['id']}", json={key: kind.body[key].swapcase()}))[key]
        == kind.body[key].swapcase()
    )
    other_tenant.data(other_tenant.post(kind.path, json=kind.body), 201)


@each_kind
def test_field_refusals(tenant: Tenant, kind: Case) -> None:
    required = [k for k in ("code", "name", "scope") if k in kind.body]
    error = error_of(tenant.post(kind.path, json={}), 400)
    assert error == {
        "code": "MISSING_REQUIRED_FIELDS",
        "message": "Missing required fields: " + ", ".join(required),
        "field": required[0],
    }
    assert error_of(tenant.post(kind.path, json={**kind.body, "name": "  "}), 400)["code"] == "INVALID_NAME"
    assert error_of(tenant.post(kind.path, json={**kind.body, "name": "n" * 256}), 400)["field"] == "name"
    assert (
        error_of(tenant.post(kind.path, json={**kind.body, "description": "d" * 4001}), 400)["code"]
        == "INVALID_DESCRIPTION"
    )
    assert error_of(tenant.post(kind.path, json=[1]), 400)["code"] == "INVALID_BODY"
    row = tenant.data(tenant.post(kind.path, json={**kind.body, "name": "n" * 255}), 201)[kind.one]
    assert error_of(tenant.put(f"{kind.path}/{row['id']}", json={"name": None}), 400)["code"] == "INVALID_NAME"
    assert error_of(tenant.get(f"{kind.path}/abc"), 400)["code"] == "VALIDATION_ERROR"
    error_of(tenant.get(f"{kind.path}/999999999"), 404)


def test_racing_creates_of_one_name_make_one_row(live_server: str, tenant: Tenant) -> None:
    writers = 10
    start = threading.Barrier(writers)

    def create(i: int) -> int:
        with httpx2.Client(base_url=live_server, timeout=60) as http:
            http.get("/healthz")  # connect before the start line
            start.wait()
            name = "Race" if i % 2 else "RACE"
            return http.post("/v1/labels", json={"name": name}, headers=tenant.headers).status_code

    with ThreadPoolExecutor(max_workers=writers) as pool:
        statuses = sorted(pool.map(create, range(writers)))
    assert statuses == [201] + [409] * (writers - 1)
    assert tenant.data(tenant.get("/v1/labels"))["count"] == 1


def test_reads_need_rewards_read_and_writes_rewards_write(tenant_factory: Callable[..., Tenant]) -> None:
    reader = tenant_factory(scopes=["rewards:read"])
    assert reader.data(reader.get("/v1/labels"))["count"] == 0
    assert reader.data(reader.get("/v1/countries"))["count"] > 200
    error = error_of(reader.post("/v1/labels", json={"name": "x"}), 403)
    assert error["code"] == "INSUFFICIENT_SCOPE"
    customers_only = tenant_factory(scopes=["customers:read", "customers:write"])
    assert error_of(customers_only.get("/v1/labels"), 403)["code"] == "INSUFFICIENT_SCOPE"
    assert error_of(customers_only.get("/v1/countries/1"), 403)["code"] == "INSUFFICIENT_SCOPE"


def test_served_under_the_loyalty_prefix_too(tenant: Tenant) -> None:
    label = tenant.data(tenant.post("/loyalty/v1/labels", json={"name": "Monterosa"}), 201)["label"]
    assert tenant.data(tenant.get(f"/v1/labels/{label['id']}")) == label


# ---- kind-specific fields ------------------------------------------------------


def test_card_series_code(tenant: Tenant) -> None:
    series = tenant.data(tenant.post("/v1/card-series", json={"code": "26NOV2024TRYLEN17", "name": "Try"}), 201)
    assert series["cardSeries"]["code"] == "26NOV2024TRYLEN17"
    for bad in ("", "has space", "x" * 65, "slash/no", 17):
        error = error_of(tenant.post("/v1/card-series", json={"code": bad, "name": "n"}), 400)
        assert error["field"] == "code", bad
    tenant.data(tenant.post("/v1/card-series", json={"code": "a_b-c.D9", "name": "n"}), 201)
    series_id = series["cardSeries"]["id"]
    renamed = tenant.data(tenant.put(f"/v1/card-series/{series_id}", json={"code": "26NOV2024TRYLEN18"}))
    assert renamed["code"] == "26NOV2024TRYLEN18"
    assert renamed["name"] == "Try"
    assert error_of(tenant.put(f"/v1/card-series/{series_id}", json={"code": "no way"}), 400)["code"] == "INVALID_CODE"


def test_custom_field_scope_and_mandatory(tenant: Tenant) -> None:
    made = tenant.data(tenant.post("/v1/custom-fields", json={"name": "mandatory - CF1", "scope": "reward"}), 201)
    field = made["customField"]
    assert field["mandatory"] is False
    assert field["scope"] == "reward"
    # Unique per (org, scope): the same name may exist in the other scope.
    tenant.data(tenant.post("/v1/custom-fields", json={"name": "MANDATORY - cf1", "scope": "issuance"}), 201)
    error = error_of(tenant.put(f"/v1/custom-fields/{field['id']}", json={"scope": "issuance"}), 409)
    assert error["code"] == "CUSTOM_FIELD_ALREADY_EXISTS"
    updated = tenant.data(tenant.put(f"/v1/custom-fields/{field['id']}", json={"mandatory": True}))
    assert updated["mandatory"] is True
    assert updated["name"] == "mandatory - CF1"
    error = error_of(tenant.post("/v1/custom-fields", json={"name": "x", "scope": "everything"}), 400)
    assert error == {"code": "INVALID_SCOPE", "message": "scope must be reward or issuance", "field": "scope"}
    error = error_of(tenant.put(f"/v1/custom-fields/{field['id']}", json={"mandatory": None}), 400)
    assert error["code"] == "INVALID_MANDATORY"
    error = error_of(tenant.post("/v1/custom-fields", json={"name": "x", "scope": "reward", "mandatory": "sure"}), 400)
    assert error["field"] == "mandatory"


# ---- loyalty programs: tiers and partner programs --------------------------------


def _program(tenant: Tenant, **body: Any) -> dict[str, Any]:
    program: dict[str, Any] = tenant.data(tenant.post("/v1/loyalty-programs", json={"name": "Main", **body}), 201)[
        "loyaltyProgram"
    ]
    return program


def test_program_with_tiers_and_partner_programs(tenant: Tenant) -> None:
    program = _program(
        tenant,
        tiers=[{"name": "Silver"}, {"name": "Platinum", "rank": 5}, {"name": "Gold", "rank": 2}, {"name": "Titan"}],
        partnerPrograms=[{"name": "Airline"}, {"name": "Hotel"}],
    )
    # Lowest rank first; a tier without a rank goes one above the highest before it.
    assert [(t["name"], t["rank"]) for t in program["tiers"]] == [
        ("Silver", 1),
        ("Gold", 2),
        ("Platinum", 5),
        ("Titan", 6),
    ]
    assert [p["name"] for p in program["partnerPrograms"]] == ["Airline", "Hotel"]
    assert tenant.data(tenant.get(f"/v1/loyalty-programs/{program['id']}")) == program
    assert tenant.data(tenant.get("/v1/loyalty-programs"))["loyaltyPrograms"] == [program]
    # Renaming the program keeps its children.
    renamed = tenant.data(tenant.put(f"/v1/loyalty-programs/{program['id']}", json={"name": "Renamed"}))
    assert renamed["tiers"] == program["tiers"]
    assert renamed["partnerPrograms"] == program["partnerPrograms"]
    empty = _program(tenant, name="Empty")
    assert empty["tiers"] == []
    assert empty["partnerPrograms"] == []


def test_tier_routes(tenant: Tenant) -> None:
    program = _program(tenant, tiers=[{"name": "Silver"}])
    base = f"/v1/loyalty-programs/{program['id']}/tiers"
    created = tenant.data(tenant.post(base, json={"name": "Gold"}), 201)
    assert created["message"] == "Tier created successfully"
    gold = created["tier"]
    assert gold["rank"] == 2
    assert tenant.data(tenant.post(base, json={"name": "Entry", "rank": 1}), 201)["tier"]["rank"] == 1

    updated = tenant.data(tenant.put(f"{base}/{gold['id']}", json={"rank": 10}))
    assert updated == {"id": gold["id"], "name": "Gold", "rank": 10}
    assert tenant.data(tenant.put(f"{base}/{gold['id']}", json={"name": "GOLD"}))["name"] == "GOLD"
    tiers = tenant.data(tenant.get(f"/v1/loyalty-programs/{program['id']}"))["tiers"]
    assert [t["name"] for t in tiers] == ["Silver", "Entry", "GOLD"]

    error = error_of(tenant.post(base, json={"name": "silver"}), 409)
    assert error == {"code": "TIER_ALREADY_EXISTS", "message": "Tier with this name already exists", "field": "name"}
    error_of(tenant.put(f"{base}/{gold['id']}", json={"name": "Silver"}), 409)
    assert error_of(tenant.post(base, json={}), 400)["message"] == "Missing required fields: name"
    for bad in (0, -1, 1.5, True):
        error = error_of(tenant.post(base, json={"name": "Bad", "rank": bad}), 400)
        assert error["field"] == "rank", bad
    assert error_of(tenant.put(f"{base}/{gold['id']}", json={"rank": 0}), 400)["code"] == "INVALID_RANK"

    assert tenant.data(tenant.delete(f"{base}/{gold['id']}")) == {"message": "Tier deleted successfully"}
    error = error_of(tenant.delete(f"{base}/{gold['id']}"), 404)
    assert error == {"code": "TIER_NOT_FOUND", "message": "Tier not found"}
    error_of(tenant.put(f"{base}/{gold['id']}", json={"name": "x"}), 404)
    # A tier of another program is not found under this one.
    other = _program(tenant, name="Other", tiers=[{"name": "Other tier"}])
    error_of(tenant.delete(f"{base}/{other['tiers'][0]['id']}"), 404)
    # Under a program that does not exist, the program is what is missing.
    for response in (
        tenant.post("/v1/loyalty-programs/999999999/tiers", json={"name": "x"}),
        tenant.put(f"/v1/loyalty-programs/999999999/tiers/{other['tiers'][0]['id']}", json={"name": "x"}),
        tenant.delete(f"/v1/loyalty-programs/999999999/tiers/{other['tiers'][0]['id']}"),
    ):
        assert error_of(response, 404)["code"] == "LOYALTY_PROGRAM_NOT_FOUND"


def test_partner_program_routes(tenant: Tenant) -> None:
    program = _program(tenant)
    base = f"/v1/loyalty-programs/{program['id']}/partner-programs"
    created = tenant.data(tenant.post(base, json={"name": "Airline"}), 201)
    assert created["message"] == "Partner program created successfully"
    airline = created["partnerProgram"]
    assert set(airline) == {"id", "name"}
    assert error_of(tenant.post(base, json={"name": "AIRLINE"}), 409)["code"] == "PARTNER_PROGRAM_ALREADY_EXISTS"
    listed = tenant.data(tenant.get(f"/v1/loyalty-programs/{program['id']}"))["partnerPrograms"]
    assert listed == [airline]
    assert tenant.data(tenant.delete(f"{base}/{airline['id']}")) == {"message": "Partner program deleted successfully"}
    assert error_of(tenant.delete(f"{base}/{airline['id']}"), 404)["code"] == "PARTNER_PROGRAM_NOT_FOUND"
    assert (
        error_of(tenant.post("/v1/loyalty-programs/999999999/partner-programs", json={"name": "x"}), 404)["code"]
        == "LOYALTY_PROGRAM_NOT_FOUND"
    )


def test_program_body_refusals_name_the_item(tenant: Tenant) -> None:
    cases: list[tuple[dict[str, Any], int, str, str]] = [
        ({"tiers": [{"name": "A"}, {"name": "a"}]}, 409, "TIER_ALREADY_EXISTS", "tiers[1].name"),
        ({"tiers": [{"name": "A"}, {}]}, 400, "MISSING_REQUIRED_FIELDS", "tiers[1].name"),
        ({"tiers": [{"name": "A", "rank": 0}]}, 400, "INVALID_RANK", "tiers[0].rank"),
        ({"tiers": ["Gold"]}, 400, "INVALID_ITEM", "tiers[0]"),
        ({"partnerPrograms": [{"name": ""}]}, 400, "INVALID_NAME", "partnerPrograms[0].name"),
        (
            {"partnerPrograms": [{"name": "X"}, {"name": "x"}]},
            409,
            "PARTNER_PROGRAM_ALREADY_EXISTS",
            "partnerPrograms[1].name",
        ),
    ]
    for body, status, code, field in cases:
        error = error_of(tenant.post("/v1/loyalty-programs", json={"name": "P", **body}), status)
        assert (error["code"], error.get("field")) == (code, field), body
    error = error_of(tenant.post("/v1/loyalty-programs", json={"tiers": [{"name": "A"}]}), 400)
    assert error["message"] == "Missing required fields: name"
    # Nothing of the refused requests was kept.
    assert tenant.data(tenant.get("/v1/loyalty-programs"))["count"] == 0


def test_deleting_a_program_deletes_its_tiers_and_partner_programs(tenant: Tenant, db: Database) -> None:
    program = _program(tenant, tiers=[{"name": "T"}], partnerPrograms=[{"name": "P"}])
    tier, partner = program["tiers"][0]["id"], program["partnerPrograms"][0]["id"]
    tenant.data(tenant.delete(f"/v1/loyalty-programs/{program['id']}"))
    error_of(tenant.delete(f"/v1/loyalty-programs/{program['id']}/tiers/{tier}"), 404)
    with db.session(write=False) as session:
        refs = ReferenceRepository(session)
        assert refs.missing_org_partner_programs(tenant.org_id, [partner]) == [partner]
        assert refs.tier_programs(tenant.org_id, [tier]) == {}


# ---- segments: partitions -------------------------------------------------------


def test_segment_partitions(tenant: Tenant) -> None:
    segment = tenant.data(
        tenant.post("/v1/segments", json={"name": "Spend", "partitions": [{"name": "High"}, {"name": "Low"}]}), 201
    )["segment"]
    assert [p["name"] for p in segment["partitions"]] == ["High", "Low"]
    base = f"/v1/segments/{segment['id']}/partitions"
    created = tenant.data(tenant.post(base, json={"name": "Mid"}), 201)
    assert created["message"] == "Partition created successfully"
    mid = created["partition"]
    assert error_of(tenant.post(base, json={"name": "mid"}), 409)["code"] == "PARTITION_ALREADY_EXISTS"
    assert error_of(tenant.post(base, json={}), 400)["code"] == "MISSING_REQUIRED_FIELDS"
    shown = tenant.data(tenant.get(f"/v1/segments/{segment['id']}"))["partitions"]
    assert [p["name"] for p in shown] == ["High", "Low", "Mid"]
    assert tenant.data(tenant.delete(f"{base}/{mid['id']}")) == {"message": "Partition deleted successfully"}
    assert error_of(tenant.delete(f"{base}/{mid['id']}"), 404)["code"] == "PARTITION_NOT_FOUND"
    assert (
        error_of(tenant.post("/v1/segments/999999999/partitions", json={"name": "x"}), 404)["code"]
        == "SEGMENT_NOT_FOUND"
    )
    error = error_of(
        tenant.post("/v1/segments", json={"name": "S2", "partitions": [{"name": "A"}, {"name": "A"}]}), 409
    )
    assert error["field"] == "partitions[1].name"
    tenant.data(tenant.delete(f"/v1/segments/{segment['id']}"))
    error_of(tenant.delete(f"{base}/{segment['partitions'][0]['id']}"), 404)


# ---- countries -------------------------------------------------------------------


def test_countries(tenant: Tenant) -> None:
    listed = tenant.data(tenant.get("/v1/countries"))
    assert listed["count"] == len(listed["countries"]) >= 249
    assert listed["countries"][0] == {
        "countryId": 1,
        "code": "AD",
        "alpha3": "AND",
        "numeric": "020",
        "name": "Andorra",
    }
    assert [c["countryId"] for c in listed["countries"]] == list(range(1, listed["count"] + 1))
    armenia = tenant.data(tenant.get("/v1/countries/7"))
    assert armenia["code"] == "AM"
    assert tenant.data(tenant.get("/v1/countries/am")) == armenia
    assert tenant.data(tenant.get("/loyalty/v1/countries/AM")) == armenia
    for unknown in ("0", "999", "ZZ", "ARM", "x"):
        error = error_of(tenant.get(f"/v1/countries/{unknown}"), 404)
        assert error == {"code": "COUNTRY_NOT_FOUND", "message": "Country not found"}


# ---- the repository reward validation calls ----------------------------------------


def test_reference_repository_answers_what_is_missing(tenant: Tenant, other_tenant: Tenant, db: Database) -> None:
    def made(path: str, key: str, body: dict[str, Any], owner: Tenant = tenant) -> dict[str, Any]:
        row: dict[str, Any] = owner.data(owner.post(path, json=body), 201)[key]
        return row

    label = made("/v1/labels", "label", {"name": "L"})["id"]
    foreign_label = made("/v1/labels", "label", {"name": "L"}, other_tenant)["id"]
    category = made("/v1/categories", "category", {"name": "C"})["id"]
    vendor = made("/v1/vendors", "vendor", {"name": "V"})["id"]
    made("/v1/card-series", "cardSeries", {"code": "26NOV2024TRYLEN17", "name": "S"})
    made("/v1/custom-fields", "customField", {"name": "CF2", "scope": "reward", "mandatory": True})
    made("/v1/custom-fields", "customField", {"name": "CF1", "scope": "reward"})
    made("/v1/custom-fields", "customField", {"name": "issued", "scope": "issuance"})
    program = made(
        "/v1/loyalty-programs",
        "loyaltyProgram",
        {"name": "P", "tiers": [{"name": "T"}], "partnerPrograms": [{"name": "PP"}]},
    )
    other_program = made("/v1/loyalty-programs", "loyaltyProgram", {"name": "Q", "tiers": [{"name": "T"}]})
    segment = made("/v1/segments", "segment", {"name": "S", "partitions": [{"name": "X"}]})
    foreign_segment = made("/v1/segments", "segment", {"name": "S", "partitions": [{"name": "X"}]}, other_tenant)
    tier, partner = program["tiers"][0]["id"], program["partnerPrograms"][0]["id"]
    partition = segment["partitions"][0]["id"]

    org = tenant.org_id
    with db.session(write=False) as session:
        refs = ReferenceRepository(session)
        assert refs.missing_labels(org, [label, 999999999, foreign_label, label]) == sorted([999999999, foreign_label])
        assert refs.missing_labels(org, []) == []
        assert refs.missing_card_series(org, ["26NOV2024TRYLEN17", "26nov2024trylen17", "NOPE"]) == [
            "26nov2024trylen17",
            "NOPE",
        ]
        assert refs.custom_field_defs(org, "reward") == [CustomFieldDef("CF1", False), CustomFieldDef("CF2", True)]
        assert refs.custom_field_defs(org, "issuance") == [CustomFieldDef("issued", False)]
        assert refs.custom_field_defs(other_tenant.org_id, "reward") == []
        assert refs.missing_categories(org, [category, category + 1000000]) == [category + 1000000]
        assert refs.missing_vendors(org, [vendor]) == []
        assert refs.missing_loyalty_programs(org, [program["id"], other_program["id"], -1]) == [-1]
        assert refs.missing_loyalty_programs(other_tenant.org_id, [program["id"]]) == [program["id"]]
        assert refs.missing_tiers(org, program["id"], [tier, other_program["tiers"][0]["id"]]) == [
            other_program["tiers"][0]["id"]
        ]
        assert refs.missing_tiers(other_tenant.org_id, program["id"], [tier]) == [tier]
        assert refs.missing_partner_programs(org, program["id"], [partner, 999999999]) == [999999999]
        assert refs.missing_partner_programs(org, other_program["id"], [partner]) == [partner]
        assert refs.missing_segments(org, [segment["id"], foreign_segment["id"]]) == [foreign_segment["id"]]
        assert refs.missing_partitions(org, segment["id"], [partition]) == []
        assert refs.missing_partitions(org, foreign_segment["id"], [foreign_segment["partitions"][0]["id"]]) == [
            foreign_segment["partitions"][0]["id"]
        ]
