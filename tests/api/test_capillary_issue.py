"""Capillary's "Issue user reward" and issuals through HTTP, on the one issuance pipeline."""

from __future__ import annotations

from typing import Any

from tests.support import Tenant

CAP = "/api_gateway/rewards/core/v1"
PHYSICAL: dict[str, Any] = {
    "startTime": "2024-06-01 00:00:00",
    "endTime": "2099-01-01 00:00:00",
    "type": "FREE_VOUCHER",
    "redemptionType": "PHYSICAL_REWARD",
    "languageSpecificInfo": [{"languageCode": "en", "name": "Mug", "description": "A mug"}],
}


def _world(tenant: Tenant, **reward: Any) -> tuple[int, int]:
    brand = tenant.data(tenant.post("/v1/brands", json={"name": "Acme"}), 201)["brandId"]
    created = tenant.post(f"{CAP}/reward/create", json={**PHYSICAL, "brandId": brand, **reward})
    assert created.status_code == 200, created.text
    tenant.data(tenant.put("/v1/customers/ann", json={"mobile": "+91 98765 43210"}), 201)
    tenant.data(tenant.post("/v1/customers/ann/points/adjustments", json={"amount": 100, "reason": "Opening"}), 201)
    return brand, int(created.json()["reward"]["id"])


def _issue(tenant: Tenant, reward: int, number: str = "T-1", **body: Any) -> Any:
    payload = {"mobile": "919876543210", "brand": "Acme", "transactionNumber": number, **body}
    return tenant.post(f"{CAP}/user/reward/{reward}/issue", params={"username": "till-7"}, json=payload)


