"""Authentication, scopes and the org headers."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from laurels.kit.db import Database
from laurels.tenancy.service import TenancyService
from tests.support import Tenant, error_of


def test_bearer_and_basic_are_both_accepted(tenant: Tenant) -> None:
    tenant.data(tenant.client.get("/v1/rewards", headers=tenant.headers))
    tenant.data(tenant.client.get("/v1/rewards", headers=tenant.basic_headers))


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer ",
        "Bearer lk_0000000000000000.nope",
        "Bearer no-dot-here",
        "Basic !!!notbase64",
        "Token abc",
    ],
)
def test_missing_or_bad_key_is_401(tenant: Tenant, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}
    error = error_of(tenant.client.get("/v1/rewards", headers=headers), 401)
    assert error["code"] == "UNAUTHORIZED"


def test_wrong_secret_for_a_real_key_is_401(tenant: Tenant) -> None:
    error = error_of(tenant.client.get("/v1/rewards", headers={"Authorization": f"Bearer {tenant.key_id}.wrong"}), 401)
    assert error["code"] == "UNAUTHORIZED"


def test_revoked_key_is_401(db: Database, tenant: Tenant) -> None:
    with db.unit_of_work() as session:
        TenancyService(session).revoke_api_key(tenant.key_id)
    error_of(tenant.get("/v1/rewards"), 401)


def test_scopes_are_enforced(tenant_factory: Callable[..., Tenant]) -> None:
    reader = tenant_factory(scopes=["rewards:read"])
    reader.data(reader.get("/v1/rewards"))
    error = error_of(
        reader.post("/v1/rewards", json={"name": "x", "rewardType": "points", "config": {"amount": 1}}), 403
    )
    assert error["code"] == "INSUFFICIENT_SCOPE"
    assert "rewards:write" in error["message"]
    nobody = tenant_factory(scopes=["groups:read"])
    assert error_of(nobody.get("/v1/rewards"), 403)["code"] == "INSUFFICIENT_SCOPE"
    admin = tenant_factory(scopes=["admin"])
    admin.data(admin.post("/v1/rewards", json={"name": "x", "rewardType": "points", "config": {"amount": 1}}), 201)


def test_org_header_naming_the_own_org_is_fine(tenant: Tenant) -> None:
    tenant.data(tenant.get("/v1/rewards", headers={"X-Monterosa-Org-ID": tenant.org_id}))
    tenant.data(tenant.get("/v1/rewards", headers={"X-Org-ID": tenant.org_id}))


def test_org_header_naming_another_org_is_403(tenant: Tenant, other_tenant: Tenant) -> None:
    for header in ("X-Monterosa-Org-ID", "X-Org-ID"):
        error = error_of(tenant.get("/v1/rewards", headers={header: other_tenant.org_id}), 403)
        assert error["code"] == "ORG_NOT_ALLOWED"
    error = error_of(tenant.get("/v1/rewards", headers={"X-Org-ID": "no-such-org"}), 403)
    assert error["code"] == "ORG_NOT_ALLOWED"
    both = {"X-Monterosa-Org-ID": tenant.org_id, "X-Org-ID": other_tenant.org_id}
    assert error_of(tenant.get("/v1/rewards", headers=both), 403)["code"] == "ORG_NOT_ALLOWED"


@pytest.mark.parametrize("header", ["X-Org-ID", "X-Monterosa-Org-ID"])
def test_a_refused_org_header_names_the_header_sent(tenant: Tenant, other_tenant: Tenant, header: str) -> None:
    other = {"X-Org-ID": "X-Monterosa-Org-ID", "X-Monterosa-Org-ID": "X-Org-ID"}[header]
    for org in (other_tenant.org_id, "no-such-org"):
        error = error_of(tenant.get("/v1/rewards", headers={header: org}), 403)
        assert error["code"] == "ORG_NOT_ALLOWED"
        assert error["field"] == header
        assert header in error["message"]
        assert other not in error["message"]
    # Both headers naming the same foreign org: both are named.
    both = {header: other_tenant.org_id, other: other_tenant.org_id}
    error = error_of(tenant.get("/v1/rewards", headers=both), 403)
    assert "X-Monterosa-Org-ID" in error["message"]
    assert "X-Org-ID" in error["message"]
    # The Capillary surface says the same in its own envelope.
    response = tenant.get("/api_gateway/rewards/core/v1/reward/list/brand/1", headers={header: other_tenant.org_id})
    assert response.status_code == 403
    failure = response.json()["status"]
    assert failure["reason"] == "ORG_NOT_ALLOWED"
    assert failure["field"] == header


def test_a_parent_key_may_act_for_a_connected_child_org(tenant_factory: Callable[..., Tenant]) -> None:
    parent = tenant_factory(name="Parent")
    child = tenant_factory(name="Child", parent_id=parent.org_id)
    body = {"name": "child reward", "rewardType": "points", "config": {"amount": 1}}
    reward = parent.data(parent.post("/v1/rewards", json=body, headers={"X-Org-ID": child.org_id}), 201)["reward"]
    assert reward["orgId"] == child.org_id
    assert child.data(child.get(f"/v1/rewards/{reward['rewardId']}"))["orgId"] == child.org_id
    # Without the header the parent key acts for the parent org, which has no such reward.
    error_of(parent.get(f"/v1/rewards/{reward['rewardId']}"), 404)
    # The child's key may not act for its parent.
    assert error_of(child.get("/v1/rewards", headers={"X-Org-ID": parent.org_id}), 403)["code"] == "ORG_NOT_ALLOWED"


def test_unknown_route_and_method_use_the_envelope(tenant: Tenant) -> None:
    assert error_of(tenant.get("/v1/nothing-here"), 404)["code"] == "NOT_FOUND"
    assert error_of(tenant.request("PATCH", "/v1/rewards"), 405)["code"] == "METHOD_NOT_ALLOWED"
