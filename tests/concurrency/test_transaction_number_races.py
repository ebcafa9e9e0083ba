"""50 racing retries of one Capillary transactionNumber over real HTTP issue once.

The retries are released together (``posts.race_posts``) against ``live_server`` on SQLite
or PostgreSQL: the first claims the number in its transaction; the others wait for its
commit and answer its answer. One issuance, one debit, every answer a 200.
"""

from __future__ import annotations

from laurels.kit.db import Database
from tests.concurrency.posts import race_posts
from tests.support import Tenant, assert_reconciled

CAP = "/api_gateway/rewards/core/v1"
RETRIES = 50


def test_racing_retries_of_one_transaction_number_issue_once(live_server: str, tenant: Tenant, db: Database) -> None:
    brand = tenant.data(tenant.post("/v1/brands", json={"name": "Racing"}), 201)["brandId"]
    reward = {
        "startTime": "2024-06-01 00:00:00",
        "endTime": "2099-01-01 00:00:00",
        "type": "FREE_VOUCHER",
        "redemptionType": "PHYSICAL_REWARD",
        "languageSpecificInfo": [{"languageCode": "en", "name": "Raced"}],
        "brandId": brand,
        "paymentConfigs": [{"paymentMode": "POINTS", "points": 7}],
    }
    created = tenant.post(f"{CAP}/reward/create", json=reward)
    reward_id = created.json()["reward"]["id"]
    tenant.data(tenant.put("/v1/customers/retrier", json={"externalId": "ext-1"}), 201)
    tenant.data(tenant.post("/v1/customers/retrier/points/adjustments", json={"amount": 100, "reason": "Funds"}), 201)
    issue = (
        f"{CAP}/user/reward/{reward_id}/issue",
        {"externalId": "ext-1", "brand": "Racing", "transactionNumber": "N-1"},
    )

    tally = race_posts(live_server, tenant, [issue] * RETRIES)

    assert tally == {(200, None): RETRIES}
    assert tenant.data(tenant.get("/v1/customers/retrier/rewards"))["count"] == 1
    assert tenant.data(tenant.get("/v1/customers/retrier/points"))["balance"] == 93
    assert_reconciled(db)
