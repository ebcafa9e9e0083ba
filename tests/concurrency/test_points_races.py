"""Racing debits of one balance over real HTTP: it never goes below zero, and none is refused while it could pay.

100 adjustments of -1 point against a balance of 10, from ``posts.CONCURRENCY`` threads
released together by one barrier against ``live_server`` (SQLite by default,
PostgreSQL with LAURELS_TEST_DATABASE_URL): exactly 10 succeed, the other 90 are
409 ``INSUFFICIENT_POINTS``, and the balance and the ledger agree at zero. Only the
conditional debit (``balance >= :points``) stands between them and a negative balance.
"""

from __future__ import annotations

from laurels.kit.db import Database
from tests.concurrency.posts import race_posts
from tests.support import Tenant, assert_reconciled

DEBITS = 100


def test_racing_debits_take_exactly_the_balance(live_server: str, tenant: Tenant, db: Database) -> None:
    tenant.data(tenant.put("/v1/customers/racer", json={}), 201)
    path = "/v1/customers/racer/points/adjustments"
    tenant.data(tenant.post(path, json={"amount": 10, "reason": "Opening balance"}), 201)
    tally = race_posts(live_server, tenant, [(path, {"amount": -1, "reason": "Raced"})] * DEBITS)

    assert tally == {(201, None): 10, (409, "INSUFFICIENT_POINTS"): DEBITS - 10}
    points = tenant.data(tenant.get("/v1/customers/racer/points"))
    assert points["balance"] == 0
    assert points["totals"] == {"credited": 10, "debited": 10}
    entries = tenant.data(tenant.get("/v1/customers/racer/points/entries", params={"limit": 100}))
    assert entries["count"] == 11
    assert sum(e["amount"] for e in entries["entries"]) == 0
    assert min(e["balanceAfter"] for e in entries["entries"]) == 0
    assert_reconciled(db)
