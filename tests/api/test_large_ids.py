"""Integer ids are 32-bit: a larger one is a clear refusal, never a database error (PostgreSQL).

Each request is built so that the guard for the large id is what answers: the brand
the reward names is the tenant's own, so nothing is refused before the id is looked at.
"""

from __future__ import annotations

import pytest

from tests.support import Tenant, error_of

HUGE = 99_999_999_999  # beyond a 32-bit integer column


@pytest.fixture
def brand(tenant: Tenant) -> int:
    brand_id: int = tenant.data(tenant.post("/v1/brands", json={"name": "Acme"}), 201)["brandId"]
    return brand_id


@pytest.mark.parametrize(
    ("method", "path", "field"),
    [
        ("GET", f"/v1/labels/{HUGE}", "labelId"),
        ("DELETE", f"/v1/loyalty-programs/{HUGE}/tiers/1", "programId"),
        ("GET", f"/api_gateway/rewards/core/v1/reward/1/brand/{HUGE}", "brandId"),
    ],
)
def test_large_integer_path_ids_are_refused_by_range(tenant: Tenant, method: str, path: str, field: str) -> None:
    """An integer path parameter is declared 32-bit: a larger one is refused as out of range, naming it."""
    response = tenant.request(method, path)
    assert response.status_code == 400, response.text
    body = response.json()
    error = body["error"] if "error" in body else body["status"]  # native envelope, or Capillary's
    assert error["field"] == field, body
    assert "2147483647" in error["message"], body


def test_large_reward_idents_are_not_found(tenant: Tenant) -> None:
    """A reward is addressed by its integer id or its rewardId: a too-large number is neither."""
    assert error_of(tenant.get(f"/v1/rewards/{HUGE}"), 404)["code"] == "REWARD_NOT_FOUND"
    response = tenant.get(f"/api_gateway/rewards/core/v1.1/user/rewards/{HUGE}")
    assert response.status_code == 404, response.text
    status = response.json()["status"]
    assert (status["code"], status["reason"]) == (6004, "REWARD_NOT_FOUND"), status


def test_large_reward_id_under_a_real_brand_is_not_found(tenant: Tenant, brand: int) -> None:
    """With the brand found, the reward id itself is what the Capillary read refuses."""
    response = tenant.get(f"/api_gateway/rewards/core/v1/reward/{HUGE}/brand/{brand}")
    assert response.status_code == 404, response.text
    status = response.json()["status"]
    assert (status["code"], status["reason"]) == (6004, "REWARD_NOT_FOUND"), status


def test_large_label_ids_in_a_customer_are_not_found(tenant: Tenant) -> None:
    error = error_of(tenant.put("/v1/customers/u", json={"labels": [HUGE]}), 400)
    assert error["code"] == "LABEL_NOT_FOUND"
    assert error["field"] == "labels[0]"
    assert str(HUGE) in error["message"]


def test_large_label_ids_in_a_reward_are_not_found(tenant: Tenant, brand: int) -> None:
    """The label guard itself answers: no row can have such an id, so it is missing, and the
    database is never asked about it (PostgreSQL would fail on a 64-bit parameter). Nothing is created."""
    body = {"name": "x", "rewardType": "points", "config": {"amount": 1}, "labels": [HUGE], "brandId": brand}
    error = error_of(tenant.post("/v1/rewards", json=body), 400)
    assert error == {
        "code": "LABEL_NOT_FOUND",
        "message": f"Label not found for label_id: {HUGE}",
        "field": "labels",
    }
    assert tenant.data(tenant.get("/v1/rewards"))["rewards"] == []
