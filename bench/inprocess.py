"""CPU per request of Laurels' request path in one process, without HTTP: an A/B of the code alone.

The ASGI app is called directly (no socket, no uvicorn, no wrk), one request
after another, so what it prints is the app's own CPU per request — the
framework, authentication, the unit of work and the database driver — with
none of the machine's noise from load generators and server processes sharing
two cores. It is no throughput figure (bench/http.py and bench/issuance.py
are); it is what to alternate when deciding whether a change to the request
path saved CPU: run it on the working tree and with ``--rev`` on the commit
before, twice each, and compare.

For each path: a warm-up of a third as many requests (for grants, at least
1,000: one to each customer the grants go to), then ``--requests`` measured;
it prints the mean CPU time (process time, all threads) and wall time per
request, and on SQLite the CPU each spent holding the writer turn: the part of
a write no other writer of any worker can overlap, so a bound on SQLite's
write throughput under load (1,000 / turn ms per second).
Measured answers are checked by their status alone, so the client's work is
building the request, not parsing the answer. The database is a fresh SQLite
file unless ``--database-url`` names one (migrated first; it gets one more org
per run).

    .venv/bin/python bench/inprocess.py [--rev REV] [--database-url URL] [--requests 300] [--paths get,grant]
"""

from __future__ import annotations

import os
import sys

# Run as a script, this file puts bench/ first on sys.path, where bench/http.py would stand in
# for the standard library's http package: move bench/ behind it (as bench/http.py does).
if sys.path and os.path.realpath(sys.path[0] or ".") == os.path.dirname(os.path.realpath(__file__)):
    sys.path.append(sys.path.pop(0))

import argparse
import asyncio
import json
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from common import BRAND, REPO, USER, laurels, live_points_reward, print_machine, source

# The Laurels under test: the child process runs with the --rev's source first on its path.
from laurels.app import create_app

PATHS = ["get", "list", "capillary", "brands", "create", "grant"]


Answer = tuple[int, bytes]
Call = Callable[[str, str, "dict[str, Any] | None"], Awaitable[Answer]]
Request = tuple[int, str, str, Callable[[], "dict[str, Any] | None"]]


def _caller(app: Any, key: str) -> Call:
    """A request straight into the ASGI app: its status and body."""

    async def call(method: str, path: str, body: dict[str, Any] | None = None) -> Answer:
        path, _, query = path.partition("?")
        raw = b"" if body is None else json.dumps(body).encode()
        headers = [(b"host", b"bench"), (b"authorization", f"Bearer {key}".encode())]
        if body is not None:
            headers += [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
            "state": {},
        }
        sent = asyncio.Event()
        answer: dict[str, Any] = {"body": b""}

        async def receive() -> dict[str, Any]:
            if not sent.is_set():
                sent.set()
                return {"type": "http.request", "body": raw, "more_body": False}
            await asyncio.Event().wait()  # no disconnect: the app answers first
            raise AssertionError("unreachable")

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
            elif message["type"] == "http.response.body":
                answer["body"] += message.get("body", b"")

        await app(scope, receive, send)
        return answer["status"], answer["body"]

    return call


