"""Seed 004's grant through HTTP: what each kind delivers, every refusal, limits, idempotency, records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support import Tenant, error_of


def _reward(tenant: Tenant, reward_type: str, config: dict[str, Any], **extra: Any) -> str:
    body = {"name": f"A {reward_type} reward", "rewardType": reward_type, "config": config, **extra}
    created = tenant.data(tenant.post("/v1/rewards", json=body), 201)
    return str(created["reward"]["rewardId"])


def _grant(tenant: Tenant, reward_id: str, user_id: str = "user_1", **kwargs: Any) -> Any:
    return tenant.post("/v1/rewards/grant", json={"rewardId": reward_id, "userId": user_id}, **kwargs)


def test_a_points_grant_credits_the_balance_and_is_recorded(tenant: Tenant) -> None:
    reward_id = _reward(tenant, "points", {"amount": 50})
    answer = tenant.data(
        tenant.post(
            "/v1/rewards/grant",
            json={"rewardId": reward_id, "userId": "user_123", "metadata": {"reason": "Service recovery"}},
        ),
        201,
    )
    assert answer["message"] == "Reward granted successfully"
    result = answer["result"]
    assert result["userId"] == "user_123"
    assert result["rewardId"] == reward_id
    assert result["rewardType"] == "points"
    assert result["transactionId"].startswith("txn_")
    assert result["amount"] == 50
    assert result["campaignId"] == "manual_grant"
    assert result["grantedAt"].endswith("Z")
    assert (result["points"], result["balance"]) == (50, 50)

    second = tenant.data(_grant(tenant, reward_id, "user_123"), 201)["result"]
    assert second["balance"] == 100
    assert second["transactionId"] != result["transactionId"]

    refused = error_of(tenant.delete("/v1/customers/user_123"), 409)
    assert refused["code"] == "CUSTOMER_HAS_RECORDS"
    points = tenant.data(tenant.get("/v1/customers/user_123/points"))
    assert points["balance"] == 100
    assert [(e["kind"], e["amount"], e["balanceAfter"]) for e in points["entries"]] == [
        ("credit", 50, 100),
        ("credit", 50, 50),
    ]
    assert points["entries"][1]["transactionId"] == result["transactionId"]

    # An unknown userId became a customer.
    assert tenant.data(tenant.get("/v1/customers/user_123"))["userId"] == "user_123"

    issuance = tenant.data(tenant.get(f"/v1/issuances/{result['transactionId']}"))
    assert issuance["kind"] == "grant"
    assert issuance["state"] == "issued"
    assert issuance["metadata"] == {"reason": "Service recovery"}
    assert issuance["delivered"]["points"] == 50
    listed = tenant.data(tenant.get("/v1/issuances", params={"userId": "user_123"}))
    assert [i["transactionId"] for i in listed["issuances"]] == [second["transactionId"], result["transactionId"]]


def test_a_deleted_rewards_issuances_remain(tenant: Tenant) -> None:
    limit = {"kpi": "QUANTITY", "windowType": "FIXED", "repeatFrequencyType": "NO_LIMIT", "limit": 5}
    reward_id = _reward(tenant, "points", {"amount": 1}, restrictions={"rewardLevel": [limit]})
    granted = tenant.data(_grant(tenant, reward_id), 201)["result"]
    tenant.data(tenant.delete(f"/v1/rewards/{reward_id}"))
    kept = tenant.data(tenant.get(f"/v1/issuances/{granted['transactionId']}"))
    assert kept["rewardId"] == reward_id
    assert tenant.data(tenant.get("/v1/customers/user_1/points"))["balance"] == 1


def test_the_integer_id_and_the_loyalty_prefix_grant_too(tenant: Tenant) -> None:
    created = tenant.data(
        tenant.post("/v1/rewards", json={"name": "P", "rewardType": "points", "config": {"amount": 5}}), 201
    )
    pk = created["reward"]["id"]
    answer = tenant.data(tenant.post("/loyalty/v1/rewards/grant", json={"rewardId": pk, "userId": "u"}), 201)
    assert answer["result"]["rewardId"] == created["reward"]["rewardId"]


def test_refusals_name_what_is_wrong(tenant: Tenant, other_tenant: Tenant) -> None:
    missing = error_of(tenant.post("/v1/rewards/grant", json={}), 400)
    assert missing["message"] == "Missing required fields: rewardId, userId"
    assert error_of(_grant(tenant, "rew_nope"), 404) == {
        "code": "REWARD_NOT_FOUND",
        "message": "Reward not found",
    }
    theirs = _reward(other_tenant, "points", {"amount": 1})
    assert error_of(_grant(tenant, theirs), 404)["code"] == "REWARD_NOT_FOUND"

    inactive = _reward(tenant, "points", {"amount": 1}, status="inactive")
    assert error_of(_grant(tenant, inactive), 409)["code"] == "REWARD_INACTIVE"
    upcoming = _reward(tenant, "points", {"amount": 1}, startTime="2099-01-01 00:00:00")
    assert error_of(_grant(tenant, upcoming), 409)["code"] == "REWARD_NOT_STARTED"
    bad_metadata = tenant.post("/v1/rewards/grant", json={"rewardId": inactive, "userId": "u", "metadata": [1]})
    assert error_of(bad_metadata, 400)["field"] == "metadata"
    # Nothing refused left a record or a customer behind.
    assert tenant.data(tenant.get("/v1/issuances"))["issuances"] == []
    error_of(tenant.get("/v1/customers/user_1/points"), 404)


def test_a_key_without_issuance_write_cannot_grant(tenant_factory: Any) -> None:
    reader = tenant_factory(scopes=["rewards:read", "rewards:write"])
    reward_id = _reward(reader, "points", {"amount": 1})
    assert error_of(_grant(reader, reward_id), 403)["code"] == "INSUFFICIENT_SCOPE"


def test_a_reward_level_limit_is_never_exceeded_and_a_refusal_counts_nothing(tenant: Tenant) -> None:
    limit = {"kpi": "QUANTITY", "windowType": "FIXED", "repeatFrequencyType": "NO_LIMIT", "limit": 2}
    reward_id = _reward(tenant, "points", {"amount": 10}, restrictions={"rewardLevel": [limit]})
    tenant.data(_grant(tenant, reward_id, "a"), 201)
    tenant.data(_grant(tenant, reward_id, "b"), 201)
    refused = error_of(_grant(tenant, reward_id, "c"), 409)
    assert refused["code"] == "REWARD_LIMIT_REACHED"
    assert refused["field"] == "restrictions.rewardLevel[0]"
    assert refused["details"]["limit"] == 2
    assert refused["details"]["kpi"] == "QUANTITY"
    assert refused["details"]["resetsAt"] is None  # a lifetime limit never resets
    error_of(tenant.get("/v1/customers/c/points"), 404)  # no customer, no balance, no issuance
    assert len(tenant.data(tenant.get("/v1/issuances", params={"rewardId": reward_id}))["issuances"]) == 2


def test_one_user_id_in_two_orgs_is_two_customers(tenant: Tenant, other_tenant: Tenant) -> None:
    # The grant reads the customer's row with the reward's, in one statement: by org and userId.
    ours, theirs = _reward(tenant, "points", {"amount": 50}), _reward(other_tenant, "points", {"amount": 7})
    for times in (1, 2):
        assert tenant.data(_grant(tenant, ours, "shared"), 201)["result"]["balance"] == 50 * times
        assert other_tenant.data(_grant(other_tenant, theirs, "shared"), 201)["result"]["balance"] == 7 * times
    assert tenant.data(tenant.get("/v1/customers/shared/points"))["balance"] == 100
    assert other_tenant.data(other_tenant.get("/v1/customers/shared/points"))["balance"] == 14
    assert {i["rewardId"] for i in tenant.data(tenant.get("/v1/issuances?userId=shared"))["issuances"]} == {ours}


def test_a_customer_level_daily_limit_resets_at_the_orgs_midnight(tenant: Tenant) -> None:
    limit = {"kpi": "QUANTITY", "windowType": "FIXED", "repeatFrequencyType": "DAYS", "interval": 1, "limit": 1}
    reward_id = _reward(tenant, "points", {"amount": 1}, restrictions={"customerLevel": [limit]})
    tenant.data(_grant(tenant, reward_id, "a"), 201)
    tenant.data(_grant(tenant, reward_id, "b"), 201)
    refused = error_of(_grant(tenant, reward_id, "a"), 409)
    assert refused["code"] == "CUSTOMER_LIMIT_REACHED"
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    assert refused["details"]["resetsAt"] == f"{tomorrow}T00:00:00.000Z"  # the test org's zone is UTC


def test_a_redemption_value_limit_counts_what_was_delivered(tenant: Tenant) -> None:
    limit = {"kpi": "REDEMPTION_VALUE", "windowType": "FIXED", "repeatFrequencyType": "NO_LIMIT", "limit": 25}
    reward_id = _reward(tenant, "points", {"amount": 10}, restrictions={"rewardLevel": [limit]})
    tenant.data(_grant(tenant, reward_id, "a"), 201)
    tenant.data(_grant(tenant, reward_id, "b"), 201)
    assert error_of(_grant(tenant, reward_id, "c"), 409)["code"] == "REWARD_LIMIT_REACHED"  # 30 > 25


def test_a_rolling_limit_counts_the_last_days(tenant: Tenant) -> None:
    limit = {"kpi": "QUANTITY", "windowType": "ROLLING", "repeatFrequencyType": "DAYS", "interval": 7, "limit": 1}
    reward_id = _reward(tenant, "points", {"amount": 1}, restrictions={"customerLevel": [limit]})
    first = tenant.data(_grant(tenant, reward_id, "a"), 201)["result"]
    refused = error_of(_grant(tenant, reward_id, "a"), 409)
    assert refused["code"] == "CUSTOMER_LIMIT_REACHED"
    granted = datetime.fromisoformat(first["grantedAt"])
    assert datetime.fromisoformat(refused["details"]["resetsAt"]) == granted + timedelta(days=7)


def test_product_stock_is_taken_and_refused_when_short(tenant: Tenant) -> None:
    tenant.data(tenant.post("/v1/products", json={"productId": "badge", "sku": "B", "name": "Badge", "stock": 1}), 201)
    reward_id = _reward(tenant, "product", {"productId": "badge"})
    result = tenant.data(_grant(tenant, reward_id), 201)["result"]
    assert (result["productId"], result["quantity"]) == ("badge", 1)
    assert tenant.data(tenant.get("/v1/products/badge"))["stock"] == 0
    assert error_of(_grant(tenant, reward_id, "u2"), 409)["code"] == "OUT_OF_STOCK"
    assert tenant.data(tenant.get("/v1/products/badge"))["stock"] == 0


def test_an_untracked_product_is_always_in_stock(tenant: Tenant) -> None:
    tenant.data(tenant.post("/v1/products", json={"productId": "free", "sku": "F", "name": "Free"}), 201)
    reward_id = _reward(tenant, "product", {"productId": "free", "quantity": 3})
    for user in ("a", "b"):
        assert tenant.data(_grant(tenant, reward_id, user), 201)["result"]["quantity"] == 3


def test_competition_entries_are_recorded_and_listed(tenant: Tenant) -> None:
    tenant.data(tenant.post("/v1/competitions", json={"competitionId": "draw", "name": "Draw"}), 201)
    reward_id = _reward(tenant, "competition_entry", {"competitionId": "draw", "entries": 5})
    result = tenant.data(_grant(tenant, reward_id, "a"), 201)["result"]
    assert (result["competitionId"], result["entries"]) == ("draw", 5)
    listed = tenant.data(tenant.get("/v1/competitions/draw/entries"))
    assert [(e["userId"], e["entries"]) for e in listed["entries"]] == [("a", 5)]
    assert error_of(tenant.delete("/v1/competitions/draw"), 409)["code"] == "COMPETITION_IN_USE"


def test_unique_codes_are_claimed_once_each_until_the_pool_is_empty(tenant: Tenant) -> None:
    tenant.data(tenant.post("/v1/code-pools", json={"codePoolId": "pool", "name": "Pool"}), 201)
    tenant.data(tenant.post("/v1/code-pools/pool/codes", json={"codes": ["A1", "A2"]}))
    reward_id = _reward(tenant, "unique_coupon", {"codePoolId": "pool"})
    codes = {tenant.data(_grant(tenant, reward_id, user), 201)["result"]["code"] for user in ("a", "b")}
    assert codes == {"A1", "A2"}
    assert error_of(_grant(tenant, reward_id, "c"), 409)["code"] == "CODE_POOL_EXHAUSTED"


def test_fractional_points_are_not_rounded_away(tenant: Tenant) -> None:
    reward_id = _reward(tenant, "points", {"amount": 10.5})
    assert error_of(_grant(tenant, reward_id), 409)["code"] == "NOT_DELIVERABLE"


def test_a_non_unique_coupon_hands_out_its_shared_code(tenant: Tenant) -> None:
    config = {"code": "SAVE10", "discountType": "percentage", "discountValue": 10}
    reward_id = _reward(tenant, "non_unique_coupon", config)
    result = tenant.data(_grant(tenant, reward_id), 201)["result"]
    assert (result["code"], result["discountType"], result["discountValue"]) == ("SAVE10", "percentage", 10)


def test_a_retried_grant_issues_once(tenant: Tenant) -> None:
    reward_id = _reward(tenant, "points", {"amount": 7})
    key = {"Idempotency-Key": "retry-1"}
    first = _grant(tenant, reward_id, headers=key)
    again = _grant(tenant, reward_id, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert tenant.data(tenant.get("/v1/customers/user_1/points"))["balance"] == 7
    other = error_of(_grant(tenant, reward_id, "someone else", headers=key), 409)
    assert other["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert error_of(_grant(tenant, reward_id, headers={"Idempotency-Key": "has space"}), 400)["code"] == (
        "INVALID_IDEMPOTENCY_KEY"
    )


@pytest.mark.parametrize(
    "path", ["/v1/issuances/txn_nope", "/v1/customers/nobody/points", "/v1/competitions/x/entries"]
)
def test_records_not_found(tenant: Tenant, path: str) -> None:
    error_of(tenant.get(path), 404)


def test_the_customer_views_read_what_is_used(tenant: Tenant) -> None:
    """Seed 001's views: once a customer has used up a limit, the reward is no longer valid for them."""
    brand = tenant.data(tenant.post("/v1/brands", json={"name": "Views"}), 201)["brandId"]
    limit = {"kpi": "QUANTITY", "windowType": "FIXED", "repeatFrequencyType": "DAYS", "interval": 1, "limit": 1}
    limited = _reward(tenant, "points", {"amount": 1}, brandId=brand, restrictions={"customerLevel": [limit]})
    _reward(tenant, "points", {"amount": 1}, brandId=brand)
    base = "/api_gateway/rewards/core/v1/user/reward"

    def listed(user: str) -> int:
        answer = tenant.get(f"{base}/brand/Views", params={"userId": user})
        assert answer.status_code == 200, answer.text
        return int(answer.json()["pagination"]["total"])

    def valid(user: str) -> bool:
        answer = tenant.get(f"{base}/{limited}/brand/Views", params={"userId": user})
        assert answer.status_code == 200, answer.text
        return bool(answer.json()["reward"]["rewardRestrictions"]["isValid"])

    assert (listed("a"), valid("a")) == (2, True)
    tenant.data(_grant(tenant, limited, "a"), 201)
    assert (listed("a"), valid("a")) == (1, False)
    assert (listed("b"), valid("b")) == (2, True)
