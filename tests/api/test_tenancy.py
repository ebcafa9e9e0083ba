"""Tenancy is absolute: another org's key reaches nothing of this org's, on any route.

The sweep walks the application's own route table, so a route added later is
covered without touching this file; a route whose valid request body is not
the default ``{}`` gets one in ``BODIES``. Two kinds of route answer another
org's key without a 404, by design: built-in data every org shares
(``SHARED``), and upserts, where another org's key creates that org's own
record (``UPSERTS``); the sweep checks what they answer instead.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI

from tests.support import Tenant, api_routes

BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/codes"): {"json": {"codes": ["SWEEP-1"]}},
    ("POST", "/codes/generate"): {"json": {"count": 1}},
    ("POST", "/codes/csv"): {"files": {"file": ("codes.csv", b"code\nSWEEP-2\n", "text/csv")}},
    ("POST", "/tiers"): {"json": {"name": "SWEEP"}},
    ("POST", "/partner-programs"): {"json": {"name": "SWEEP"}},
    ("POST", "/partitions"): {"json": {"name": "SWEEP"}},
    ("POST", "/points/adjustments"): {"json": {"amount": 5, "reason": "SWEEP"}},
    ("POST", "/purchase"): {"json": {"userId": "sweep", "paymentMode": "FREE"}},
    ("POST", "/reverse"): {"json": {"reason": "SWEEP"}},
    ("POST", "/payouts"): {"json": {"userId": "s", "value": "1", "currency": "EUR", "country": "GB", "rewardId": "r"}},
}
SHARED = ("/countries/{countryIdOrCode}",)
UPSERTS = ("/customers/{userId}",)
PARAM = re.compile(r"\{(\w+)\}")


def _seed(tenant: Tenant) -> dict[str, str]:
    """One of everything, owned by ``tenant``; returns the path parameters naming them."""
    tenant.data(tenant.post("/v1/products", json={"productId": "prod_t", "sku": "T", "name": "T"}), 201)
    tenant.data(tenant.post("/v1/competitions", json={"competitionId": "comp_t", "name": "T"}), 201)
    tenant.data(tenant.post("/v1/code-pools", json={"codePoolId": "pool_t", "name": "T"}), 201)
    tenant.data(tenant.post("/v1/code-pools/pool_t/codes", json={"codes": ["T-1", "T-2"]}))
    reward = tenant.data(
        tenant.post("/v1/rewards", json={"name": "T", "rewardType": "points", "config": {"amount": 1}}), 201
    )["reward"]

    def made(path: str, key: str, body: dict[str, Any]) -> dict[str, Any]:
        row: dict[str, Any] = tenant.data(tenant.post(path, json=body), 201)[key]
        return row

    program = made(
        "/v1/loyalty-programs",
        "loyaltyProgram",
        {"name": "T", "tiers": [{"name": "T"}], "partnerPrograms": [{"name": "T"}]},
    )
    segment = made("/v1/segments", "segment", {"name": "T", "partitions": [{"name": "T"}]})
    label = made("/v1/labels", "label", {"name": "T"})
    tenant.data(
        tenant.put(
            "/v1/customers/cust_t",
            json={
                "labels": [label["id"]],
                "tiers": [{"loyaltyProgramId": program["id"], "tierId": program["tiers"][0]["id"]}],
                "country": "AM",
            },
        ),
        201,
    )
    reward_group = made(
        "/v1/reward-groups",
        "rewardGroup",
        {"name": "T", "rewards": [{"rewardId": reward["rewardId"], "enabled": True}]},
    )
    scheme = made("/v1/payout-schemes", "payoutScheme", {"name": "T"})
    rules = [{"priority": 1, "currency": "EUR", "rewardGroupIds": [reward_group["rewardGroupId"]]}]
    draft = made(f"/v1/payout-schemes/{scheme['payoutSchemeId']}/drafts", "draft", {"rules": rules})
    tenant.data(tenant.post(f"/v1/payout-schemes/{scheme['payoutSchemeId']}/drafts/{draft['draftId']}/publish"))
    granted = tenant.data(
        tenant.post("/v1/rewards/grant", json={"rewardId": reward["rewardId"], "userId": "cust_t"}), 201
    )
    return {
        "transactionId": granted["result"]["transactionId"],
        "rewardGroupId": reward_group["rewardGroupId"],
        "payoutSchemeId": scheme["payoutSchemeId"],
        "draftId": draft["draftId"],
        "rewardId": reward["rewardId"],
        "productId": "prod_t",
        "competitionId": "comp_t",
        "codePoolId": "pool_t",
        "labelId": str(label["id"]),
        "cardSeriesId": str(made("/v1/card-series", "cardSeries", {"code": "T", "name": "T"})["id"]),
        "customFieldId": str(made("/v1/custom-fields", "customField", {"name": "T", "scope": "reward"})["id"]),
        "categoryId": str(made("/v1/categories", "category", {"name": "T"})["id"]),
        "vendorId": str(made("/v1/vendors", "vendor", {"name": "T"})["id"]),
        "programId": str(program["id"]),
        "tierId": str(program["tiers"][0]["id"]),
        "partnerProgramId": str(program["partnerPrograms"][0]["id"]),
        "segmentId": str(segment["id"]),
        "partitionId": str(segment["partitions"][0]["id"]),
        "userId": "cust_t",
        "countryIdOrCode": "AM",
    }


LISTS = (
    "/v1/rewards",
    "/v1/products",
    "/v1/competitions",
    "/v1/code-pools",
    "/v1/labels",
    "/v1/card-series",
    "/v1/custom-fields",
    "/v1/categories",
    "/v1/vendors",
    "/v1/loyalty-programs",
    "/v1/segments",
    "/v1/customers",
    "/v1/reward-groups",
    "/v1/payout-schemes",
    "/v1/issuances",
)


def _snapshot(tenant: Tenant, ids: dict[str, str]) -> dict[str, Any]:
    return {
        "reward": tenant.data(tenant.get(f"/v1/rewards/{ids['rewardId']}")),
        "product": tenant.data(tenant.get("/v1/products/prod_t")),
        "competition": tenant.data(tenant.get("/v1/competitions/comp_t")),
        "pool": tenant.data(tenant.get("/v1/code-pools/pool_t")),
        "customer": tenant.data(tenant.get("/v1/customers/cust_t")),
        "points": tenant.data(tenant.get("/v1/customers/cust_t/points")),
        "entries": tenant.data(tenant.get("/v1/competitions/comp_t/entries")),
        "group": tenant.data(tenant.get(f"/v1/reward-groups/{ids['rewardGroupId']}")),
        "scheme": tenant.data(tenant.get(f"/v1/payout-schemes/{ids['payoutSchemeId']}")),
        **{path: tenant.data(tenant.get(path)) for path in LISTS},
    }


def _native_routes(app: FastAPI) -> list[tuple[str, str]]:
    return [(m, path) for m, path, _ in api_routes(app) if path.startswith(("/v1/", "/loyalty/v1/"))]


def _call(caller: Tenant, method: str, path: str, ids: dict[str, str], headers: dict[str, str]) -> Any:
    concrete = PARAM.sub(lambda m: ids[m.group(1)], path)
    tail = path.split("}", 1)[1] if "}" in path else ""
    kwargs = BODIES.get((method, tail), {"json": {}} if method in ("POST", "PUT") else {})
    return caller.request(method, concrete, headers=headers, **kwargs)


def test_every_route_refuses_another_orgs_ids(app: FastAPI, tenant: Tenant, other_tenant: Tenant) -> None:
    ids = _seed(tenant)
    before = _snapshot(tenant, ids)
    routes = _native_routes(app)
    assert len(routes) >= 20
    for method, path in routes:
        if "{" not in path:
            continue
        response = _call(other_tenant, method, path, ids, {})
        if path.endswith(SHARED):
            assert response.status_code == 200, f"{method} {path}: {response.status_code} {response.text}"
        elif path.endswith(UPSERTS) and method == "PUT":
            # The caller's own, new and empty record: nothing of the tenant's shows through.
            created = other_tenant.data(response, 201)
            assert created["labels"] == created["tiers"] == [], created
            assert created["countryId"] is None, created
            other_tenant.data(other_tenant.delete(path.replace("{userId}", ids["userId"])))
        else:
            assert response.status_code == 404, f"{method} {path}: {response.status_code} {response.text}"
    # Lists show the caller's own data only.
    for path in LISTS:
        listed = other_tenant.data(other_tenant.get(path))
        assert listed["count"] == 0, (path, listed)
    assert _snapshot(tenant, ids) == before


def test_every_route_refuses_a_foreign_org_header(app: FastAPI, tenant: Tenant, other_tenant: Tenant) -> None:
    ids = _seed(tenant)
    before = _snapshot(tenant, ids)
    for method, path in _native_routes(app):
        for header in ("X-Monterosa-Org-ID", "X-Org-ID"):
            response = _call(other_tenant, method, path, ids, {header: tenant.org_id})
            assert response.status_code == 403, f"{method} {path}: {response.status_code} {response.text}"
            assert response.json()["error"]["code"] == "ORG_NOT_ALLOWED"
    assert _snapshot(tenant, ids) == before
