"""PostgreSQL's two drivers as Laurels runs them, side by side: CPU per transaction, no HTTP, no Laurels.

A unit of work on PostgreSQL runs in a unit thread on psycopg (kit/unit.py); the
hot reads run on the event loop on asyncpg (kit/reads.py). Before moving writes
from one to the other, this measures what the move could save at most: the same
transaction — BEGIN, ``--statements`` one-row selects by primary key, each a
prepared statement and each a round trip, COMMIT — run one after another from
a uvloop event loop:

- **psycopg, in a thread**: the transaction in a worker thread of the loop's
  executor (``run_in_executor``), as a unit runs, statements prepared
  server-side as psycopg prepares a unit's statements after a few runs;
- **asyncpg, on the loop**: the same statements awaited on the loop itself.

It prints the CPU (process time, all threads) and the wall time per transaction
of each, after ``--warmup`` transactions of each, and their ratio. Each runs
``--rounds`` times, alternated, so a machine that slows down midway shows in
both. Nothing is asserted. The table it reads is created in the database named
and dropped at the end.

    .venv/bin/python bench/drivers.py --database-url postgresql://laurels:laurels@127.0.0.1:5432/laurels_bench
        [--transactions 3000] [--statements 8] [--rounds 2]
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
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

import asyncpg
import psycopg
import uvloop
from common import print_machine
from sqlalchemy import make_url


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _measure(label: str, transaction: Callable[[], Awaitable[None]], count: int) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(count):
        await transaction()
    cpu_ms = 1000 * (time.process_time() - cpu) / count
    wall_ms = 1000 * (time.perf_counter() - wall) / count
    print(f"  {label:<24} {cpu_ms:8.3f} {wall_ms:8.3f}", flush=True)
    return cpu_ms, wall_ms


async def _run(args: argparse.Namespace) -> None:
    dsn = _dsn(args.database_url)
    selects = max(args.statements, 1)
    sync = psycopg.connect(dsn, autocommit=True)
    sync.execute("CREATE TABLE IF NOT EXISTS laurels_bench_drivers (id integer PRIMARY KEY, version integer NOT NULL)")
    sync.execute(
        "INSERT INTO laurels_bench_drivers SELECT n, 1 FROM generate_series(1, %s) n ON CONFLICT DO NOTHING",
        (selects,),
    )
    sync.autocommit = False
    loop = asyncio.get_running_loop()
    threads = ThreadPoolExecutor(4)
    select_ps = "SELECT id, version FROM laurels_bench_drivers WHERE id = %s"
    select_pg = "SELECT id, version FROM laurels_bench_drivers WHERE id = $1"

    def psycopg_unit() -> None:
        with sync.transaction(), sync.cursor() as cursor:
            for n in range(1, selects + 1):
                cursor.execute(select_ps, (n,), prepare=True)
                cursor.fetchall()

    async def psycopg_in_a_thread() -> None:
        await loop.run_in_executor(threads, psycopg_unit)

    conn = await asyncpg.connect(dsn)

    async def asyncpg_on_the_loop() -> None:
        await conn.execute("BEGIN")
        for n in range(1, selects + 1):
            await conn.fetch(select_pg, n)
        await conn.execute("COMMIT")

    try:
        for _ in range(args.warmup):
            await psycopg_in_a_thread()
            await asyncpg_on_the_loop()
        print(
            f"  one transaction: BEGIN, {selects} prepared one-row selects, COMMIT ({selects + 2} round trips); "
            f"mean of {args.transactions}"
        )
        print(f"  {'driver':<24} {'CPU ms':>8} {'wall ms':>8}")
        ratios = []
        for _ in range(args.rounds):
            threaded, _ = await _measure("psycopg, in a thread", psycopg_in_a_thread, args.transactions)
            looped, _ = await _measure("asyncpg, on the loop", asyncpg_on_the_loop, args.transactions)
            ratios.append(looped / threaded)
        print("  asyncpg's CPU / psycopg's, per round: " + ", ".join(f"{r:.0%}" for r in ratios))
    finally:
        await conn.close()
        threads.shutdown()
        sync.autocommit = True
        sync.execute("DROP TABLE IF EXISTS laurels_bench_drivers")
        sync.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database (a table is created and dropped)")
    parser.add_argument("--transactions", type=int, default=3000, help="measured, per driver per round")
    parser.add_argument("--warmup", type=int, default=300, help="transactions of each driver first")
    parser.add_argument("--statements", type=int, default=8, help="selects per transaction")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    print_machine()
    uvloop.run(_run(args))


if __name__ == "__main__":
    main()
