"""Tenancy is absolute: another org's key reaches nothing of this org's, on any route.

The sweep walks the application's own route table, so a route added later is
covered without touching this file; a route whose valid request body is not
the default ``{}`` gets one in ``BODIES``.
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
}
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
    return {
        "rewardId": reward["rewardId"],
        "productId": "prod_t",
        "competitionId": "comp_t",
        "codePoolId": "pool_t",
    }


def _snapshot(tenant: Tenant, ids: dict[str, str]) -> dict[str, Any]:
    return {
        "reward": tenant.data(tenant.get(f"/v1/rewards/{ids['rewardId']}")),
        "product": tenant.data(tenant.get("/v1/products/prod_t")),
        "competition": tenant.data(tenant.get("/v1/competitions/comp_t")),
        "pool": tenant.data(tenant.get("/v1/code-pools/pool_t")),
        "rewards": tenant.data(tenant.get("/v1/rewards")),
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
        assert response.status_code == 404, f"{method} {path}: {response.status_code} {response.text}"
    # Lists show the caller's own data only.
    for path in ("/v1/rewards", "/v1/products", "/v1/competitions", "/v1/code-pools"):
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
