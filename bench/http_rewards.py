"""Throughput of the hot catalog paths over real HTTP, on this machine.

Starts `laurels serve` on loopback (a fresh SQLite file, or LAURELS_DATABASE_URL
if set and already migrated), creates an org and a reward, then loads each path
and prints requests/second and latency. Nothing here is asserted: it prints figures.

The load comes from `wrk` (Debian package wrk) when it is installed, for
--seconds per path with --connections; otherwise from Python client threads
(--requests per path), which on a small machine measure the client as much as
the server.

    .venv/bin/python bench/http_rewards.py [--seconds 8] [--connections 64] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
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


def _wrk(name: str, url: str, headers: dict[str, str], args: argparse.Namespace, body: str | None = None) -> None:
    command = ["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds}s", "--latency"]
    for header, value in headers.items():
        command += ["-H", f"{header}: {value}"]
    if body is not None:
        script = Path(tempfile.mkstemp(suffix=".lua")[1])
        script.write_text(
            f'wrk.method = "POST"\nwrk.body = {json.dumps(body)}\nwrk.headers["Content-Type"] = "application/json"\n'
        )
        command += ["-s", str(script)]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"50%\s+([\d.]+\w+)", output)
    p99 = re.search(r"99%\s+([\d.]+\w+)", output)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    print(
        f"{name:<28} {float(rps.group(1)) if rps else 0:8.0f} req/s   p50 {p50.group(1) if p50 else '?':>8}"
        f"   p99 {p99.group(1) if p99 else '?':>8}   errors {errors.group(1) if errors else 0}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8, help="per path, with wrk")
    parser.add_argument("--connections", type=int, default=64, help="with wrk")
    parser.add_argument("--requests", type=int, default=2000, help="per path, without wrk")
    parser.add_argument("--clients", type=int, default=16, help="threads, without wrk")
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
        load = "wrk" if shutil.which("wrk") else "python threads"
        print(f"database: {where}   server workers: {args.workers}   load: {load}")
        one = f"{base}/v1/rewards/{reward['rewardId']}"
        if shutil.which("wrk"):
            # The floor: one trivial query, no authentication.
            _wrk("GET /healthz (floor)", f"{base}/healthz", {}, args)
            _wrk("GET /v1/rewards/{id}", one, headers, args)
            _wrk("GET /v1/rewards (page)", f"{base}/v1/rewards", headers, args)
            _wrk("POST /v1/rewards", f"{base}/v1/rewards", headers, args, body=json.dumps(body))
            return
        _drive(
            "GET /healthz (floor)", args.requests, args.clients, lambda http, _: http.get(f"{base}/healthz").status_code
        )
        _drive(
            "GET /v1/rewards/{id}",
            args.requests,
            args.clients,
            lambda http, _: http.get(one, headers=headers).status_code,
        )
        _drive(
            "GET /v1/rewards (page)",
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
