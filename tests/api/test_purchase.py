"""Customers' purchases through HTTP: every payment mode's price, the audience judged, every refusal."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import Tenant, error_of


def _reward(tenant: Tenant, configs: list[dict[str, Any]], **extra: Any) -> str:
    body = {"name": "Bought", "rewardType": "points", "config": {"amount": 5}, "paymentConfigs": configs, **extra}
    return str(tenant.data(tenant.post("/v1/rewards", json=body), 201)["reward"]["rewardId"])


def _buy(
    tenant: Tenant,
    reward_id: str,
    user_id: str = "buyer",
    mode: str = "POINTS",
    headers: dict[str, str] | None = None,
    **body: Any,
) -> Any:
    json = {"userId": user_id, "paymentMode": mode, **body}
    return tenant.post(f"/v1/rewards/{reward_id}/purchase", json=json, headers=headers or {})


def _fund(tenant: Tenant, user_id: str, points: int) -> None:
    tenant.put(f"/v1/customers/{user_id}", json={})
    body = {"amount": points, "reason": "Funding"}
    tenant.data(tenant.post(f"/v1/customers/{user_id}/points/adjustments", json=body), 201)


def test_a_points_purchase_debits_the_price_and_delivers(tenant: Tenant) -> None:
    reward_id = _reward(tenant, [{"paymentMode": "POINTS", "points": 100}])
    _fund(tenant, "buyer", 250)
    bought = tenant.data(_buy(tenant, reward_id, quantity=2, metadata={"order": "o-1"}), 201)
    assert bought["message"] == "Reward purchased successfully"
    result = bought["result"]
    assert (result["kind"], result["quantity"], result["amount"]) == ("purchase", 2, 10)
    assert result["payment"] == {"mode": "POINTS", "points": 200, "balance": 50}
    assert result["delivered"] == {"points": 10, "balance": 60}
    assert result["metadata"] == {"order": "o-1"}

    points = tenant.data(tenant.get("/v1/customers/buyer/points"))
    assert points["balance"] == 60
    assert [(e["kind"], e["amount"], e["balanceAfter"]) for e in points["entries"][:2]] == [
        ("credit", 10, 60),
        ("debit", -200, 50),
    ]
    assert points["entries"][1]["transactionId"] == result["transactionId"]
    assert tenant.data(tenant.get(f"/v1/issuances/{result['transactionId']}"))["payment"]["points"] == 200


def test_a_purchase_beyond_the_balance_is_refused_and_writes_nothing(tenant: Tenant) -> None:
    reward_id = _reward(tenant, [{"paymentMode": "POINTS", "points": 100}])
    _fund(tenant, "short", 99)
    refused = error_of(_buy(tenant, reward_id, "short"), 409)
    assert refused["code"] == "INSUFFICIENT_POINTS"
    assert refused["details"] == {"balance": 99, "required": 100}
    assert tenant.data(tenant.get("/v1/customers/short/points"))["balance"] == 99
    listed = tenant.data(tenant.get("/v1/issuances", params={"rewardId": reward_id}))
    assert listed["count"] == 0


@pytest.mark.parametrize(
    ("configs", "mode", "extra", "payment"),
    [
        ([{"paymentMode": "FREE"}], "FREE", {}, {"mode": "FREE", "points": 0}),
        (
            [{"paymentMode": "CASH", "cash": 4.5}],
            "CASH",
            {"cashPaymentRef": "pay_1"},
            {"mode": "CASH", "points": 0, "cash": 4.5, "cashPaymentRef": "pay_1"},
        ),
        (
            [{"paymentMode": "POINTS_CASH", "points": 40, "cash": 2}],
            "POINTS_CASH",
            {"cashPaymentRef": "pay_2"},
            {"mode": "POINTS_CASH", "points": 40, "cash": 2.0, "cashPaymentRef": "pay_2", "balance": 60},
        ),
    ],
)
def test_each_payment_mode_is_paid_as_documented(
    tenant: Tenant, configs: list[dict[str, Any]], mode: str, extra: dict[str, Any], payment: dict[str, Any]
) -> None:
    reward_id = _reward(tenant, configs)
    _fund(tenant, "payer", 100)
    result = tenant.data(_buy(tenant, reward_id, "payer", mode, **extra), 201)["result"]
    assert result["payment"] == payment


def test_payment_refusals(tenant: Tenant) -> None:
    reward_id = _reward(tenant, [{"paymentMode": "CASH", "cash": 3}])
    refused = error_of(_buy(tenant, reward_id, mode="POINTS"), 409)
    assert refused["code"] == "PAYMENT_MODE_NOT_OFFERED"
    assert refused["message"] == "The reward is not offered for POINTS (its payment modes: CASH)"
    assert error_of(_buy(tenant, reward_id, mode="CASH"), 400)["code"] == "INVALID_CASH_PAYMENT_REF"
    assert error_of(_buy(tenant, reward_id, mode="GOLD"), 400)["code"] == "INVALID_PAYMENT_MODE"
    assert error_of(_buy(tenant, reward_id, mode="CASH", cashPaymentRef="p", quantity=0), 400)["code"] == (
        "INVALID_QUANTITY"
    )
    missing = error_of(tenant.post(f"/v1/rewards/{reward_id}/purchase", json={}), 400)
    assert missing["message"] == "Missing required fields: userId, paymentMode"
    # A reward without paymentConfigs (seed 004's native rewards) is granted, never bought.
    plain = str(
        tenant.data(
            tenant.post("/v1/rewards", json={"name": "Plain", "rewardType": "points", "config": {"amount": 1}}), 201
        )["reward"]["rewardId"]
    )
    assert error_of(_buy(tenant, plain, mode="FREE"), 409)["message"] == (
        "The reward is not offered for FREE (its payment modes: none)"
    )
    assert error_of(_buy(tenant, "rew_missing", mode="FREE"), 404)["code"] == "REWARD_NOT_FOUND"


def test_a_purchase_is_for_the_rewards_audience(tenant: Tenant) -> None:
    label = tenant.data(tenant.post("/v1/labels", json={"name": "vip"}), 201)["label"]["id"]
    reward_id = _reward(tenant, [{"paymentMode": "FREE"}], labels=[label])
    refused = error_of(_buy(tenant, reward_id, "outsider", "FREE"), 409)
    assert refused["code"] == "NOT_ELIGIBLE"
    assert refused["message"] == "The customer is not in the reward's audience (labels)"
    assert refused["field"] == "labels"
    # An operator's grant bypasses the audience; a purchase does not.
    granted = tenant.post("/v1/rewards/grant", json={"rewardId": reward_id, "userId": "outsider"})
    assert granted.status_code == 201
    tenant.data(tenant.put("/v1/customers/insider", json={"labels": [label]}), 201)
    assert tenant.data(_buy(tenant, reward_id, "insider", "FREE"), 201)["result"]["userId"] == "insider"


def test_a_purchase_takes_limits_like_a_grant(tenant: Tenant) -> None:
    limit = {"kpi": "QUANTITY", "windowType": "FIXED", "repeatFrequencyType": "NO_LIMIT", "limit": 3}
    reward_id = _reward(tenant, [{"paymentMode": "FREE"}], restrictions={"customerLevel": [limit]})
    assert _buy(tenant, reward_id, "limited", "FREE", quantity=2).status_code == 201
    refused = error_of(_buy(tenant, reward_id, "limited", "FREE", quantity=2), 409)
    assert refused["code"] == "CUSTOMER_LIMIT_REACHED"
    assert _buy(tenant, reward_id, "limited", "FREE").status_code == 201


def test_an_idempotency_key_purchases_once(tenant: Tenant) -> None:
    reward_id = _reward(tenant, [{"paymentMode": "POINTS", "points": 10}])
    _fund(tenant, "retrier", 100)
    headers = {"Idempotency-Key": f"buy-{reward_id}"}
    first = _buy(tenant, reward_id, "retrier", headers=headers)
    again = _buy(tenant, reward_id, "retrier", headers=headers)
    assert (again.status_code, again.headers["Idempotent-Replayed"], again.content) == (201, "true", first.content)
    assert tenant.data(tenant.get("/v1/customers/retrier/points"))["balance"] == 95
    assert error_of(_buy(tenant, reward_id, "retrier", quantity=2, headers=headers), 409)["code"] == (
        "IDEMPOTENCY_KEY_REUSED"
    )