def test_issue_takes_the_price_and_answers_in_capillarys_shape(tenant: Tenant) -> None:
    _, reward = _world(tenant, paymentConfigs=[{"paymentMode": "POINTS", "points": 30}])
    answer = _issue(tenant, reward, notes="Counter 2", rewardOwnershipRO={"ownerType": "CAMPAIGNS", "ownerId": "c1"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == {"success": True, "code": 200, "message": "Reward issued successfully"}
    assert body["paymentConfig"] == {"paymentMode": "POINTS", "points": 30}
    assert body["intouch"]["pointsRedeemed"] == "30"
    transaction = body["transactionId"]
    assert body["rewards"] == [{"rewardId": reward, "transactionId": transaction, "quantity": 1, "state": "issued"}]
    assert tenant.data(tenant.get("/v1/customers/ann/points"))["balance"] == 70

    # The same transactionNumber again: the first answer, nothing issued twice.
    again = _issue(tenant, reward, notes="Counter 2", rewardOwnershipRO={"ownerType": "CAMPAIGNS", "ownerId": "c1"})
    assert (again.content, again.headers["Idempotent-Replayed"]) == (answer.content, "true")
    assert tenant.data(tenant.get("/v1/customers/ann/points"))["balance"] == 70
    reused = _issue(tenant, reward, notes="another body")
    assert (reused.status_code, reused.json()["status"]["reason"]) == (409, "IDEMPOTENCY_KEY_REUSED")

    issued = tenant.data(tenant.get("/v1/issuances", params={"userId": "ann"}))["issuances"][0]
    listed = tenant.get(f"{CAP}/management/customer/{_customer_id(tenant)}/issuals").json()
    assert listed["status"]["message"] == "Reward issue transactions fetched successfully"
    (item,) = listed["rewardIssueTransactions"]
    assert item["rewardTransactionId"] == str(transaction)
    assert item["rewardIssueRefId"] == "T-1"
    assert (item["ownerType"], item["ownerId"]) == ("CAMPAIGNS", "c1")
    assert item["rewardDetails"]["name"] == "Mug"
    assert item["pointsRedemptionRefIds"] == [issued["transactionId"]]
    assert listed["pagingDto"] == {
        "last": True,
        "totalElements": 1,
        "totalPages": 1,
        "numberOfElements": 1,
        "first": True,
        "size": 100,
        "number": 0,
    }
    filtered = tenant.get(f"{CAP}/management/customer/{_customer_id(tenant)}/issuals", params={"ownerType": "X"})
    assert filtered.json()["rewardIssueTransactions"] == []

    detail = tenant.get(f"{CAP}/management/customer/{_customer_id(tenant)}/issuals/{transaction}").json()
    assert detail["status"][0]["success"] is True
    assert detail["data"]["pointsRedemption"]["redeemedPoints"] == 30
    missing = tenant.get(f"{CAP}/management/customer/{_customer_id(tenant)}/issuals/999999999")
    assert (missing.status_code, missing.json()["status"]["code"]) == (404, 6004)
    # Ids past 32 bits name nothing (and never reach PostgreSQL's integer columns).
    for path in ("9650166081/issuals", f"{_customer_id(tenant)}/issuals/9650166081"):
        assert tenant.get(f"{CAP}/management/customer/{path}").status_code == 404


def _customer_id(tenant: Tenant) -> int:
    """The customer's integer id, as Capillary's paths name it."""
    return int(tenant.data(tenant.get("/v1/customers/ann"))["id"])


def test_issue_refusals_in_capillarys_codes(tenant: Tenant) -> None:
    label = tenant.data(tenant.post("/v1/labels", json={"name": "vip"}), 201)["label"]["id"]
    _, reward = _world(tenant, paymentConfigs=[{"paymentMode": "POINTS", "points": 500}], labels=[label])
    cases: list[tuple[dict[str, Any], int, int, str]] = [
        ({"brand": "Nope"}, 404, 404, "BRAND_NOT_FOUND"),
        ({"mobile": "911111111111"}, 404, 404, "CUSTOMER_NOT_FOUND"),
        ({}, 409, 12005, "NOT_ELIGIBLE"),
        ({"paymentConfig": {"paymentMode": "CASH"}}, 409, 12005, "NOT_ELIGIBLE"),
    ]
    for n, (body, http, code, reason) in enumerate(cases):
        refused = _issue(tenant, reward, f"R-{n}", **body)
        status = refused.json()["status"]
        assert (refused.status_code, status["code"], status["reason"]) == (http, code, reason), refused.text
    # The caller vouches for the customer: the audience is skipped, the price is not.
    short = tenant.post(
        f"{CAP}/user/reward/{reward}/issue",
        params={"skip_validation": "true"},
        json={"mobile": "919876543210", "brand": "Acme", "transactionNumber": "R-9"},
    )
    assert (short.status_code, short.json()["status"]["code"]) == (409, 8004)
    missing = tenant.post(f"{CAP}/user/reward/{reward}/issue", json={"mobile": "919876543210"})
    assert missing.json()["status"]["message"] == "Missing required fields: brand, transactionNumber"


def test_several_rewards_issue_in_one_transaction_or_none(tenant: Tenant) -> None:
    brand, cheap = _world(tenant, paymentConfigs=[{"paymentMode": "POINTS", "points": 60}])
    dear = tenant.post(
        f"{CAP}/reward/create",
        json={**PHYSICAL, "brandId": brand, "paymentConfigs": [{"paymentMode": "POINTS", "points": 50}]},
    ).json()["reward"]["id"]
    both = [{"rewardId": cheap}, {"rewardId": dear}]
    refused = _issue(tenant, cheap, "M-1", rewards=both)
    assert (refused.status_code, refused.json()["status"]["reason"]) == (409, "INSUFFICIENT_POINTS")
    # Nothing of the first was kept: 100 points, no issuance.
    assert tenant.data(tenant.get("/v1/customers/ann/points"))["balance"] == 100
    assert tenant.data(tenant.get("/v1/customers/ann/rewards"))["count"] == 0
    tenant.data(tenant.post("/v1/customers/ann/points/adjustments", json={"amount": 10, "reason": "Top-up"}), 201)
    issued = _issue(tenant, cheap, "M-2", rewards=both).json()
    assert [r["rewardId"] for r in issued["rewards"]] == [cheap, dear]
    assert tenant.data(tenant.get("/v1/customers/ann/points"))["balance"] == 0


def test_what_the_caller_sends_for_the_record_is_recorded_and_answered_back(tenant: Tenant) -> None:
    # Capillary's documented examples: a tender, custom fields, a fulfillment status, the caller's ids.
    _, reward = _world(tenant, paymentConfigs=[{"paymentMode": "POINTS", "points": 10}])
    tender = {
        "totalAmount": 100,
        "tenders": [{"methodOfPayment": "CARD", "methodOfPaymentId": "HDFC", "tenderId": "123", "amount": 40}],
    }
    recorded = {
        "tender": tender,
        "customFields": {"issue-reward-3": "issue-reward-values"},
        "fulfillmentDetails": {"status": "DELIVERED"},
        "eventLogId": "eventLogId124",
        "requestId": "req3",
    }
    answer = _issue(tenant, reward, "F-1", **recorded)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["customFields"] == {"issue-reward-3": "issue-reward-values"}
    assert body["fulfillmentDetails"] == {"status": "DELIVERED"}
    assert (body["eventLogId"], body["requestId"]) == ("eventLogId124", "req3")

    issuals = f"{CAP}/management/customer/{_customer_id(tenant)}/issuals"
    (item,) = tenant.get(issuals).json()["rewardIssueTransactions"]
    assert item["fulfillmentStatus"] == "DELIVERED"
    detail = tenant.get(f"{issuals}/{body['transactionId']}").json()["data"]
    assert (detail["customFields"], detail["fulfillmentStatus"]) == (
        {"issue-reward-3": "issue-reward-values"},
        "DELIVERED",
    )
    native = tenant.data(tenant.get("/v1/issuances", params={"userId": "ann"}))["issuances"][0]
    assert native["metadata"]["tender"] == tender

    # Without them, Capillary's nulls.
    plain = _issue(tenant, reward, "F-2").json()
    assert [plain[k] for k in ("customFields", "fulfillmentDetails", "eventLogId", "requestId")] == [None] * 4
    refusals: tuple[tuple[dict[str, Any], str, str], ...] = (
        ({"customFields": ["a"]}, "VALIDATION_ERROR", "customFields"),
        ({"requestId": ""}, "INVALID_METADATA", "requestId"),
    )
    for n, (part, reason, field) in enumerate(refusals):
        status = _issue(tenant, reward, f"F-bad-{n}", **part).json()["status"]
        assert (status["code"], status["reason"], status["field"]) == (400, reason, field)
