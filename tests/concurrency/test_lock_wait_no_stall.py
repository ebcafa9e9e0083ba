"""PostgreSQL: a brief write waiting on a row lock leaves its process serving.

A PostgreSQL unit waits on the network at every statement, so it runs in a unit thread
(kit/unit.py, ``run_unit_async``), never synchronously on the event loop as SQLite's brief
writes do: there, its wait for the server — a row lock another transaction holds, here — would
be a wait of the whole process. The live server has one loop. The grant is parked on a
customer's points row, locked by a transaction of the test's own; only once its backend is seen
waiting for that lock are the health check, a read and another customer's grant sent, and each
must be answered while the lock is still held. (Run synchronously on the loop, the health check
times out.)
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor, wait

import httpx2
import pytest
from sqlalchemy import text

from laurels.kit.db import Database
from tests.support import Tenant, blocked_by

POLL = 0.005  # seconds to wait on the grant between two looks at pg_stat_activity
DEADLINE = 30.0  # seconds to wait for what should happen at once; only a hang reaches it


def test_a_grant_waiting_on_a_lock_does_not_stop_its_process(live_server: str, tenant: Tenant, db: Database) -> None:
    if db.is_sqlite:
        pytest.skip("PostgreSQL: SQLite has no row locks, and its brief writes wait for their turn before running")
    reward = tenant.data(
        tenant.post("/v1/rewards", json={"name": "Parked", "rewardType": "points", "config": {"amount": 5}}), 201
    )["reward"]

    def grant(user: str) -> httpx2.Response:
        with httpx2.Client(base_url=live_server, timeout=DEADLINE, headers=tenant.headers) as http:
            return http.post("/v1/rewards/grant", json={"rewardId": reward["rewardId"], "userId": user})

    assert grant("parked").status_code == 201  # the customer and its points row exist
    with db.engine.connect() as holder, ThreadPoolExecutor(1) as pool:
        holder_pid = holder.execute(text("SELECT pg_backend_pid()")).scalar_one()
        holder.execute(
            text(
                "SELECT balance FROM points_accounts WHERE customer_pk = "
                "(SELECT id FROM customers WHERE org_id = :org AND user_id = 'parked') FOR UPDATE"
            ),
            {"org": tenant.org_id},
        )
        parked = pool.submit(grant, "parked")
        deadline = time.monotonic() + DEADLINE
        while (waiting := blocked_by(db, holder_pid)) is None:
            assert time.monotonic() < deadline, "the grant was never seen waiting for the points row"
            # Between two looks at pg_stat_activity, wait on the grant itself: one that answers
            # here did not wait for the lock, and the test fails with its answer.
            done, _ = wait([parked], timeout=POLL)
            assert not done, f"the grant finished without waiting for the lock: {parked.result().text}"
        assert "points_accounts" in waiting, waiting

        # The lock is held: each of these is answered only if the loop is free.
        with httpx2.Client(base_url=live_server, timeout=DEADLINE, headers=tenant.headers) as http:
            assert http.get("/healthz").status_code == 200
            assert http.get(f"/v1/rewards/{reward['rewardId']}").status_code == 200
        assert grant("another").status_code == 201
        assert not parked.done()
        assert blocked_by(db, holder_pid) is not None
        holder.rollback()
        assert parked.result(DEADLINE).status_code == 201
