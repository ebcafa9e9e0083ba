"""Seed 004's Rewards API through HTTP: every route, every documented error."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from tests.support import Tenant, error_of

POINTS: dict[str, Any] = {
    "name": "Video Watch Reward",
    "description": "Points for watching videos",
    "rewardType": "points",
    "config": {"amount": 50},
    "status": "active",
}


def create(tenant: Tenant, body: Mapping[str, Any], prefix: str = "/v1") -> dict[str, Any]:
    data = tenant.data(tenant.post(f"{prefix}/rewards", json=body), 201)
    assert data["message"] == "Reward created successfully"
    reward: dict[str, Any] = data["reward"]
    return reward


def test_create_points_reward_returns_the_seed_shape(tenant: Tenant) -> None:
    reward = create(tenant, POINTS)
    assert reward["orgId"] == tenant.org_id
    assert str(reward["rewardId"]).startswith("rew_")
    assert isinstance(reward["id"], int)
    assert reward["name"] == "Video Watch Reward"
    assert reward["description"] == "Points for watching videos"
    assert reward["rewardType"] == "points"
    assert reward["config"] == {"amount": 50}
    assert reward["status"] == "active"
    assert reward["metadata"] == {}
    assert reward["orgStatusKey"] == f"{tenant.org_id}#active"
    assert str(reward["createdAt"]).endswith("Z")
    assert len(str(reward["createdAt"])) == len("2025-10-01T10:00:00.000Z")


def test_a_create_answers_with_the_reward_a_read_of_it_answers_with(tenant: Tenant) -> None:
    """The create renders its answer itself (docs/architecture.md, "A reward's create"): the body a
    GET of the reward returns, its members in the same order, nulls and nesting kept. (Within the
    stored documents, PostgreSQL's JSONB hands keys back in an order of its own.)"""
    body = {
        **POINTS,
        "metadata": {"campaign": [1, {"nested": None}]},
        "languageSpecificInfo": [{"languageCode": "en", "name": "Shape", "description": "In English"}],
        "tier": "Gold",
    }
    created = tenant.post("/v1/rewards", json=body)
    assert created.status_code == 201, created.text
    answer = created.json()
    assert list(answer) == ["success", "data"]
    assert list(answer["data"]) == ["message", "reward"]
    assert answer["data"]["message"] == "Reward created successfully"
    reward = answer["data"]["reward"]
    read = tenant.data(tenant.get(f"/v1/rewards/{reward['rewardId']}"))
    assert reward == read
    assert list(reward) == list(read)


def test_status_defaults_to_active_and_metadata_to_empty(tenant: Tenant) -> None:
    reward = create(tenant, {"name": "Quiz Bonus", "rewardType": "points", "config": {"amount": 100}})
    assert reward["status"] == "active"
    assert reward["metadata"] == {}
    assert reward["description"] is None


def test_non_unique_coupon_reward(tenant: Tenant) -> None:
    body = {
        "name": "Welcome Discount",
        "rewardType": "non_unique_coupon",
        "config": {"code": "WELCOME20", "discountType": "percentage", "discountValue": 20},
        "metadata": {"channel": "app"},
    }
    reward = create(tenant, body)
    assert reward["config"] == body["config"]
    assert reward["metadata"] == {"channel": "app"}


def test_loyalty_prefix_serves_the_same_api(tenant: Tenant) -> None:
    reward = create(tenant, POINTS, prefix="/loyalty/v1")
    fetched = tenant.data(tenant.get(f"/v1/rewards/{reward['rewardId']}"))
    assert fetched["rewardId"] == reward["rewardId"]
    listed = tenant.data(tenant.get("/loyalty/v1/rewards"))
    assert [r["rewardId"] for r in listed["rewards"]] == [reward["rewardId"]]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "Missing required fields: name, rewardType, config"),
        ({"name": "x"}, "Missing required fields: rewardType, config"),
        ({"name": "x", "rewardType": "points"}, "Missing required fields: config"),
        ({"rewardType": "points", "config": {"amount": 1}}, "Missing required fields: name"),
        ({"name": None, "rewardType": "points", "config": None}, "Missing required fields: name, config"),
    ],
)
def test_missing_required_fields_lists_exactly_the_missing_ones(
    tenant: Tenant, body: dict[str, object], message: str
) -> None:
    error = error_of(tenant.post("/v1/rewards", json=body), 400)
    assert error["message"] == message
    assert error["code"] == "MISSING_REQUIRED_FIELDS"


