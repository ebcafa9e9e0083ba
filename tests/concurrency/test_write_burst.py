"""A burst of concurrent writers queues instead of failing ("database is locked" on SQLite)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx2

from tests.support import Tenant

WRITERS = 40


def test_concurrent_creates_all_succeed(live_server: str, tenant: Tenant) -> None:
    headers = tenant.headers

    def create(i: int) -> int:
        body = {"name": f"Burst {i}", "rewardType": "points", "config": {"amount": i + 1}}
        with httpx2.Client(base_url=live_server, timeout=60) as http:
            return http.post("/v1/rewards", json=body, headers=headers).status_code

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        statuses = list(pool.map(create, range(WRITERS)))
    assert statuses == [201] * WRITERS
    listed = tenant.data(tenant.get("/v1/rewards", params={"limit": 500}))
    assert listed["count"] == WRITERS


def test_racing_creates_of_one_reward_id_make_one_reward(live_server: str, tenant: Tenant) -> None:
    headers = tenant.headers
    body = {"rewardId": "rew_race", "name": "Race", "rewardType": "points", "config": {"amount": 1}}

    def create(_: int) -> int:
        with httpx2.Client(base_url=live_server, timeout=60) as http:
            return http.post("/v1/rewards", json=body, headers=headers).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = sorted(pool.map(create, range(20)))
    assert statuses == [201] + [409] * 19
    assert tenant.data(tenant.get("/v1/rewards"))["count"] == 1


def test_concurrent_edits_of_one_reward_queue_and_all_apply(live_server: str, tenant: Tenant) -> None:
    body = {"name": "Edited", "rewardType": "points", "config": {"amount": 1}}
    reward = tenant.data(tenant.post("/v1/rewards", json=body), 201)["reward"]
    headers = tenant.headers

    def edit(i: int) -> int:
        with httpx2.Client(base_url=live_server, timeout=60) as http:
            update = {"name": f"Edit {i}", "metadata": {"edit": i}}
            return http.put(f"/v1/rewards/{reward['rewardId']}", json=update, headers=headers).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(edit, range(20)))
    assert statuses == [200] * 20
    final = tenant.data(tenant.get(f"/v1/rewards/{reward['rewardId']}"))
    # Name and metadata come from the same request: edits never interleave.
    assert final["name"] == f"Edit {final['metadata']['edit']}"
