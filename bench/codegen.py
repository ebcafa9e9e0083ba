"""How fast code pools fill, and how long they keep other writers waiting, over real HTTP.

Starts `laurels serve` on loopback on a fresh SQLite file (and, with
--database-url, on that PostgreSQL database too), migrates it, creates
an org with the CLI, warms up, then times on a fresh pool each:

- generating --count random codes (`POST /v1/code-pools/{id}/codes/generate`,
  in as few requests as the per-request maximum allows);
- a bulk JSON import of --count codes (`POST .../codes`, requests of
  --import-batch codes);
- the same import as CSV files (`POST .../codes/csv`).

While each runs, a second client creates brands in a loop (`POST /v1/brands`):
the slowest of those shows how long one code request held other writers out
(on SQLite, the write lock). Nothing is asserted: it prints figures.

    .venv/bin/python bench/codegen.py [--count 100000] [--database-url postgresql://...]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import httpx2

# What the server takes in one request (see docs/api.md, code pools).
GENERATE_MAX = 100_000
IMPORT_MAX = 10_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _laurels(env: dict[str, str], *args: str) -> dict[str, object]:
    out = subprocess.run([sys.executable, "-m", "laurels", *args], env=env, capture_output=True, text=True, check=True)
    result: dict[str, object] = json.loads(out.stdout)
    return result


@contextmanager
def _server(env: dict[str, str], workers: int) -> Iterator[str]:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "laurels", "serve", "--port", str(port), "--workers", str(workers)],
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
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


@dataclass
class Bystander:
    """Creates brands one after another until stopped, recording each request's latency."""

    http: httpx2.Client
    headers: dict[str, str]
    label: str
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        i = 0
        while not self._stop.is_set():
            began = time.perf_counter()
            response = self.http.post("/v1/brands", json={"name": f"{self.label} {i}"}, headers=self.headers)
            self.latencies.append(time.perf_counter() - began)
            if response.status_code != 201:
                self.failures.append(f"{response.status_code} {response.text[:120]}")
            i += 1

    @contextmanager
    def alongside(self) -> Iterator[None]:
        thread = threading.Thread(target=self.run, daemon=True)
        thread.start()
        try:
            yield
        finally:
            self._stop.set()
            thread.join(timeout=120)


def _timed(name: str, count: int, base: str, headers: dict[str, str], action: Callable[[httpx2.Client], None]) -> None:
    with httpx2.Client(base_url=base, timeout=300) as http, httpx2.Client(base_url=base, timeout=300) as other:
        bystander = Bystander(other, headers, f"{name} {time.monotonic_ns()}")
        with bystander.alongside():
            began = time.perf_counter()
            action(http)
            elapsed = time.perf_counter() - began
    lat = bystander.latencies or [0.0]
    print(
        f"{name:<34} {count:>7} codes {elapsed:7.2f} s {count / elapsed:9.0f} codes/s"
        f"   | POST /v1/brands alongside: {len(bystander.latencies):4} done, "
        f"p50 {statistics.median(lat) * 1000:7.1f} ms, max {max(lat) * 1000:7.1f} ms, "
        f"failed {len(bystander.failures)}"
    )
    for failure in bystander.failures[:3]:
        print(f"    brand failure: {failure}")


def _check(response: httpx2.Response) -> dict[str, Any]:
    if response.status_code >= 400:
        raise SystemExit(f"{response.request.method} {response.request.url}: {response.status_code} {response.text}")
    data: dict[str, Any] = response.json()["data"]
    return data


def _added(data: dict[str, Any], expected: int) -> None:
    if data["added"] != expected:
        raise SystemExit(f"expected {expected} codes added, the server answered {data}")


def _pool(http: httpx2.Client, headers: dict[str, str], name: str) -> str:
    created = _check(http.post("/v1/code-pools", json={"name": name}, headers=headers))
    return str(created["codePool"]["codePoolId"])


def _generate(http: httpx2.Client, headers: dict[str, str], pool_id: str, count: int) -> None:
    for start in range(0, count, GENERATE_MAX):
        n = min(GENERATE_MAX, count - start)
        body = {"count": n, "length": 12}
        data = _check(http.post(f"/v1/code-pools/{pool_id}/codes/generate", json=body, headers=headers))
        _added(data, n)


def _codes(tag: str, count: int) -> list[str]:
    return [f"{tag}-{i:08d}" for i in range(count)]


def _import_json(http: httpx2.Client, headers: dict[str, str], pool_id: str, codes: list[str], batch: int) -> None:
    for start in range(0, len(codes), batch):
        chunk = codes[start : start + batch]
        data = _check(http.post(f"/v1/code-pools/{pool_id}/codes", json={"codes": chunk}, headers=headers))
        _added(data, len(chunk))


def _import_csv(http: httpx2.Client, headers: dict[str, str], pool_id: str, codes: list[str], batch: int) -> None:
    for start in range(0, len(codes), batch):
        chunk = codes[start : start + batch]
        content = ("code\n" + "\n".join(chunk) + "\n").encode()
        files = {"file": ("codes.csv", content, "text/csv")}
        data = _check(http.post(f"/v1/code-pools/{pool_id}/codes/csv", files=files, headers=headers))
        _added(data, len(chunk))


def _run(env: dict[str, str], args: argparse.Namespace) -> None:
    _laurels(env, "db", "upgrade")
    org = _laurels(env, "org", "create", "--name", "Bench codegen")
    headers = {"Authorization": f"Bearer {org['apiKey']}"}
    with _server(env, args.workers) as base, httpx2.Client(base_url=base, timeout=300) as http:
        where = env["LAURELS_DATABASE_URL"].split("@")[-1]
        print(f"database: {where}   server workers: {args.workers}")
        # Warm up: imports, the first request of each route, the database's caches.
        warm = _pool(http, headers, "warm-up")
        _generate(http, headers, warm, 2_000)
        _import_json(http, headers, warm, _codes("WJ", 2_000), 1_000)
        _import_csv(http, headers, warm, _codes("WC", 2_000), 1_000)

        for _ in range(args.rounds):
            pool = _pool(http, headers, "generate")
            generate = partial(_generate, headers=headers, pool_id=pool, count=args.count)
            _timed("generate", args.count, base, headers, generate)
            codes = _codes("J", args.count)
            pool = _pool(http, headers, "json")
            batch = args.import_batch
            json_import = partial(_import_json, headers=headers, pool_id=pool, codes=codes, batch=batch)
            _timed(f"JSON import ({batch}/request)", args.count, base, headers, json_import)
            pool = _pool(http, headers, "csv")
            csv_import = partial(_import_csv, headers=headers, pool_id=pool, codes=codes, batch=batch)
            _timed(f"CSV import ({batch}/request)", args.count, base, headers, csv_import)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000, help="codes per timed operation")
    parser.add_argument("--import-batch", type=int, default=IMPORT_MAX, help="codes per import request")
    parser.add_argument("--rounds", type=int, default=2, help="timed rounds per database")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", help="also run on this (PostgreSQL) database; it is migrated first")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    print(f"machine: {platform.node()}  {os.cpu_count()} cores  Python {platform.python_version()}")

    if not args.skip_sqlite:
        tmp = Path(tempfile.mkdtemp(prefix="laurels-bench-"))
        _run({**os.environ, "LAURELS_DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}"}, args)
    if args.database_url:
        _run({**os.environ, "LAURELS_DATABASE_URL": args.database_url}, args)


if __name__ == "__main__":
    main()
