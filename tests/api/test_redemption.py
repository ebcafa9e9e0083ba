"""Redeem and reverse through HTTP: each once, never both, and a reversal gives back everything."""

from __future__ import annotations

from typing import Any

from tests.support import Tenant, error_of


def _reward(tenant: Tenant, reward_type: str, config: dict[str, Any], **extra: Any) -> str:
    body = {"name": f"A {reward_type}", "rewardType": reward_type, "config": config, **extra}
    return str(tenant.data(tenant.post("/v1/rewards", json=body), 201)["reward"]["rewardId"])


def _grant(tenant: Tenant, reward_id: str, user_id: str = "cust") -> dict[str, Any]:
    answer = tenant.post("/v1/rewards/grant", json={"rewardId": reward_id, "userId": user_id})
    result: dict[str, Any] = tenant.data(answer, 201)["result"]
    return result


def _reverse(tenant: Tenant, transaction_id: str, reason: str = "Order cancelled") -> Any:
    return tenant.post(f"/v1/issuances/{transaction_id}/reverse", json={"reason": reason})


def _codes(tenant: Tenant, pool_id: str) -> dict[str, str]:
    listed = tenant.data(tenant.get(f"/v1/code-pools/{pool_id}/codes"))["codes"]
    return {c["code"]: c["status"] for c in listed}


def test_a_code_is_redeemed_once_and_a_redeemed_reward_is_not_reversed(tenant: Tenant) -> None:
    tenant.data(tenant.post("/v1/code-pools", json={"codePoolId": "till", "name": "Till"}), 201)
    tenant.data(tenant.post("/v1/code-pools/till/codes", json={"codes": ["T1", "T2"]}))
    granted = _grant(tenant, _reward(tenant, "unique_coupon", {"codePoolId": "till"}))
    txn = granted["transactionId"]

    redeemed = tenant.data(tenant.post(f"/v1/issuances/{txn}/redeem"))
    assert redeemed["state"] == "redeemed"
    assert redeemed["redeemedAt"].endswith("Z")
    assert _codes(tenant, "till")[granted["code"]] == "redeemed"

    again = error_of(tenant.post(f"/v1/issuances/{txn}/redeem"), 409)
    assert again["code"] == "ALREADY_REDEEMED"
    assert again["message"] == f"The reward was already redeemed at {redeemed['redeemedAt']}"
    assert again["details"] == {"redeemedAt": redeemed["redeemedAt"]}
    assert error_of(_reverse(tenant, txn), 409)["code"] == "ALREADY_REDEEMED"
    assert error_of(tenant.post("/v1/issuances/txn_missing/redeem"), 404)["code"] == "ISSUANCE_NOT_FOUND"


def test_reversing_a_purchase_refunds_and_releases_its_limit_once(tenant: Tenant) -> None:
    limit = {"kpi": "QUANTITY", "windowType": "FIXED", "repeatFrequencyType": "NO_LIMIT", "limit": 1}
    reward_id = _reward(
        tenant,
        "non_unique_coupon",
        {"code": "TEN", "discountType": "percentage", "discountValue": 10},
        paymentConfigs=[{"paymentMode": "POINTS", "points": 30}],
        restrictions={"customerLevel": [limit]},
    )
    tenant.data(tenant.put("/v1/customers/refund", json={}), 201)
    funding = {"amount": 100, "reason": "Funding"}
    tenant.data(tenant.post("/v1/customers/refund/points/adjustments", json=funding), 201)
    purchase = {"userId": "refund", "paymentMode": "POINTS"}
    bought = tenant.data(tenant.post(f"/v1/rewards/{reward_id}/purchase", json=purchase), 201)["result"]
    assert error_of(tenant.post(f"/v1/rewards/{reward_id}/purchase", json=purchase), 409)["code"] == (
        "CUSTOMER_LIMIT_REACHED"
    )

    reversed_ = tenant.data(_reverse(tenant, bought["transactionId"]))
    assert (reversed_["state"], reversed_["reversalReason"]) == ("reversed", "Order cancelled")
    points = tenant.data(tenant.get("/v1/customers/refund/points"))
    assert points["balance"] == 100
    assert (points["entries"][0]["kind"], points["entries"][0]["amount"]) == ("reversal", 30)
    # Reversed again: the same answer, nothing refunded twice.
    assert tenant.data(_reverse(tenant, bought["transactionId"], "again")) == reversed_
    assert tenant.data(tenant.get("/v1/customers/refund/points"))["balance"] == 100
    refused = error_of(tenant.post(f"/v1/issuances/{bought['transactionId']}/redeem"), 409)
    assert refused["code"] == "ISSUANCE_REVERSED"
    # The limit's count was given back: the customer may buy it again.
    assert tenant.post(f"/v1/rewards/{reward_id}/purchase", json=purchase).status_code == 201

    rewards = tenant.data(tenant.get("/v1/customers/refund/rewards"))
    assert [i["state"] for i in rewards["issuances"]] == ["issued", "reversed"]
    assert error_of(tenant.get("/v1/customers/ghost/rewards"), 404)["code"] == "CUSTOMER_NOT_FOUND"