@pytest.mark.parametrize(
    ("reward_type", "config", "message"),
    [
        ("points", {}, "Config for points reward must include amount (positive number)"),
        ("points", {"amount": 0}, "Config for points reward must include amount (positive number)"),
        ("points", {"amount": "10"}, "Config for points reward must include amount (positive number)"),
        ("product", {}, "Config for product reward must include productId (non-empty string)"),
        (
            "competition_entry",
            {"entries": 2},
            "Config for competition_entry reward must include competitionId (non-empty string)",
        ),
        ("unique_coupon", {}, "Config for unique_coupon reward must include codePoolId (non-empty string)"),
        (
            "non_unique_coupon",
            {"discountType": "fixed", "discountValue": 5},
            "Config for non_unique_coupon reward must include code (non-empty string)",
        ),
        (
            "non_unique_coupon",
            {"code": "X", "discountType": "bogus", "discountValue": 5},
            "Config for non_unique_coupon reward must include discountType (percentage or fixed)",
        ),
        (
            "non_unique_coupon",
            {"code": "X", "discountType": "fixed", "discountValue": -1},
            "Config for non_unique_coupon reward must include discountValue (non-negative number)",
        ),
        ("points", {"amount": 5, "bonus": 1}, "Config for points reward has unknown field(s): bonus"),
    ],
)
def test_invalid_config_is_refused_with_the_type_message(
    tenant: Tenant, reward_type: str, config: dict[str, object], message: str
) -> None:
    body = {"name": "x", "rewardType": reward_type, "config": config}
    error = error_of(tenant.post("/v1/rewards", json=body), 400)
    assert error["message"] == message
    assert error["code"] == "INVALID_CONFIG"
    assert str(error["field"]).startswith("config.")


@pytest.mark.parametrize(
    ("reward_type", "config", "message", "code"),
    [
        ("product", {"productId": "prod_missing"}, "productId must reference an existing product", "PRODUCT_NOT_FOUND"),
        (
            "competition_entry",
            {"competitionId": "comp_missing"},
            "competitionId must reference an existing competition",
            "COMPETITION_NOT_FOUND",
        ),
        (
            "unique_coupon",
            {"codePoolId": "pool_missing"},
            "codePoolId must reference an existing code pool with available codes",
            "CODE_POOL_NOT_FOUND",
        ),
    ],
)
def test_references_must_exist(
    tenant: Tenant, reward_type: str, config: dict[str, object], message: str, code: str
) -> None:
    error = error_of(tenant.post("/v1/rewards", json={"name": "x", "rewardType": reward_type, "config": config}), 400)
    assert error["message"] == message
    assert error["code"] == code


def test_unknown_reward_type_and_status_are_refused(tenant: Tenant) -> None:
    error = error_of(tenant.post("/v1/rewards", json={"name": "x", "rewardType": "cash", "config": {}}), 400)
    assert error["code"] == "INVALID_REWARD_TYPE"
    assert error["field"] == "rewardType"
    body = {**POINTS, "status": "paused"}
    error = error_of(tenant.post("/v1/rewards", json=body), 400)
    assert error == {"code": "INVALID_STATUS", "message": "status must be active or inactive", "field": "status"}


def test_wrong_json_types_name_the_field(tenant: Tenant) -> None:
    error = error_of(tenant.post("/v1/rewards", json={**POINTS, "name": 12}), 400)
    assert error["code"] == "VALIDATION_ERROR"
    assert error["field"] == "name"
    assert error["message"].startswith("name:")
    error = error_of(tenant.post("/v1/rewards", json={**POINTS, "config": "amount=5"}), 400)
    assert error["field"] == "config"


def test_body_that_is_not_a_json_object(tenant: Tenant) -> None:
    error = error_of(tenant.post("/v1/rewards", content=b"not json", headers={"Content-Type": "application/json"}), 400)
    assert error["code"] == "INVALID_BODY"
    error = error_of(tenant.post("/v1/rewards", json=[1, 2]), 400)
    assert error["code"] == "INVALID_BODY"


def test_client_chosen_reward_id_and_conflict(tenant: Tenant) -> None:
    reward = create(tenant, {**POINTS, "rewardId": "rew_video_points"})
    assert reward["rewardId"] == "rew_video_points"
    error = error_of(tenant.post("/v1/rewards", json={**POINTS, "rewardId": "rew_video_points"}), 409)
    assert error["message"] == "Reward with this ID already exists"
    assert error["code"] == "REWARD_ALREADY_EXISTS"
    error = error_of(tenant.post("/v1/rewards", json={**POINTS, "rewardId": "12345"}), 400)
    assert error["code"] == "INVALID_REWARD_ID"


def test_same_reward_id_in_two_orgs_is_no_conflict(tenant: Tenant, other_tenant: Tenant) -> None:
    create(tenant, {**POINTS, "rewardId": "rew_shared_name"})
    create(other_tenant, {**POINTS, "rewardId": "rew_shared_name"})


def test_get_by_reward_id_and_by_integer_id(tenant: Tenant) -> None:
    reward = create(tenant, POINTS)
    by_string = tenant.data(tenant.get(f"/v1/rewards/{reward['rewardId']}"))
    by_int = tenant.data(tenant.get(f"/v1/rewards/{reward['id']}"))
    assert by_string == by_int
    assert "orgStatusKey" in by_string


