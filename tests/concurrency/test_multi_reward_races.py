"""Capillary issues of several rewards at once, racing in opposite orders over real HTTP, never deadlock.

One request names rewards A then B, the next B then A, ``posts.race_posts`` releasing
48 at a time against ``live_server``. Each reward has a reward-level limit and a
product's stock, rows every issuance of it updates; were they locked in request order,
two requests could each hold one reward's rows and wait for the other's (on PostgreSQL
a deadlock, one of them failed). The rewards of a request are issued in one order
whatever order it names them in, so every request succeeds, and the records add up.
"""

from __future__ import annotations

from typing import Any

from laurels.kit.db import Database
from tests.concurrency.posts import race_posts
from tests.support import Tenant, assert_reconciled

CAP = "/api_gateway/rewards/core/v1"
CUSTOMERS = 16
REQUESTS = 96


def _reward(tenant: Tenant, brand: str, name: str) -> str:
    product = {"productId": f"multi-{name}", "sku": name, "name": name, "stock": REQUESTS}
    tenant.data(tenant.post("/v1/products", json=product), 201)
    restriction = {"kpi": "QUANTITY", "windowType": "FIXED", "repeatFrequencyType": "NO_LIMIT", "limit": REQUESTS}
    body = {
        "name": name,
        "brandId": brand,
        "rewardType": "product",
        "config": {"productId": product["productId"], "quantity": 1},
        "paymentConfigs": [{"paymentMode": "POINTS", "points": 1}],
        "restrictions": {"rewardLevel": [restriction]},
    }
    return str(tenant.data(tenant.post("/v1/rewards", json=body), 201)["reward"]["id"])


def test_requests_naming_rewards_in_opposite_orders_all_issue(live_server: str, tenant: Tenant, db: Database) -> None:
    brand = tenant.data(tenant.post("/v1/brands", json={"name": "Multi"}), 201)["brandId"]
    a, b = _reward(tenant, brand, "A"), _reward(tenant, brand, "B")
    for n in range(CUSTOMERS):
        tenant.data(tenant.put(f"/v1/customers/multi-{n}", json={"externalId": f"multi-{n}"}), 201)
        funds = {"amount": REQUESTS, "reason": "Funds"}
        tenant.data(tenant.post(f"/v1/customers/multi-{n}/points/adjustments", json=funds), 201)
    posts: list[tuple[str, dict[str, Any]]] = []
    for i in range(REQUESTS):
        first, second = (a, b) if i % 2 == 0 else (b, a)
        body = {
            "externalId": f"multi-{i % CUSTOMERS}",
            "brand": "Multi",
            "transactionNumber": f"M-{i}",
            "rewards": [{"rewardId": first, "quantity": 1}, {"rewardId": second, "quantity": 1}],
        }
        posts.append((f"{CAP}/user/reward/{first}/issue", body))

    tally = race_posts(live_server, tenant, posts)

    assert tally == {(200, None): REQUESTS}
    for name in ("A", "B"):
        assert tenant.data(tenant.get(f"/v1/products/multi-{name}"))["stock"] == 0
    assert_reconciled(db)
