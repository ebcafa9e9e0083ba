"""Customers through HTTP: upsert (201 then 200), partial updates, every reference checked
against the org, reads, deletes, scopes, and racing first upserts of one userId."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx2

from laurels.customers.repository import CustomerRepository
from laurels.kit.db import Database
from tests.support import Tenant, error_of


def _refs(tenant: Tenant) -> dict[str, Any]:
    """A label, a card series, a program with two tiers and a partner program, a segment with two partitions."""

    def made(path: str, key: str, body: dict[str, Any]) -> dict[str, Any]:
        row: dict[str, Any] = tenant.data(tenant.post(path, json=body), 201)[key]
        return row

    program = made(
        "/v1/loyalty-programs",
        "loyaltyProgram",
        {"name": "Main", "tiers": [{"name": "Silver"}, {"name": "Gold"}], "partnerPrograms": [{"name": "Air"}]},
    )
    segment = made("/v1/segments", "segment", {"name": "Spend", "partitions": [{"name": "High"}, {"name": "Low"}]})
    return {
        "labels": [made("/v1/labels", "label", {"name": f"L{i}"})["id"] for i in range(2)],
        "series": made("/v1/card-series", "cardSeries", {"code": "26NOV2024TRYLEN17", "name": "S"})["code"],
        "program": program["id"],
        "tiers": [t["id"] for t in program["tiers"]],
        "partner": program["partnerPrograms"][0]["id"],
        "segment": segment["id"],
        "partitions": [p["id"] for p in segment["partitions"]],
    }


def test_upsert_creates_then_updates(tenant: Tenant) -> None:
    refs = _refs(tenant)
    body = {
        "tiers": [{"loyaltyProgramId": refs["program"], "tierId": refs["tiers"][0]}],
        "labels": refs["labels"],
        "cardSeries": [refs["series"]],
        "segments": [{"segmentId": refs["segment"], "partitionId": refs["partitions"][1]}],
        "partnerPrograms": [refs["partner"]],
        "country": 7,
    }
    created = tenant.data(tenant.put("/v1/customers/user-42", json=body), 201)
    assert created == {
        "id": created["id"],
        "userId": "user-42",
        "mobile": None,
        "email": None,
        "externalId": None,
        "tiers": body["tiers"],
        "labels": refs["labels"],
        "cardSeries": ["26NOV2024TRYLEN17"],
        "segments": body["segments"],
        "partnerPrograms": [refs["partner"]],
        "countryId": 7,
        "countryCode": "AM",
        "createdAt": created["createdAt"],
        "updatedAt": created["createdAt"],
    }
    assert tenant.data(tenant.get("/v1/customers/user-42")) == created

    # Fields left out keep their values.
    promoted = {"tiers": [{"loyaltyProgramId": refs["program"], "tierId": refs["tiers"][1]}]}
    updated = tenant.data(tenant.put("/v1/customers/user-42", json=promoted), 200)
    assert updated == {**created, "tiers": promoted["tiers"], "updatedAt": updated["updatedAt"]}
    assert tenant.data(tenant.put("/v1/customers/user-42", json={}), 200) == updated

    # null or [] empties a field; country takes an alpha-2 code (any case) too.
    cleared = tenant.data(tenant.put("/v1/customers/user-42", json={"labels": None, "segments": [], "country": "fr"}))
    assert cleared["labels"] == []
    assert cleared["segments"] == []
    assert (cleared["countryId"], cleared["countryCode"]) == (75, "FR")
    assert cleared["cardSeries"] == ["26NOV2024TRYLEN17"]
    assert tenant.data(tenant.put("/v1/customers/user-42", json={"country": None}))["countryId"] is None
    assert tenant.data(tenant.put("/v1/customers/user-42", json={"country": "14"}))["countryCode"] == "AW"


def test_new_customer_starts_empty_and_repeats_are_dropped(tenant: Tenant) -> None:
    refs = _refs(tenant)
    label = refs["labels"][0]
    customer = tenant.data(
        tenant.put("/v1/customers/u", json={"labels": [label, label, refs["labels"][1], label]}), 201
    )
    assert customer["labels"] == [label, refs["labels"][1]]
    assert customer["tiers"] == customer["segments"] == customer["cardSeries"] == customer["partnerPrograms"] == []
    assert customer["countryId"] is None
    assert customer["countryCode"] is None
    assert tenant.data(tenant.put("/v1/customers/empty", json={}), 201)["labels"] == []


def test_every_reference_must_exist_in_the_org(tenant: Tenant, other_tenant: Tenant) -> None:
    refs = _refs(tenant)
    foreign = _refs(other_tenant)
    program, segment = refs["program"], refs["segment"]
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"labels": [refs["labels"][0], foreign["labels"][0]]}, "LABEL_NOT_FOUND", "labels[1]"),
        ({"cardSeries": ["26NOV2024TRYLEN17", "26nov2024trylen17"]}, "CARD_SERIES_NOT_FOUND", "cardSeries[1]"),
        (
            {"tiers": [{"loyaltyProgramId": foreign["program"], "tierId": foreign["tiers"][0]}]},
            "LOYALTY_PROGRAM_NOT_FOUND",
            "tiers[0].loyaltyProgramId",
        ),
        (
            {"tiers": [{"loyaltyProgramId": program, "tierId": foreign["tiers"][0]}]},
            "TIER_NOT_FOUND",
            "tiers[0].tierId",
        ),
        (
            {"segments": [{"segmentId": foreign["segment"], "partitionId": refs["partitions"][0]}]},
            "SEGMENT_NOT_FOUND",
            "segments[0].segmentId",
        ),
        (
            {"segments": [{"segmentId": segment, "partitionId": foreign["partitions"][0]}]},
            "PARTITION_NOT_FOUND",
            "segments[0].partitionId",
        ),
        ({"partnerPrograms": [refs["partner"], foreign["partner"]]}, "PARTNER_PROGRAM_NOT_FOUND", "partnerPrograms[1]"),
        ({"country": 0}, "COUNTRY_NOT_FOUND", "country"),
        ({"country": "ZZ"}, "COUNTRY_NOT_FOUND", "country"),
        ({"country": 1.5}, "COUNTRY_NOT_FOUND", "country"),
    ]
    for body, code, field in cases:
        error = error_of(tenant.put("/v1/customers/u1", json=body), 400)
        assert (error["code"], error["field"]) == (code, field), body
    # A tier of another program of the org is not a tier of this one.
    other_program = tenant.data(
        tenant.post("/v1/loyalty-programs", json={"name": "Other", "tiers": [{"name": "T"}]}), 201
    )["loyaltyProgram"]
    mixed = {"tiers": [{"loyaltyProgramId": program, "tierId": other_program["tiers"][0]["id"]}]}
    error = error_of(tenant.put("/v1/customers/u1", json=mixed), 400)
    assert error["code"] == "TIER_NOT_FOUND"
    assert error["message"] == f"Tier {other_program['tiers'][0]['id']} not found in loyalty program {program}"
    # Nothing refused was kept: the customer was never created.
    assert error_of(tenant.get("/v1/customers/u1"), 404)["code"] == "CUSTOMER_NOT_FOUND"


def test_shape_refusals(tenant: Tenant) -> None:
    refs = _refs(tenant)
    program, segment = refs["program"], refs["segment"]
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"labels": "1"}, "VALIDATION_ERROR", "labels"),
        ({"labels": [refs["labels"][0], "2"]}, "INVALID_CUSTOMER", "labels[1]"),
        ({"labels": [True]}, "INVALID_CUSTOMER", "labels[0]"),
        ({"partnerPrograms": [1.0]}, "INVALID_CUSTOMER", "partnerPrograms[0]"),
        ({"cardSeries": [""]}, "INVALID_CUSTOMER", "cardSeries[0]"),
        ({"cardSeries": [17]}, "INVALID_CUSTOMER", "cardSeries[0]"),
        ({"tiers": [5]}, "INVALID_CUSTOMER", "tiers[0]"),
        ({"tiers": [{"loyaltyProgramId": program}]}, "INVALID_CUSTOMER", "tiers[0].tierId"),
        (
            {
                "tiers": [
                    {"loyaltyProgramId": program, "tierId": refs["tiers"][0]},
                    {"loyaltyProgramId": program, "tierId": refs["tiers"][1]},
                ]
            },
            "INVALID_CUSTOMER",
            "tiers[1].loyaltyProgramId",
        ),
        (
            {
                "segments": [
                    {"segmentId": segment, "partitionId": refs["partitions"][0]},
                    {"segmentId": segment, "partitionId": refs["partitions"][1]},
                ]
            },
            "INVALID_CUSTOMER",
            "segments[1].segmentId",
        ),
    ]
    for body, code, field in cases:
        error = error_of(tenant.put("/v1/customers/u1", json=body), 400)
        assert (error["code"], error["field"]) == (code, field), body
    error = error_of(tenant.put("/v1/customers/" + "u" * 129, json={}), 400)
    assert error == {
        "code": "INVALID_USER_ID",
        "message": "userId must be a non-empty string of at most 128 characters",
        "field": "userId",
    }
    assert error_of(tenant.put("/v1/customers/%20", json={}), 400)["code"] == "INVALID_USER_ID"
    tenant.data(tenant.put("/v1/customers/" + "u" * 128, json={}), 201)
    assert error_of(tenant.put("/v1/customers/u1", json=[]), 400)["code"] == "INVALID_BODY"


def test_get_list_delete(tenant: Tenant, other_tenant: Tenant) -> None:
    users = [f"user-{i}" for i in range(5)]
    for user in users:
        tenant.data(tenant.put(f"/v1/customers/{user}", json={}), 201)
    first = tenant.data(tenant.get("/v1/customers", params={"limit": 3}))
    second = tenant.data(tenant.get("/v1/customers", params={"limit": 3, "cursor": first["nextCursor"]}))
    assert [c["userId"] for c in first["customers"] + second["customers"]] == users
    assert (first["count"], second["count"], second["nextCursor"]) == (3, 2, None)
    assert other_tenant.data(other_tenant.get("/v1/customers")) == {"customers": [], "count": 0, "nextCursor": None}

    assert tenant.data(tenant.delete("/v1/customers/user-0")) == {"message": "Customer deleted successfully"}
    for response in (tenant.get("/v1/customers/user-0"), tenant.delete("/v1/customers/user-0")):
        assert error_of(response, 404) == {"code": "CUSTOMER_NOT_FOUND", "message": "Customer not found"}
    # Deleted, it can be upserted afresh.
    tenant.data(tenant.put("/v1/customers/user-0", json={}), 201)
    assert tenant.data(tenant.get("/loyalty/v1/customers/user-0"))["userId"] == "user-0"


def test_customer_scopes(tenant_factory: Callable[..., Tenant]) -> None:
    owner = tenant_factory(scopes=["customers:read", "customers:write"])
    owner.data(owner.put("/v1/customers/u", json={}), 201)
    reader = tenant_factory(scopes=["customers:read"])
    assert reader.data(reader.get("/v1/customers"))["count"] == 0
    assert error_of(reader.put("/v1/customers/u", json={}), 403)["code"] == "INSUFFICIENT_SCOPE"
    assert error_of(reader.delete("/v1/customers/u"), 403)["code"] == "INSUFFICIENT_SCOPE"
    catalog = tenant_factory(scopes=["rewards:read", "rewards:write"])
    assert error_of(catalog.get("/v1/customers"), 403)["code"] == "INSUFFICIENT_SCOPE"


def test_repository_get_is_org_scoped(tenant: Tenant, other_tenant: Tenant, db: Database) -> None:
    tenant.data(tenant.put("/v1/customers/shared-id", json={"country": "AM"}), 201)
    with db.session(write=False) as session:
        repo = CustomerRepository(session)
        customer = repo.get(tenant.org_id, "shared-id")
        assert customer is not None
        assert customer.country_id == 7
        assert repo.get(other_tenant.org_id, "shared-id") is None


def test_racing_first_upserts_of_one_user_make_one_customer(live_server: str, tenant: Tenant) -> None:
    writers = 10
    label = tenant.data(tenant.post("/v1/labels", json={"name": "Race"}), 201)["label"]["id"]
    headers = tenant.headers
    start = threading.Barrier(writers)

    def upsert(i: int) -> int:
        body = {"labels": [label], "country": i + 1}
        with httpx2.Client(base_url=live_server, timeout=60) as http:
            http.get("/healthz")  # connect before the start line
            start.wait()
            return http.put("/v1/customers/racer", json=body, headers=headers).status_code

    with ThreadPoolExecutor(max_workers=writers) as pool:
        statuses = sorted(pool.map(upsert, range(writers)))
    assert statuses == [200] * (writers - 1) + [201]
    listed = tenant.data(tenant.get("/v1/customers"))
    assert [c["userId"] for c in listed["customers"]] == ["racer"]
    assert listed["customers"][0]["labels"] == [label]
    assert 1 <= listed["customers"][0]["countryId"] <= writers


def test_identifiers_are_normalized_and_unique_in_the_org(tenant: Tenant, other_tenant: Tenant) -> None:
    body = {"mobile": "+44 7700-900123", "email": "Ann@Example.COM", "externalId": "crm-1"}
    ann = tenant.data(tenant.put("/v1/customers/ann", json=body), 201)
    assert (ann["mobile"], ann["email"], ann["externalId"]) == ("447700900123", "ann@example.com", "crm-1")
    # The same identifiers are another org's business.
    other_tenant.data(other_tenant.put("/v1/customers/ann2", json=body), 201)
    for field, value in (("mobile", "447700900123"), ("email", "ANN@example.com"), ("externalId", "crm-1")):
        taken = error_of(tenant.put("/v1/customers/bob", json={field: value}), 409)
        assert (taken["code"], taken["field"]) == ("IDENTIFIER_TAKEN", field)
    # Ann may keep hers, and clear them.
    assert tenant.data(tenant.put("/v1/customers/ann", json=body))["mobile"] == "447700900123"
    cleared = tenant.data(tenant.put("/v1/customers/ann", json={"mobile": None}))
    assert cleared["mobile"] is None
    assert tenant.data(tenant.put("/v1/customers/bob", json={"mobile": "447700900123"}), 201)["mobile"]
    for field, value, code in (
        ("mobile", "12", "INVALID_MOBILE"),
        ("email", "not-an-address", "INVALID_EMAIL"),
        ("externalId", " ", "INVALID_EXTERNAL_ID"),
    ):
        assert error_of(tenant.put("/v1/customers/carl", json={field: value}), 400)["code"] == code
