"""Filling a code pool never locks other writers out, on SQLite as on PostgreSQL.

Three generates of the per-request maximum (100,000 codes each) race a brand
create and two reward creates (one of them drawing from the pool being
filled). The race is arranged, not hoped for: the first generate to reach its
``INSERT INTO coupon_codes`` is held there (a listener on the engine, in the
server's own thread), so its transaction is open and, on SQLite, holds the
database's write lock. Only then are the brand and rewards sent. The held
generate is let go once every other writer is observed either waiting for the
write lock (SQLite: queued in the process's writer queue, ``Database.write_lock``, the
reward creates in their batch of brief writes) or,
on PostgreSQL, done (row locks keep them apart from the pool's writers).
Every answer must be its usual success.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from typing import Any

import httpx2
from sqlalchemy import event

from laurels.codepools.generation import COUNT_MAX
from laurels.kit.db import Database
from laurels.kit.unit import queued_brief_writes
from tests.support import Tenant

GENERATES = 3
TIMEOUT = 120


class WriteProbe:
    """Watches the server's statements: holds the first code insert, inside its open transaction."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.release = threading.Event()
        self.held = False

    def before(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("INSERT INTO coupon_codes"):
            with self.changed:
                hold, self.held = not self.held, True
                self.changed.notify_all()
            if hold:
                # Inside the generate's open transaction; on SQLite it holds the write lock.
                self.release.wait(TIMEOUT)

    def until(self, what: str, seen: Callable[[], bool]) -> None:
        with self.changed:
            assert self.changed.wait_for(seen, TIMEOUT), f"not observed: {what}"


@contextmanager
def _probe(db: Database) -> Iterator[WriteProbe]:
    probe = WriteProbe()
    event.listen(db.engine, "before_cursor_execute", probe.before)
    try:
        yield probe
    finally:
        probe.release.set()
        event.remove(db.engine, "before_cursor_execute", probe.before)


def test_three_maximum_generates_do_not_lock_out_other_writers(live_server: str, tenant: Tenant, db: Database) -> None:
    pool = tenant.data(tenant.post("/v1/code-pools", json={"name": "Race"}), 201)["codePool"]
    pool_id = pool["codePoolId"]
    # One code up front, so that a reward may draw from the pool while it fills.
    tenant.data(tenant.post(f"/v1/code-pools/{pool_id}/codes", json={"codes": ["SEED"]}))
    headers = tenant.headers
    start = threading.Barrier(GENERATES + 1)

    def send(method: str, path: str, body: dict[str, Any], *, wait_for_start: bool = False) -> httpx2.Response:
        with httpx2.Client(base_url=live_server, timeout=TIMEOUT) as http:
            if wait_for_start:
                start.wait(TIMEOUT)
            return http.request(method, path, json=body, headers=headers)

    generate = f"/v1/code-pools/{pool_id}/codes/generate"
    writers: list[tuple[str, dict[str, Any]]] = [
        ("/v1/brands", {"name": "Brand during codegen"}),
        ("/v1/rewards", {"name": "Points during codegen", "rewardType": "points", "config": {"amount": 5}}),
        ("/v1/rewards", {"name": "Coupon", "rewardType": "unique_coupon", "config": {"codePoolId": pool_id}}),
    ]
    with _probe(db) as probe, ThreadPoolExecutor(max_workers=GENERATES + len(writers)) as executor:
        generates = [
            executor.submit(send, "POST", generate, {"count": COUNT_MAX}, wait_for_start=True) for _ in range(GENERATES)
        ]
        start.wait(TIMEOUT)
        probe.until("a generate inserting its codes", lambda: probe.held)
        others: list[Future[httpx2.Response]] = [executor.submit(send, "POST", p, b) for p, b in writers]
        if db.write_lock is not None:
            # SQLite: the other two generates, the brand create and the batch of the two reward
            # creates (brief writes: one turn for the batch, kit/unit.py) all queue for the write
            # lock, in this process's writer queue (kit/db.py), behind the held generate.
            lock = db.write_lock

            def all_queued() -> bool:
                return lock.waiting >= GENERATES - 1 + 2 and queued_brief_writes(db) == 2

            with lock.changed:
                assert lock.changed.wait_for(all_queued, TIMEOUT), "writers did not queue"
        else:
            done, _ = wait(others, timeout=TIMEOUT)
            assert len(done) == len(writers), "writers did not finish while a generate was inserting"
        probe.release.set()
        generated = [f.result() for f in generates]
        answers = [f.result() for f in others]

    for response in generated + answers:
        assert "database is locked" not in response.text
    assert [r.status_code for r in generated] == [200] * GENERATES, [r.text for r in generated]
    assert [r.status_code for r in answers] == [201] * len(writers), [r.text for r in answers]
    for response in generated:
        data = response.json()["data"]
        assert (data["added"], data["duplicates"]) == (COUNT_MAX, [])

    brands = tenant.data(tenant.get("/v1/brands"))["brands"]
    assert [b["name"] for b in brands] == ["Brand during codegen"]
    for response in answers[1:]:
        reward_id = response.json()["data"]["reward"]["rewardId"]
        assert tenant.data(tenant.get(f"/v1/rewards/{reward_id}"))["rewardId"] == reward_id
    final = tenant.data(tenant.get(f"/v1/code-pools/{pool_id}"))
    assert (final["available"], final["total"]) == (GENERATES * COUNT_MAX + 1, GENERATES * COUNT_MAX + 1)
