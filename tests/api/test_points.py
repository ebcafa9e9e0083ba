"""The points ledger through HTTP: operators' adjustments, the balance and its totals, the entries' pages."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import Tenant, error_of


def _adjust(tenant: Tenant, user_id: str, amount: Any, reason: Any = "Goodwill", **kwargs: Any) -> Any:
    body = {"amount": amount, "reason": reason}
    return tenant.post(f"/v1/customers/{user_id}/points/adjustments", json=body, **kwargs)


def _customer(tenant: Tenant, user_id: str) -> None:
    tenant.data(tenant.put(f"/v1/customers/{user_id}", json={}), 201)


def test_adjustments_move_the_balance_and_are_entries_of_the_ledger(tenant: Tenant) -> None:
    _customer(tenant, "ann")
    added = tenant.data(_adjust(tenant, "ann", 120, "Welcome bonus"), 201)
    assert added["adjustmentId"].startswith("adj_")
    assert (added["userId"], added["amount"], added["reason"], added["balance"]) == ("ann", 120, "Welcome bonus", 120)
    assert added["createdAt"].endswith("Z")
    taken = tenant.data(_adjust(tenant, "ann", -20, "Duplicate credit"), 201)
    assert taken["balance"] == 100

    points = tenant.data(tenant.get("/v1/customers/ann/points"))
    assert points["balance"] == 100
    assert points["totals"] == {"credited": 120, "debited": 20}
    entries = points["entries"]
    assert [(e["kind"], e["amount"], e["balanceAfter"], e["reason"]) for e in entries] == [
        ("adjustment", -20, 100, "Duplicate credit"),
        ("adjustment", 120, 120, "Welcome bonus"),
    ]
    assert entries[1]["adjustmentId"] == added["adjustmentId"]
    assert entries[1]["transactionId"] is None


def test_a_debit_beyond_the_balance_is_refused_and_writes_nothing(tenant: Tenant) -> None:
    _customer(tenant, "bob")
    tenant.data(_adjust(tenant, "bob", 30), 201)
    refused = error_of(_adjust(tenant, "bob", -31), 409)
    assert refused["code"] == "INSUFFICIENT_POINTS"
    assert refused["message"] == "The balance is 30 points; 31 cannot be taken"
    assert refused["details"] == {"balance": 30, "required": 31}
    points = tenant.data(tenant.get("/v1/customers/bob/points"))
    assert (points["balance"], len(points["entries"])) == (30, 1)
    assert tenant.data(_adjust(tenant, "bob", -30), 201)["balance"] == 0

    # A customer with no points yet has a balance of zero.
    _customer(tenant, "new")
    assert error_of(_adjust(tenant, "new", -1), 409)["details"] == {"balance": 0, "required": 1}
    # Points are adjusted for an existing customer only: a mistyped userId is not given any.
    assert error_of(_adjust(tenant, "nobody", 5), 404)["code"] == "CUSTOMER_NOT_FOUND"
    assert error_of(tenant.get("/v1/customers/nobody"), 404)["code"] == "CUSTOMER_NOT_FOUND"


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({}, "MISSING_REQUIRED_FIELDS", None),
        ({"amount": 5}, "MISSING_REQUIRED_FIELDS", None),
        ({"amount": 0, "reason": "r"}, "INVALID_AMOUNT", "amount"),
        ({"amount": 1.5, "reason": "r"}, None, "amount"),
        ({"amount": 1_000_000_001, "reason": "r"}, "INVALID_AMOUNT", "amount"),
        ({"amount": 5, "reason": " "}, "INVALID_REASON", "reason"),
        ({"amount": 5, "reason": "x" * 501}, "INVALID_REASON", "reason"),
    ],
)
def test_bad_adjustments_are_refused_naming_the_field(
    tenant: Tenant, body: dict[str, Any], code: str | None, field: str | None
) -> None:
    _customer(tenant, "carl")
    refused = error_of(tenant.post("/v1/customers/carl/points/adjustments", json=body), 400)
    if code is not None:
        assert refused["code"] == code
    if field is not None:
        assert field in (refused.get("field") or refused["message"])


def test_an_idempotency_key_adjusts_once(tenant: Tenant) -> None:
    _customer(tenant, "dora")
    _customer(tenant, "eve")
    headers = {"Idempotency-Key": "adjust-dora-1"}
    first = _adjust(tenant, "dora", 50, headers=headers)
    again = _adjust(tenant, "dora", 50, headers=headers)
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    assert tenant.data(tenant.get("/v1/customers/dora/points"))["balance"] == 50
    assert error_of(_adjust(tenant, "dora", 51, headers=headers), 409)["code"] == "IDEMPOTENCY_KEY_REUSED"
    # The key names one request: the same body for another customer is another request.
    assert error_of(_adjust(tenant, "eve", 50, headers=headers), 409)["code"] == "IDEMPOTENCY_KEY_REUSED"


def test_the_ledger_pages_newest_first(tenant: Tenant) -> None:
    _customer(tenant, "finn")
    for amount in range(1, 6):
        tenant.data(_adjust(tenant, "finn", amount), 201)
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = tenant.data(tenant.get("/v1/customers/finn/points/entries", params=params))
        assert page["userId"] == "finn"
        assert page["count"] == len(page["entries"])
        seen += [e["amount"] for e in page["entries"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == [5, 4, 3, 2, 1]
    assert error_of(tenant.get("/v1/customers/ghost/points/entries"), 404)["code"] == "CUSTOMER_NOT_FOUND"


def test_adjusting_needs_the_issuance_scope(tenant_factory: Any) -> None:
    reader = tenant_factory(scopes=["customers:read"])
    assert error_of(_adjust(reader, "hal", 5), 403)["code"] == "INSUFFICIENT_SCOPE"
