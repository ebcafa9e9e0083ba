"""Throughput of the hot catalog paths over real HTTP, on this machine.

Starts `laurels serve` on loopback (a fresh SQLite file, or LAURELS_DATABASE_URL
if set and already migrated), creates an org and a few rewards, then drives a
bounded number of requests from client threads and prints requests/second and
latency percentiles for each path. Nothing here is asserted: it prints figures.

    .venv/bin/python bench/http_rewards.py [--requests 2000] [--clients 16] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _laurels(env: dict[str, str], *args: str) -> dict[str, object]:
    out = subprocess.run([sys.executable, "-m", "laurels", *args], env=env, capture_output=True, text=True, check=True)
    result: dict[str, object] = json.loads(out.stdout)
    return result


def _drive(name: str, requests: int, clients: int, call: Callable[[httpx2.Client, int], int]) -> None:
    latencies: list[float] = []
    failures = 0

    def worker(start: int) -> tuple[list[float], int]:
        own, bad = [], 0
        with httpx2.Client(timeout=30) as http:
            for i in range(start, requests, clients):
                began = time.perf_counter()
                status = call(http, i)
                own.append(time.perf_counter() - began)
                bad += status >= 400
        return own, bad

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        for own, bad in pool.map(worker, range(clients)):
            latencies += own
            failures += bad
    elapsed = time.perf_counter() - began
    q = statistics.quantiles(latencies, n=100)
    print(
        f"{name:<28} {requests / elapsed:8.0f} req/s   p50 {q[49] * 1000:6.1f} ms   p99 {q[98] * 1000:6.1f} ms"
        f"   errors {failures}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="laurels-bench-"))
    env = {**os.environ}
    env.setdefault("LAURELS_DATABASE_URL", f"sqlite:///{tmp / 'bench.db'}")
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "laurels", "serve", "--port", str(port), "--workers", str(args.workers)],
        env=env,
        stderr=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx2.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("server did not start")
            time.sleep(0.2)
        org = _laurels(env, "org", "create", "--name", "Bench")
        headers = {"Authorization": f"Bearer {org['apiKey']}"}
        body = {"name": "Bench points", "rewardType": "points", "config": {"amount": 10}}
        reward = httpx2.post(f"{base}/v1/rewards", json=body, headers=headers).json()["data"]["reward"]
        where = env["LAURELS_DATABASE_URL"].split("@")[-1]
        print(f"database: {where}   workers: {args.workers}   clients: {args.clients}")
        _drive(
            "GET /v1/rewards/{id}",
            args.requests,
            args.clients,
            lambda http, _: http.get(f"{base}/v1/rewards/{reward['rewardId']}", headers=headers).status_code,
        )
        _drive(
            "GET /v1/rewards (page of 50)",
            args.requests // 4,
            args.clients,
            lambda http, _: http.get(f"{base}/v1/rewards", headers=headers).status_code,
        )
        _drive(
            "POST /v1/rewards",
            args.requests // 4,
            args.clients,
            lambda http, i: (
                http.post(f"{base}/v1/rewards", json={**body, "name": f"R{i}"}, headers=headers).status_code
            ),
        )
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