def test_points_already_spent_cannot_be_taken_back(tenant: Tenant) -> None:
    granted = _grant(tenant, _reward(tenant, "points", {"amount": 40}), "spender")
    spend = {"amount": -30, "reason": "Spent"}
    tenant.data(tenant.post("/v1/customers/spender/points/adjustments", json=spend), 201)
    refused = error_of(_reverse(tenant, granted["transactionId"]), 409)
    assert refused["code"] == "INSUFFICIENT_POINTS"
    assert refused["details"] == {"balance": 10, "required": 40}
    # Nothing moved: still issued, the balance as it was.
    assert tenant.data(tenant.get(f"/v1/issuances/{granted['transactionId']}"))["state"] == "issued"
    assert tenant.data(tenant.get("/v1/customers/spender/points"))["balance"] == 10


def test_a_reversal_gives_back_stock_and_entries_and_voids_a_code(tenant: Tenant) -> None:
    tenant.data(tenant.post("/v1/products", json={"productId": "mug", "sku": "MUG", "name": "Mug", "stock": 3}), 201)
    tenant.data(tenant.post("/v1/competitions", json={"competitionId": "cup", "name": "Cup"}), 201)
    tenant.data(tenant.post("/v1/code-pools", json={"codePoolId": "void", "name": "Void"}), 201)
    tenant.data(tenant.post("/v1/code-pools/void/codes", json={"codes": ["V1"]}))
    mug = _grant(tenant, _reward(tenant, "product", {"productId": "mug", "quantity": 2}))
    entries = _grant(tenant, _reward(tenant, "competition_entry", {"competitionId": "cup", "entries": 4}))
    coupon = _grant(tenant, _reward(tenant, "unique_coupon", {"codePoolId": "void"}))
    assert tenant.data(tenant.get("/v1/products/mug"))["stock"] == 1

    for granted in (mug, entries, coupon):
        tenant.data(_reverse(tenant, granted["transactionId"]))

    assert tenant.data(tenant.get("/v1/products/mug"))["stock"] == 3
    assert tenant.data(tenant.get("/v1/competitions/cup/entries"))["count"] == 0
    # The customer saw the code: it is void, never issued again.
    assert _codes(tenant, "void") == {"V1": "void"}
    assert tenant.data(tenant.get("/v1/code-pools/void"))["available"] == 0


def test_a_reversal_needs_a_reason(tenant: Tenant) -> None:
    granted = _grant(tenant, _reward(tenant, "points", {"amount": 1}))
    missing = error_of(tenant.post(f"/v1/issuances/{granted['transactionId']}/reverse", json={}), 400)
    assert missing["message"] == "Missing required fields: reason"
    assert error_of(_reverse(tenant, granted["transactionId"], " "), 400)["code"] == "INVALID_REASON"