async def _expect(call: Call, status: int, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    got, content = await call(method, path, body)
    if got != status:
        raise SystemExit(f"{method} {path}: {got} {content[:300]!r}")
    return json.loads(content)


async def _seed(call: Call) -> dict[str, Request]:
    """A brand, 60 live rewards of it, a customer, and a points reward with limits to grant: each path's request."""
    await _expect(call, 201, "POST", "/v1/brands", {"name": BRAND})
    brand = (await _expect(call, 200, "GET", "/v1/brands"))["data"]["brands"][0]["brandId"]
    reward = live_points_reward(brand)
    first = ""
    for rank in range(1, 61):
        created = await _expect(call, 201, "POST", "/v1/rewards", {**reward, "rewardRank": rank})
        first = first or str(created["data"]["reward"]["id"])
    await _expect(call, 201, "PUT", f"/v1/customers/{USER}", {"country": 7})
    limit = {"kpi": "QUANTITY", "windowType": "FIXED", "repeatFrequencyType": "NO_LIMIT", "limit": 10**9}
    granted = {
        "name": "Granted",
        "rewardType": "points",
        "config": {"amount": 5},
        "restrictions": {"rewardLevel": [limit], "customerLevel": [limit]},
    }
    grant_id = (await _expect(call, 201, "POST", "/v1/rewards", granted))["data"]["reward"]["rewardId"]
    users = iter(range(10**9))
    capillary = f"/api_gateway/rewards/core/v1/user/reward/brand/{BRAND}?userId={USER}"
    return {
        "get": (200, "GET", f"/v1/rewards/{first}", lambda: None),
        "list": (200, "GET", "/v1/rewards?limit=50", lambda: None),
        "capillary": (200, "GET", capillary, lambda: None),
        "brands": (200, "GET", "/v1/brands", lambda: None),
        "create": (201, "POST", "/v1/rewards", lambda: reward),
        "grant": (201, "POST", "/v1/rewards/grant", lambda: {"rewardId": grant_id, "userId": f"u{next(users) % 1000}"}),
    }


class _TurnTimer:
    """The CPU a writer spends holding SQLite's writer turn: from the moment it has it to the moment
    it gives it back, on the thread that holds it (a unit takes and gives back its turn on one
    thread), so another process's load does not inflate it. The app calls the queue's methods by
    name (kit/db.py, kit/unit.py), so timed versions set on the instance are the ones it calls; the
    checkpointer's ``with`` is not timed. No other writer of any worker can overlap this time:
    under load SQLite's writes can go no faster than one per it."""

    def __init__(self, queue: Any) -> None:
        self.held = 0.0
        self._since: float | None = None
        enter, enter_async, leave = queue.__enter__, queue.enter_async, queue.__exit__

        def timed_enter() -> None:
            enter()
            self._since = time.thread_time()

        async def timed_enter_async() -> None:
            await enter_async()
            self._since = time.thread_time()

        def timed_exit(*exc: object) -> None:
            if self._since is not None:
                self.held += time.thread_time() - self._since
                self._since = None
            leave(*exc)

        queue.__enter__, queue.enter_async, queue.__exit__ = timed_enter, timed_enter_async, timed_exit


def _child(args: argparse.Namespace) -> None:
    app = create_app()
    call = _caller(app, os.environ["BENCH_API_KEY"])
    queue = app.state.db.write_lock
    turn = _TurnTimer(queue) if queue is not None else None

    async def run() -> None:
        async with app.router.lifespan_context(app):
            requests = await _seed(call)
            print(
                f"  {'path':10} {'CPU ms':>8} {'wall ms':>8} {'turn ms':>8}  per request, mean of {args.requests}"
                + (" (turn: CPU holding SQLite's writer turn)" if turn else " (turn: SQLite only)")
            )
            for name in args.paths.split(","):
                status, method, path, body = requests[name]
                # Grants go to 1,000 customers in turn: a warm-up of at least that many makes every
                # measured grant one to a customer who exists, whatever --requests is.
                warm_up = max(1, args.requests // 3, 1000 if name == "grant" else 0)
                for _ in range(warm_up):
                    await _expect(call, status, method, path, body())
                held = turn.held if turn else 0.0
                cpu, wall = time.process_time(), time.perf_counter()
                for _ in range(args.requests):
                    # The status alone: decoding a page of 50 here would cost more than serving it.
                    got, content = await call(method, path, body())
                    if got != status:
                        raise SystemExit(f"{method} {path}: {got} {content[:300]!r}")
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                turn_ms = f"{1000 * (turn.held - held) / args.requests:8.3f}" if turn else f"{'-':>8}"
                print(f"  {name:10} {1000 * cpu / args.requests:8.3f} {1000 * wall / args.requests:8.3f} {turn_ms}")

    asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", help="measure this git revision of Laurels instead of the working tree")
    parser.add_argument("--database-url", help="a database to use instead of a fresh SQLite file")
    parser.add_argument("--requests", type=int, default=300, help="measured requests per path")
    parser.add_argument("--paths", default=",".join(PATHS), help=f"comma-separated, of: {','.join(PATHS)}")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    unknown = set(args.paths.split(",")) - set(PATHS)
    if unknown:
        parser.error(f"unknown paths: {', '.join(sorted(unknown))}")
    if args.child:
        _child(args)
        return
    print_machine()
    with tempfile.TemporaryDirectory(prefix="laurels-bench-inprocess-") as tmp_name:
        tmp = Path(tmp_name)
        env, which = source(args.rev, tmp)
        print(which)
        env["LAURELS_DATABASE_URL"] = args.database_url or f"sqlite:///{tmp}/bench.db"
        laurels(env, tmp, "db", "upgrade")
        env["BENCH_API_KEY"] = laurels(env, tmp, "org", "create", "--name", f"Bench {time.time_ns()}")["apiKey"]
        command = [sys.executable, str(Path(__file__).resolve()), "--child", "--requests", str(args.requests)]
        subprocess.run([*command, "--paths", args.paths], env=env, cwd=REPO, check=True)


if __name__ == "__main__":
    main()
