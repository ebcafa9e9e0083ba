"""Integer ids are 32-bit: a larger one is a clear refusal, never a database error (PostgreSQL)."""

from __future__ import annotations

import pytest

from tests.support import Tenant

HUGE = 99_999_999_999


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/v1/labels/{HUGE}"),
        ("DELETE", f"/v1/loyalty-programs/{HUGE}/tiers/1"),
        ("GET", f"/v1/rewards/{HUGE}"),
        ("GET", f"/api_gateway/rewards/core/v1/reward/1/brand/{HUGE}"),
        ("GET", f"/api_gateway/rewards/core/v1.1/user/rewards/{HUGE}"),
    ],
)
def test_large_ids_in_paths(tenant: Tenant, method: str, path: str) -> None:
    assert tenant.request(method, path).status_code in (400, 404)


def test_large_ids_in_bodies(tenant: Tenant) -> None:
    response = tenant.put("/v1/customers/u", json={"labels": [HUGE]})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "LABEL_NOT_FOUND"
    body = {"name": "x", "rewardType": "points", "config": {"amount": 1}, "labels": [HUGE], "brandId": 1}
    assert tenant.post("/v1/rewards", json=body).status_code == 400
