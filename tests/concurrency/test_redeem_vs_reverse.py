"""Redeem racing reverse over real HTTP: for every issuance exactly one wins, the other is told why.

50 issuances, each sent one redeem and one reverse, all 100 requests released together
(``posts.race_posts``) against ``live_server`` on SQLite or PostgreSQL. Both begin with
the same conditional UPDATE of the issuance's state, so the loser finds it moved.
"""

from __future__ import annotations

from collections import Counter

from laurels.kit.db import Database
from tests.concurrency.posts import race_posts
from tests.support import Tenant, assert_reconciled

ISSUANCES = 50


def test_redeem_and_reverse_of_one_issuance_never_both_win(live_server: str, tenant: Tenant, db: Database) -> None:
    reward = {"name": "One point", "rewardType": "points", "config": {"amount": 1}}
    reward_id = tenant.data(tenant.post("/v1/rewards", json=reward), 201)["reward"]["rewardId"]
    transactions = []
    for n in range(ISSUANCES):
        granted = tenant.post("/v1/rewards/grant", json={"rewardId": reward_id, "userId": f"r{n}"})
        transactions.append(tenant.data(granted, 201)["result"]["transactionId"])
    posts = []
    for txn in transactions:
        posts += [(f"/v1/issuances/{txn}/redeem", {}), (f"/v1/issuances/{txn}/reverse", {"reason": "Raced"})]

    tally = race_posts(live_server, tenant, posts)

    assert tally[(200, None)] == ISSUANCES, tally
    assert set(tally) <= {(200, None), (409, "ALREADY_REDEEMED"), (409, "ISSUANCE_REVERSED")}, tally
    listed = tenant.data(tenant.get("/v1/issuances", params={"rewardId": reward_id, "limit": 100}))["issuances"]
    states = Counter(i["state"] for i in listed)
    assert sum(states.values()) == ISSUANCES
    assert set(states) <= {"redeemed", "reversed"}
    # Each reversed one took its point back, each redeemed one kept it (and the ledgers agree: below).
    redeemed_users = {i["userId"] for i in listed if i["state"] == "redeemed"}
    for user in (f"r{n}" for n in range(0, ISSUANCES, 7)):
        assert tenant.data(tenant.get(f"/v1/customers/{user}/points"))["balance"] == (user in redeemed_users)
    assert_reconciled(db)
