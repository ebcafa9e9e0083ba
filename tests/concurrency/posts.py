"""Racing POSTs: ``CONCURRENCY`` threads, each with its own connection, released together by one barrier."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx2

from tests.support import Tenant

CONCURRENCY = 48
TIMEOUT = 60

Outcome = tuple[int, str | None]  # the status, and a refusal's error code


def race_posts(base_url: str, tenant: Tenant, posts: Sequence[tuple[str, dict[str, Any]]]) -> Counter[Outcome]:
    """Send every (path, body), ``CONCURRENCY`` in flight from the first to the last; tally the outcomes."""
    start = threading.Barrier(CONCURRENCY)

    def worker(first: int) -> list[Outcome]:
        outcomes: list[Outcome] = []
        with httpx2.Client(base_url=base_url, timeout=TIMEOUT, headers=tenant.headers) as http:
            start.wait(TIMEOUT)
            for path, body in posts[first::CONCURRENCY]:
                try:
                    response = http.post(path, json=body)
                except httpx2.TransportError as exc:
                    outcomes.append((0, type(exc).__name__))
                    continue
                error = None if response.is_success else response.json()["error"]["code"]
                outcomes.append((response.status_code, error))
        return outcomes

    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        return Counter(o for outcomes in pool.map(worker, range(CONCURRENCY)) for o in outcomes)