def test_get_unknown_reward_is_404(tenant: Tenant) -> None:
    error = error_of(tenant.get("/v1/rewards/rew_nope"), 404)
    assert error["message"] == "Reward not found"
    assert error["code"] == "REWARD_NOT_FOUND"
    error_of(tenant.get("/v1/rewards/99999999"), 404)


def test_update_changes_given_fields_and_keeps_the_rest(tenant: Tenant) -> None:
    reward = create(tenant, {**POINTS, "metadata": {"a": 1}})
    body = {"name": "Premium Video Reward", "config": {"amount": 100}, "status": "active"}
    updated = tenant.data(tenant.put(f"/v1/rewards/{reward['rewardId']}", json=body))
    assert updated["name"] == "Premium Video Reward"
    assert updated["config"] == {"amount": 100}
    assert updated["rewardType"] == "points"
    assert updated["description"] == "Points for watching videos"
    assert updated["metadata"] == {"a": 1}
    assert updated["updatedAt"] >= reward["updatedAt"]
    again = tenant.data(tenant.get(f"/v1/rewards/{reward['rewardId']}"))
    assert again == updated


def test_update_status_to_inactive_and_filters(tenant: Tenant) -> None:
    points = create(tenant, POINTS)
    coupon = create(
        tenant,
        {
            "name": "c",
            "rewardType": "non_unique_coupon",
            "config": {"code": "A", "discountType": "fixed", "discountValue": 0},
        },
    )
    tenant.data(tenant.put(f"/v1/rewards/{points['rewardId']}", json={"status": "inactive"}))
    inactive = tenant.data(tenant.get("/v1/rewards", params={"status": "inactive"}))
    assert [r["rewardId"] for r in inactive["rewards"]] == [points["rewardId"]]
    assert inactive["count"] == 1
    active = tenant.data(tenant.get("/v1/rewards", params={"status": "active"}))
    assert [r["rewardId"] for r in active["rewards"]] == [coupon["rewardId"]]
    by_type = tenant.data(tenant.get("/v1/rewards", params={"rewardType": "non_unique_coupon"}))
    assert [r["rewardId"] for r in by_type["rewards"]] == [coupon["rewardId"]]
    error = error_of(tenant.get("/v1/rewards", params={"status": "paused"}), 400)
    assert error["field"] == "status"
    error = error_of(tenant.get("/v1/rewards", params={"rewardType": "cash"}), 400)
    assert error["field"] == "rewardType"


def test_update_revalidates_config_against_the_type(tenant: Tenant) -> None:
    reward = create(tenant, POINTS)
    error = error_of(tenant.put(f"/v1/rewards/{reward['rewardId']}", json={"config": {"amount": -5}}), 400)
    assert error["message"] == "Config for points reward must include amount (positive number)"
    error = error_of(tenant.put(f"/v1/rewards/{reward['rewardId']}", json={"config": {"code": "X"}}), 400)
    assert error["code"] == "INVALID_CONFIG"


def test_update_cannot_change_reward_type(tenant: Tenant) -> None:
    reward = create(tenant, POINTS)
    error = error_of(tenant.put(f"/v1/rewards/{reward['rewardId']}", json={"rewardType": "product"}), 400)
    assert error["code"] == "REWARD_TYPE_IMMUTABLE"
    # Sending back the unchanged type, as a GET-modify-PUT client does, is fine.
    tenant.data(tenant.put(f"/v1/rewards/{reward['rewardId']}", json={**reward, "name": "Renamed"}))


def test_update_unknown_reward_is_404(tenant: Tenant) -> None:
    error = error_of(tenant.put("/v1/rewards/rew_nope", json={"name": "x"}), 404)
    assert error["message"] == "Reward not found"


def test_delete(tenant: Tenant) -> None:
    reward = create(tenant, POINTS)
    data = tenant.data(tenant.delete(f"/v1/rewards/{reward['rewardId']}"))
    assert data == {"message": "Reward deleted successfully"}
    error_of(tenant.get(f"/v1/rewards/{reward['rewardId']}"), 404)
    error = error_of(tenant.delete(f"/v1/rewards/{reward['rewardId']}"), 404)
    assert error["message"] == "Reward not found"


def test_cursor_pagination_walks_a_large_catalog(tenant: Tenant) -> None:
    created = [create(tenant, {**POINTS, "name": f"R{i}"})["rewardId"] for i in range(7)]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, object] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = tenant.data(tenant.get("/v1/rewards", params=params))
        seen += [r["rewardId"] for r in page["rewards"]]
        assert page["count"] == len(page["rewards"])
        pages += 1
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == created
    assert pages == 3
    error = error_of(tenant.get("/v1/rewards", params={"cursor": "garbage!"}), 400)
    assert error["code"] == "INVALID_CURSOR"
    error = error_of(tenant.get("/v1/rewards", params={"limit": 0}), 400)
    assert error["field"] == "limit"
