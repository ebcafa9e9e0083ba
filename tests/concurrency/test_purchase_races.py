"""Purchases raced over real HTTP: a balance, a limit and a stock are each taken exactly, never past.

Against ``live_server`` (SQLite by default, PostgreSQL with LAURELS_TEST_DATABASE_URL),
``posts.CONCURRENCY`` threads released together by one barrier:

- 100 purchases of a coupon priced at 10 points by one customer holding 100 points: exactly
  10 succeed, 90 are ``INSUFFICIENT_POINTS``, the balance ends at exactly 0;
- 200 purchases by 40 customers of a product reward with a stock of 7 and a
  reward-level limit of 5: exactly 5 succeed (the tighter of the two), the rest
  are refused by one or the other, and stock and counter agree with the issuances.
"""

from __future__ import annotations

from collections import Counter

from laurels.kit.db import Database
from tests.concurrency.posts import race_posts
from tests.support import Tenant, assert_reconciled


def test_racing_purchases_spend_exactly_the_balance(live_server: str, tenant: Tenant, db: Database) -> None:
    reward = {
        "name": "A coupon for ten points",
        "rewardType": "non_unique_coupon",
        "config": {"code": "SAVE10", "discountType": "percentage", "discountValue": 10},
        "paymentConfigs": [{"paymentMode": "POINTS", "points": 10}],
    }
    reward_id = tenant.data(tenant.post("/v1/rewards", json=reward), 201)["reward"]["rewardId"]
    tenant.data(tenant.put("/v1/customers/spender", json={}), 201)
    funding = {"amount": 100, "reason": "Opening balance"}
    tenant.data(tenant.post("/v1/customers/spender/points/adjustments", json=funding), 201)

    purchase = (f"/v1/rewards/{reward_id}/purchase", {"userId": "spender", "paymentMode": "POINTS"})
    tally = race_posts(live_server, tenant, [purchase] * 100)

    assert tally == {(201, None): 10, (409, "INSUFFICIENT_POINTS"): 90}
    points = tenant.data(tenant.get("/v1/customers/spender/points"))
    assert points["balance"] == 0
    assert points["totals"] == {"credited": 100, "debited": 100}
    entries = tenant.data(tenant.get("/v1/customers/spender/points/entries", params={"limit": 100}))["entries"]
    assert Counter(e["kind"] for e in entries) == {"adjustment": 1, "debit": 10}
    assert min(e["balanceAfter"] for e in entries) >= 0
    assert_reconciled(db)


def test_racing_purchases_hold_a_limit_and_a_stock_at_once(live_server: str, tenant: Tenant, db: Database) -> None:
    product = {"productId": "raced_stock", "sku": "RS-1", "name": "Raced", "stock": 7}
    tenant.data(tenant.post("/v1/products", json=product), 201)
    limit = {"kpi": "QUANTITY", "windowType": "FIXED", "repeatFrequencyType": "NO_LIMIT", "limit": 5}
    reward = {
        "name": "Scarce",
        "rewardType": "product",
        "config": {"productId": "raced_stock", "quantity": 1},
        "paymentConfigs": [{"paymentMode": "FREE"}],
        "restrictions": {"rewardLevel": [limit]},
    }
    reward_id = tenant.data(tenant.post("/v1/rewards", json=reward), 201)["reward"]["rewardId"]
    path = f"/v1/rewards/{reward_id}/purchase"
    posts = [(path, {"userId": f"c{i % 40}", "paymentMode": "FREE"}) for i in range(200)]

    tally = race_posts(live_server, tenant, posts)

    assert tally[(201, None)] == 5, tally
    assert set(tally) <= {(201, None), (409, "REWARD_LIMIT_REACHED"), (409, "OUT_OF_STOCK")}, tally
    assert tenant.data(tenant.get("/v1/products/raced_stock"))["stock"] == 2
    listed = tenant.data(tenant.get("/v1/issuances", params={"rewardId": reward_id, "limit": 100}))
    assert listed["count"] == 5
    assert_reconciled(db)
