"""48 writers and their readers at once, over HTTP, against a running server: every answer is right.

The embedded database used to stall here: writers took SQLite's write lock
before their key was checked, then waited for a connection or a thread while
holding it, and everyone else waited out the 30-second busy timeout. Now a
request's database work is one unit in one thread (kit/unit.py), keys come from
a cache, and writers queue in order. No timing is asserted: the bench measures
speed; this proves every request is answered with its normal status and every
write is there afterwards.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx2

from tests.support import Tenant

WRITERS = 48
READERS = 16
ROUNDS = 3


def test_writers_and_readers_all_answered(live_server: str, tenant: Tenant) -> None:
    headers = tenant.headers
    seed = tenant.data(
        tenant.post("/v1/rewards", json={"name": "Seed", "rewardType": "points", "config": {"amount": 1}}), 201
    )["reward"]
    start = threading.Barrier(WRITERS + READERS)

    def write(i: int) -> list[tuple[str, int, Any]]:
        answers = []
        with httpx2.Client(base_url=live_server, timeout=60, headers=headers) as http:
            start.wait()
            for r in range(ROUNDS):
                label = http.post("/v1/labels", json={"name": f"label {i}-{r}"})
                answers.append(("label", label.status_code, label.json()))
                reward = http.post(
                    "/v1/rewards", json={"name": f"R {i}-{r}", "rewardType": "points", "config": {"amount": i + 1}}
                )
                answers.append(("reward", reward.status_code, reward.json()))
        return answers

    def read(_: int) -> list[tuple[str, int, Any]]:
        answers = []
        with httpx2.Client(base_url=live_server, timeout=60, headers=headers) as http:
            start.wait()
            for _ in range(ROUNDS * 2):
                one = http.get(f"/v1/rewards/{seed['rewardId']}")
                answers.append(("get", one.status_code, one.json()))
                page = http.get("/v1/labels", params={"limit": 10})
                answers.append(("list", page.status_code, page.json()))
        return answers

    with ThreadPoolExecutor(max_workers=WRITERS + READERS) as pool:
        writes = [pool.submit(write, i) for i in range(WRITERS)]
        reads = [pool.submit(read, i) for i in range(READERS)]
        written = [a for f in writes for a in f.result()]
        read_back = [a for f in reads for a in f.result()]

    for kind, status, body in written:
        assert status == 201, (kind, status, body)
        assert body["success"] is True
    for kind, status, body in read_back:
        assert status == 200, (kind, status, body)
        if kind == "get":
            assert body["data"]["rewardId"] == seed["rewardId"]

    labels = tenant.data(tenant.get("/v1/labels", params={"limit": 500}))
    assert labels["count"] == WRITERS * ROUNDS
    rewards = tenant.data(tenant.get("/v1/rewards", params={"limit": 500}))
    assert rewards["count"] == WRITERS * ROUNDS + 1


def test_a_read_after_a_committed_write_sees_it(live_server: str, tenant: Tenant) -> None:
    """Whichever connection serves it, a GET after a 201 sees the write (no cache on reads)."""
    with httpx2.Client(base_url=live_server, timeout=60, headers=tenant.headers) as http:
        for i in range(20):
            created = http.post("/v1/labels", json={"name": f"fresh {i}"})
            assert created.status_code == 201, created.text
            label_id = created.json()["data"]["label"]["id"]
            got = http.get(f"/v1/labels/{label_id}")
            assert got.status_code == 200, got.text
            renamed = http.put(f"/v1/labels/{label_id}", json={"name": f"renamed {i}"})
            assert renamed.status_code == 200, renamed.text
            assert http.get(f"/v1/labels/{label_id}").json()["data"]["name"] == f"renamed {i}"
