"""Issuing under load: grants and purchases over real HTTP, the exact count after them, and their SQL in pgbench.

Two scenarios (--scenarios, both by default), each a request the issuance
pipeline serves:

- **grant**: POST /v1/rewards/grant of a points reward (5 points, no brand)
  to a random customer: a points credit, the issuance, a ledger entry, two
  limit counters;
- **purchase**: POST /v1/rewards/{rewardId}/purchase of a product reward
  (one unit of a product whose stock is 10^9) paid with 40 points
  (paymentMode POINTS) by a random customer: the reward's audience judged,
  a points debit, the stock taken, the issuance, a ledger entry, two limit
  counters.

Both rewards have one reward-level limit (QUANTITY, lifetime, 10^9) and one
customer-level limit (QUANTITY, FIXED window of 1 day, 10^6), so high that
nothing is refused under this load.

For SQLite (a fresh file) and, with --postgres URL, for PostgreSQL (migrated
with `laurels db upgrade`; a database may be reused, each run creates its own
org), this:

1. starts `laurels serve --workers N` and seeds it: --users customers, user
   ids 1..N (the first created over HTTP, the others copied from it in SQL, so
   that every request under load finds its customer and runs the same SQL),
   each, when purchases are measured, with an opening balance of 10^12 points
   (one ledger adjustment each, written in SQL), and each scenario's reward;
2. for each scenario, drives it with wrk (--connections, --threads): every
   request issues that reward to a random customer (Lua's math.random, seeded per wrk thread),
   --warmup seconds, then --seconds measured. A phase does not cut grants off
   in flight: after its seconds each connection stops sending, and wrk is
   stopped (SIGINT) once every grant sent has been answered, so the client,
   the server's access log and the database can be counted against each
   other exactly. Issued/s is the 201 answers over the seconds from wrk's
   start to the last answer;
3. counts, after each scenario's load: the 201s the server answered (its
   access log, all phases), the 201s wrk received, the issuances recorded,
   the reward-level counter's `used`, the customer-level counters' `used`
   summed, the points ledger's entries for those issuances and their sum
   (credits of 5, or debits of 40) and, for purchases, the stock taken
   (direct SQL on the database), and prints OK when all agree, else each
   figure. On PostgreSQL it also
   samples pg_stat_activity while the load is measured: what the backends
   wait for (a row lock another grant holds, their client, ...);
4. with --pgbench (PostgreSQL only), for each scenario: captures the SQL one request executes
   (Laurels in a child process, in-process through FastAPI's TestClient,
   SQLAlchemy's cursor events recording each statement, its parameters, what
   it returned and when; a customer who already has issuances of the reward,
   as under load), prints it with where that request's time went, renders it as a
   pgbench script in the same transaction shape (BEGIN, the statements,
   COMMIT) with every value a bound parameter, as Laurels sends them: the
   customer a random one of the same --users per transaction, values an
   earlier statement returned (the customer's id, the issuance's id, the new
   balance) passed on with \\gset, a unique value per transaction where
   Laurels makes one (the transaction id), the captured value otherwise; runs
   it with `pgbench -n -M prepared -c 8 -j 2` for --seconds against the same
   database (on a second reward of the same kind), and prints tps, the ratio
   of Laurels' issued/s to it, and whether pgbench's transactions wrote what
   Laurels' requests write (issuances, counters, ledger and stock moved by one
   each).

Nothing is asserted: it prints figures, and exits 0. The load average is
printed before each phase: on a busy machine absolute figures move.

    .venv/bin/python bench/issuance.py [--postgres postgresql://laurels:laurels@127.0.0.1:5432/laurels_bench]
        [--scenarios grant,purchase] [--seconds 20] [--warmup 5] [--connections 64] [--workers 2]
        [--users 10000] [--pgbench] [--rev HEAD]
"""

from __future__ import annotations

import os
import sys

# Run as a script, this file puts bench/ first on sys.path, where bench/http.py
# would stand in for the standard library's http package (httpx2 imports it
# through urllib): move bench/ behind the standard library before anything
# imports http; the shared helpers (bench/common.py) are still found there.
if sys.path and os.path.realpath(sys.path[0] or ".") == os.path.dirname(os.path.realpath(__file__)):
    sys.path.append(sys.path.pop(0))

import argparse
import contextlib
import functools
import json
import re
import shlex
import signal
import subprocess
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
from common import (
    ACCESS_LINE,
    PGBENCH,
    Figure,
    Server,
    cpu_seconds,
    laurels,
    load_average,
    lua,
    ok,
    print_machine,
    read_from,
    serving,
    source,
    wrk_command,
    wrk_figure,
)
from sqlalchemy import Engine, create_engine, event, make_url, text

GRANT_PATH = "/v1/rewards/grant"
AMOUNT = 5  # points a grant credits
PRICE = 40  # points a purchase debits
STOCK = 10**9  # the purchased product's stock (products.stock is a 32-bit integer)
BALANCE = 10**12  # every customer's opening balance when purchases are measured
REWARD_LIMIT = 10**9
CUSTOMER_LIMIT = 10**6
RESTRICTIONS = {
    "rewardLevel": [
        {"kpi": "QUANTITY", "windowType": "FIXED", "repeatFrequencyType": "NO_LIMIT", "limit": REWARD_LIMIT}
    ],
    "customerLevel": [
        {
            "kpi": "QUANTITY",
            "windowType": "FIXED",
            "repeatFrequencyType": "DAYS",
            "interval": 1,
            "limit": CUSTOMER_LIMIT,
        }
    ],
}
# The customer_pk of a reward-level counter (laurels.issuance.models.EVERY_CUSTOMER).
EVERY_CUSTOMER = 0
# Two customers outside the load's 1..N whose grants are captured: fresh, so that the balances
# their requests return differ (see WARM_UP), and every value a statement passes on from an
# earlier one is told apart from a constant.
CAPTURE_USERS = ("capture-a", "capture-b")
CAPTURE_FUNDS = 10**9  # an adjustment's largest amount: the capture's buyers are funded over HTTP
PGBENCH_CLIENTS = 8
# A transaction id pgbench makes per transaction: 18 random digits (Laurels: txn_ and 32 hex digits).
UNIQUE_RANGE = "100000000000000000, 999999999999999999"


@dataclass(frozen=True)
class Scenario:
    """One kind of request under load: what it posts, and what each one it issues leaves behind."""

    name: str
    points: int  # what each issuance moves on the customer's ledger: + credited, - debited
    takes_stock: bool
    body: str  # Lua: the request body, from `reward` and a random customer `user`

    def path(self, reward_id: str) -> str:
        return GRANT_PATH if self.name == "grant" else f"/v1/rewards/{reward_id}/purchase"

    def request(self, reward_id: str, user: str) -> dict[str, str]:
        """The body as the capture sends it (the same JSON the Lua writes)."""
        if self.name == "grant":
            return {"rewardId": reward_id, "userId": user}
        return {"userId": user, "paymentMode": "POINTS"}


SCENARIOS = {
    "grant": Scenario("grant", AMOUNT, False, """'{"rewardId":"' .. reward .. '","userId":"' .. user .. '"}'"""),
    "purchase": Scenario("purchase", -PRICE, True, """'{"userId":"' .. user .. '","paymentMode":"POINTS"}'"""),
}


# ---- seeding ---------------------------------------------------------------------------------------------


@dataclass
class Seeded:
    headers: dict[str, str]
    reward_id: str  # the reward under load
    reward_pk: int
    replay_reward_id: str  # its twin, whose requests are captured and replayed in pgbench
    replay_reward_pk: int
    product_ids: tuple[str, str] | None = None  # the products the two rewards deliver (purchase)


def _engine(url: str) -> Engine:
    """SQLAlchemy on the database under test, for seeding customers and counting (psycopg on PostgreSQL)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed)


def _libpq(url: str) -> str:
    """The URL as libpq (pgbench) reads it: no SQLAlchemy driver name."""
    return re.sub(r"^postgres(ql)?\+\w+://", "postgresql://", url)


def _customers(base: str, headers: dict[str, str], org_id: str, url: str, users: int, *, funded: bool) -> None:
    """Customers 1..users; with ``funded``, each with an opening balance of BALANCE points."""
    with httpx2.Client(base_url=base, headers=headers, timeout=60) as http:
        ok(http.put("/v1/customers/1", json={}), 201)
    # The other customers are copies of the first, column for column (one INSERT … SELECT per
    # customer, sent in one batch): creating 10,000 over HTTP would take longer than the load.
    engine = _engine(url)
    try:
        with engine.begin() as conn:
            first = conn.execute(
                text("SELECT id FROM customers WHERE org_id = :org AND user_id = '1'"), {"org": org_id}
            ).scalar_one()
            names = conn.execute(text("SELECT * FROM customers WHERE id = :id"), {"id": first}).keys()
            columns = ", ".join(c for c in names if c not in ("id", "user_id"))
            copy = text(
                f"INSERT INTO customers ({columns}, user_id) "  # noqa: S608 (column names read from the table)
                f"SELECT {columns}, CAST(:user_id AS VARCHAR) FROM customers WHERE id = :id"
            )
            conn.execute(copy, [{"user_id": str(n), "id": first} for n in range(2, users + 1)])
            if funded:
                # What an operator's adjustment writes, so that `laurels check` finds every balance
                # equal to its ledger; the customer's own timestamps stand for the adjustment's.
                fund = {"org": org_id, "balance": BALANCE}
                conn.execute(
                    text(
                        "INSERT INTO points_accounts (customer_pk, org_id, balance, updated_at)"
                        " SELECT id, org_id, :balance, updated_at FROM customers WHERE org_id = :org"
                    ),
                    fund,
                )
                conn.execute(
                    text(
                        "INSERT INTO points_entries (org_id, customer_pk, kind, amount, balance_after, reason,"
                        " created_at) SELECT org_id, id, 'adjustment', :balance, :balance,"
                        " 'bench/issuance.py: opening balance', created_at FROM customers WHERE org_id = :org"
                    ),
                    fund,
                )
    finally:
        engine.dispose()


def _rewards(base: str, headers: dict[str, str], scenario: Scenario) -> Seeded:
    """The scenario's reward under load and its twin for pgbench (each with a product of its own)."""
    body: dict[str, Any] = {
        "name": f"Bench {scenario.name}",
        "description": "Issued under load by bench/issuance.py",
        "restrictions": RESTRICTIONS,
    }
    if scenario.name == "grant":
        body |= {"rewardType": "points", "config": {"amount": AMOUNT}}
    else:
        body |= {"rewardType": "product", "paymentConfigs": [{"paymentMode": "POINTS", "points": PRICE}]}
    stamp = time.strftime("%Y%m%d%H%M%S")
    products = (f"bench-{stamp}", f"bench-{stamp}-pgbench")
    made = []
    with httpx2.Client(base_url=base, headers=headers, timeout=60) as http:
        for suffix, product in zip(("", " (pgbench)"), products, strict=True):
            if scenario.takes_stock:
                item = {"productId": product, "sku": product, "name": f"Bench stock{suffix}", "stock": STOCK}
                ok(http.post("/v1/products", json=item), 201)
                body["config"] = {"productId": product, "quantity": 1}
            made.append(ok(http.post("/v1/rewards", json={**body, "name": body["name"] + suffix}), 201))
    loaded, replayed = (r.json()["data"]["reward"] for r in made)
    return Seeded(
        headers,
        loaded["rewardId"],
        int(loaded["id"]),
        replayed["rewardId"],
        int(replayed["id"]),
        products if scenario.takes_stock else None,
    )


# ---- load ------------------------------------------------------------------------------------------------


def _script(where: Path, tag: str, scenario: Scenario, reward_id: str, users: int) -> tuple[Path, Path, Path, Path]:
    """The wrk script of one phase, and the files it is told to stop by, and reports through."""
    stop, done, totals = where / f"{tag}.stop", where / f"{tag}.done.", where / f"{tag}.totals"
    script = where / f"{tag}.lua"
    # setup() runs in wrk's main Lua state, once per thread before the thread starts; each thread
    # has a Lua state of its own (its globals are its counters, read back in done()). wrk calls
    # delay() once before each request it writes, request() to make it, response() for each
    # answer; once the stop file exists, a connection that is answered sends nothing more, and
    # the thread stops when all it sent has been answered. Requests are counted in delay():
    # wrk also calls request() once before the load starts, to check what it returns.
    script.write_text(
        f"local reward = {lua(reward_id)}\n"
        f"local path = {lua(scenario.path(reward_id))}\n"
        f"local users = {users}\n"
        f"local stop_file = {lua(str(stop))}\n"
        f"local done_prefix = {lua(str(done))}\n"
        f"local totals_file = {lua(str(totals))}\n"
        "local threads = {}\n"
        "\n"
        "function setup(thread)\n"
        "  table.insert(threads, thread)\n"
        "  thread:set('id', #threads)\n"
        "end\n"
        "\n"
        "function init(args)\n"
        "  math.randomseed(os.time() * 1000 + id * 7919)\n"
        "  sent, received, issued, other, stopping, finished = 0, 0, 0, 0, false, false\n"
        "  -- wrk.format uses the table it is given instead of wrk.headers: copy -H's in.\n"
        "  post_headers = {}\n"
        "  for k, v in pairs(wrk.headers) do post_headers[k] = v end\n"
        '  post_headers["Content-Type"] = "application/json"\n'
        "end\n"
        "\n"
        "function delay()\n"
        "  if stopping then return 3600000 end\n"
        "  sent = sent + 1\n"
        "  return 0\n"
        "end\n"
        "\n"
        "function request()\n"
        "  local user = math.random(users)\n"
        f"  local body = {scenario.body}\n"
        '  return wrk.format("POST", path, post_headers, body)\n'
        "end\n"
        "\n"
        "function response(status, headers, body)\n"
        "  received = received + 1\n"
        "  if status == 201 then issued = issued + 1 else other = other + 1 end\n"
        "  if not stopping then\n"
        '    local told = io.open(stop_file, "r")\n'
        "    if told then told:close(); stopping = true end\n"
        "  end\n"
        "  if stopping and received == sent and not finished then\n"
        "    finished = true\n"
        '    local marker = io.open(done_prefix .. id, "w")\n'
        "    marker:close()\n"
        "    wrk.thread:stop()\n"
        "  end\n"
        "end\n"
        "\n"
        "function done(summary, latency, requests)\n"
        '  local out = io.open(totals_file, "w")\n'
        "  for _, t in ipairs(threads) do\n"
        '    out:write(string.format("%d %d %d %d %s\\n", t:get("sent"), t:get("received"), t:get("issued"),\n'
        '      t:get("other"), tostring(t:get("finished"))))\n'
        "  end\n"
        "  out:close()\n"
        "end\n"
    )
    return script, stop, done, totals


@dataclass
class Phase:
    figure: Figure
    sent: int = 0  # what wrk sent, received, and of what it received the 201s and the rest
    received: int = 0
    issued: int = 0
    other: int = 0
    complete: bool = False  # every thread stopped with all it sent answered
    ended_s: float = 0.0  # from "stop sending" to the last answer
    server_cpu_ms: float | None = None  # CPU of Laurels' processes per 201, over the phase
    database_cpu_ms: float | None = None  # CPU of PostgreSQL's processes per 201 (PostgreSQL only)


def _phase(
    server: Server,
    label: str,
    *,
    tag: str,
    seconds: int,
    scenario: Scenario,
    seeded: Seeded,
    args: argparse.Namespace,
    tmp: Path,
    postgres: bool,
) -> Phase:
    script, stop, done, totals = _script(tmp, tag, scenario, seeded.reward_id, args.users)
    # wrk's own duration only bounds a phase whose last grants never come back.
    command = [*wrk_command(args, seeded.headers, script), f"-d{seconds + args.timeout + 10}s"]
    command.append(server.base + scenario.path(seeded.reward_id))
    server.mark()
    cpu_before = cpu_seconds(server.process.pid), cpu_seconds(command_prefix="postgres:") if postgres else 0.0
    began = time.monotonic()
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as wrk:
        while wrk.poll() is None and time.monotonic() < began + seconds:
            time.sleep(0.02)
        stop.touch()
        stopping = time.monotonic()
        while wrk.poll() is None and len(list(tmp.glob(f"{done.name}*"))) < args.threads:
            time.sleep(0.01)
        last = time.monotonic()
        if wrk.poll() is None:
            wrk.send_signal(signal.SIGINT)  # wrk stops and prints what it measured
        out, err = wrk.communicate()
    cpu_after = cpu_seconds(server.process.pid), cpu_seconds(command_prefix="postgres:") if postgres else 0.0
    run = subprocess.CompletedProcess(command, wrk.returncode, out, err)
    (tmp / f"{tag}.wrk.out").write_text(out + err)
    answered, raised = server.since_mark()
    phase = Phase(wrk_figure(label, run, 0.0, answered, raised), ended_s=last - stopping)
    if totals.exists():
        threads = [line.split() for line in totals.read_text().splitlines() if line.strip()]
        phase.sent, phase.received, phase.issued, phase.other = (sum(int(t[i]) for t in threads) for i in range(4))
        phase.complete = len(threads) == args.threads and all(t[4] == "true" for t in threads)
    phase.figure.rps = phase.issued / (last - began)
    if phase.issued:
        phase.server_cpu_ms = (cpu_after[0] - cpu_before[0]) * 1000 / phase.issued
        if postgres:
            phase.database_cpu_ms = (cpu_after[1] - cpu_before[1]) * 1000 / phase.issued
    return phase


# ---- the exact count -------------------------------------------------------------------------------------


@dataclass
class Counted:
    issued: int
    reward_used: int
    reward_counters: int
    customer_used: int
    customer_counters: int
    entries: int  # the ledger's entries for the reward's issuances
    points: int  # and their sum
    stock: int | None  # the product's stock left (a purchase's reward), else None


def _counted(url: str, reward_pk: int, product_id: str | None = None) -> Counted:
    """What the database holds for the reward: direct SQL, the same on SQLite and PostgreSQL."""
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT"
                    " (SELECT count(*) FROM issuances WHERE reward_pk = :pk),"
                    " (SELECT coalesce(sum(used), 0) FROM limit_counters"
                    "   WHERE reward_pk = :pk AND customer_pk = :every),"
                    " (SELECT count(*) FROM limit_counters WHERE reward_pk = :pk AND customer_pk = :every),"
                    " (SELECT coalesce(sum(used), 0) FROM limit_counters"
                    "   WHERE reward_pk = :pk AND customer_pk <> :every),"
                    " (SELECT count(*) FROM limit_counters WHERE reward_pk = :pk AND customer_pk <> :every),"
                    " (SELECT count(*) FROM points_entries e JOIN issuances i ON i.id = e.issuance_pk"
                    "   WHERE i.reward_pk = :pk),"
                    " (SELECT coalesce(sum(e.amount), 0) FROM points_entries e JOIN issuances i ON i.id = e.issuance_pk"
                    "   WHERE i.reward_pk = :pk),"
                    " (SELECT p.stock FROM products p JOIN rewards r ON r.org_id = p.org_id"
                    "   WHERE r.id = :pk AND p.product_id = :product)"
                ),
                {"pk": reward_pk, "every": EVERY_CUSTOMER, "product": product_id},
            ).one()
    finally:
        engine.dispose()
    issued, reward_used, reward_counters, customer_used, customer_counters, entries, points, stock = row
    return Counted(
        int(issued),
        int(reward_used),
        int(reward_counters),
        int(customer_used),
        int(customer_counters),
        int(entries),
        int(points),
        None if stock is None else int(stock),
    )


def _tally(scenario: Scenario, counted: Counted) -> dict[str, int]:
    """What the records say was issued, figure by figure: each must equal the 201s."""
    verb = "credits" if scenario.points > 0 else "debits"
    tally = {
        "issuances": counted.issued,
        f"reward-level used ({counted.reward_counters} counter)": counted.reward_used,
        f"customer-level used ({counted.customer_counters:,} counters)": counted.customer_used,
        f"ledger {verb}": counted.entries,
        f"points {verb[:-1]}ed / {abs(scenario.points)}": counted.points // scenario.points,
    }
    if counted.stock is not None:
        tally["stock taken"] = STOCK - counted.stock
    return tally


def _exact(server: Server, scenario: Scenario, seeded: Seeded, phases: list[Phase], counted: Counted) -> str:
    """The exact-count line: every figure that must equal the number of requests the server answered 201."""
    log = read_from(server.out, 0)
    path = scenario.path(seeded.reward_id)
    statuses = Counter(status for _, line_path, status in ACCESS_LINE.findall(log) if line_path == path)
    answered = statuses.pop("201", 0)
    figures = {"wrk received 201": sum(p.issued for p in phases), **_tally(scenario, counted)}
    line = f"server answered 201 x{answered:,} (access log, all phases) = " + " = ".join(
        f"{name} {value:,}" for name, value in figures.items()
    )
    wrong = [name for name, value in figures.items() if value != answered]
    if counted.points % scenario.points:
        wrong.append(f"points moved {counted.points:,} is not a multiple of {scenario.points}")
    if not all(p.complete for p in phases):
        wrong.append("wrk did not end with every request answered: some were cut off in flight")
    if statuses:
        line += "; other answers: " + ", ".join(f"{s} x{n}" for s, n in sorted(statuses.items()))
    if wrong:
        return f"{line}\n    MISMATCH: {'; '.join(wrong)}"
    return f"{line}\n    OK"


# ---- what PostgreSQL's backends do under load ------------------------------------------------------------


class Sampler:
    """What the client backends on the database are doing, sampled every 0.1 s while the block runs."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.seen: Counter[str] = Counter()
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        engine = _engine(self.url)
        query = text(
            "SELECT state, wait_event_type, wait_event FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        try:
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                while not self._stop.wait(0.1):
                    for state, kind, wait in conn.execute(query):
                        self.seen[_doing(state, kind, wait)] += 1
                    self.samples += 1
        finally:
            engine.dispose()

    def summary(self) -> str:
        if not self.samples:
            return "no sample"
        shown = ", ".join(f"{n / self.samples:.1f} {doing}" for doing, n in self.seen.most_common())
        return f"{shown} (mean of {self.samples} samples)"


def _doing(state: str | None, kind: str | None, wait: str | None) -> str:
    if state == "active" and kind == "Lock":
        return f"waiting for a lock ({wait})"
    if state == "active":
        return "running" if kind is None else f"active, waiting on {kind}:{wait}"
    if state == "idle in transaction":
        return "idle in a transaction (waiting for its client)"
    return str(state)


# ---- the SQL of one grant, captured ----------------------------------------------------------------------

# Before recording, the reward is issued to the first capture customer this many times, and to the
# second once more.
WARM_UP = 10


def _wire(value: Any) -> dict[str, str]:
    """A parameter as the parent renders it: its kind and its text."""
    if value is None:
        return {"kind": "null", "text": ""}
    if isinstance(value, bool):
        return {"kind": "bool", "text": "true" if value else "false"}
    if isinstance(value, int | float):
        return {"kind": "number", "text": str(value)}
    if isinstance(value, str):
        return {"kind": "str", "text": value}
    if hasattr(value, "obj"):  # psycopg's Json and Jsonb wrappers
        return {"kind": "json", "text": json.dumps(value.obj)}
    return {"kind": type(value).__name__, "text": str(value)}


class Recorder:
    """SQLAlchemy's engine events while ``on``: each statement, its parameters, what it returned, and when."""

    def __init__(self) -> None:
        self.on = False
        self.recorded: list[dict[str, Any]] = []

    def listen(self, engine: Engine) -> None:
        event.listen(engine, "before_cursor_execute", self.before)
        event.listen(engine, "after_cursor_execute", self.after)
        for name in ("begin", "commit", "rollback"):
            event.listen(engine, name, functools.partial(self.mark, name))
        # After the commit, the unit of work closes its session: the connection goes back to the pool.
        event.listen(engine, "checkin", functools.partial(self.mark, "checkin"))

    def mark(self, name: str, *_args: Any) -> None:
        if self.on:
            self.recorded.append({"event": name, "t": time.perf_counter()})

    def before(self, _conn: Any, cursor: Any, statement: str, parameters: Any, _context: Any, many: bool) -> None:
        if not self.on:
            return
        params = {k: _wire(v) for k, v in parameters.items()} if isinstance(parameters, dict) and not many else None
        # Sent in psycopg's pipeline mode: queued with what follows it (Laurels' final statements and
        # the COMMIT, one round trip), which the replay must do the same way.
        pgconn = getattr(getattr(cursor, "connection", None), "pgconn", None)
        pipelined = bool(pgconn is not None and pgconn.pipeline_status)
        self.recorded.append(
            {"sql": statement, "params": params, "rows": None, "t0": time.perf_counter(), "pipelined": pipelined}
        )

    def after(self, _conn: Any, cursor: Any, _statement: str, _parameters: Any, _context: Any, _many: bool) -> None:
        if not self.on:
            return
        entry = self.recorded[-1]
        entry["t1"] = time.perf_counter()
        # What the statement returned, read from psycopg's result without moving the cursor.
        result = getattr(cursor, "pgresult", None)
        if cursor.description is None or result is None:
            return
        entry["rows"] = result.ntuples
        entry["columns"] = [d.name for d in cursor.description]
        if result.ntuples == 1:
            values = (result.get_value(0, i) for i in range(result.nfields))
            entry["row"] = [None if v is None else bytes(v).decode() for v in values]


def _capture_main(spec_file: Path, out_file: Path) -> None:
    """In a child process running the Laurels under test: issue through the app, in-process, on the
    database given; record the SQL of the last request for each of the two customers; write it as JSON."""
    # Imported here: the parent process runs no Laurels code (with --rev, another revision's).
    from fastapi.testclient import TestClient  # noqa: PLC0415

    from laurels.app import create_app  # noqa: PLC0415
    from laurels.kit.db import Database  # noqa: PLC0415

    spec = json.loads(spec_file.read_text())
    db = Database(spec["url"])
    recorder = Recorder()
    recorder.listen(db.engine)
    headers = {"Authorization": f"Bearer {spec['api_key']}"}
    first, second = spec["users"]
    scenario = SCENARIOS[spec["scenario"]]
    path = scenario.path(spec["reward_id"])
    grants: list[dict[str, Any]] = []
    with TestClient(create_app(db), raise_server_exceptions=False) as client:

        def issue(user: str) -> dict[str, Any]:
            response = client.post(path, json=scenario.request(spec["reward_id"], user), headers=headers)
            if response.status_code != 201:
                raise SystemExit(f"capture: {path} for {user} answered {response.status_code} {response.text}")
            answer: dict[str, Any] = response.json()["data"]["result"]
            return answer

        if scenario.points < 0:  # buyers: funded as the customers under load are
            for user in (first, second):
                client.put(f"/v1/customers/{user}", json={}, headers=headers)
                funding = {"amount": CAPTURE_FUNDS, "reason": "bench/issuance.py: opening balance"}
                funded = client.post(f"/v1/customers/{user}/points/adjustments", json=funding, headers=headers)
                if funded.status_code != 201:
                    raise SystemExit(f"capture: funding {user} answered {funded.status_code} {funded.text}")
        # The API key comes into the process's cache, both customers are created and warm, and
        # their balances differ: what a statement passes on is told apart from a constant.
        for user in [first] * WARM_UP + [second] * (WARM_UP + 1):
            issue(user)
        for user in (first, second):
            recorder.recorded = []
            recorder.on = True
            answer = issue(user)
            recorder.on = False
            grants.append({"user": user, "answer": answer, "recorded": recorder.recorded})
    db.dispose()
    out_file.write_text(json.dumps({"grants": grants}))


@dataclass
class Replay:
    """One grant's SQL as a pgbench script, and how each of its values is made."""

    users: int
    script: str = ""
    listing: list[str] = field(default_factory=list)  # the statements, one line each
    sets: list[str] = field(default_factory=list)  # \set lines: what varies per transaction
    defines: dict[str, str] = field(default_factory=dict)  # -D name=value: the same in every grant
    gsets: set[int] = field(default_factory=set)  # statements whose returned row is passed on
    passed: Counter[str] = field(default_factory=Counter)  # "id of statement 2" -> parameters it feeds
    uniques: list[str] = field(default_factory=list)
    fixed: list[str] = field(default_factory=list)
    impossible: list[str] = field(default_factory=list)
    timing: str = ""


_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _replay(grants: list[dict[str, Any]], users: int, what: str) -> Replay:
    """Two captured requests (for two customers) as one pgbench script: what differs between them is
    the customer, passed on from an earlier statement's row, or unique per transaction."""
    replay = Replay(users, sets=[f"\\set uid random(1, {users})"])
    first, second = grants
    a = [e for e in first["recorded"] if e.get("event") != "checkin"]
    b = [e for e in second["recorded"] if e.get("event") != "checkin"]
    shape = [e.get("event", "sql") for e in a]
    if shape != [e.get("event", "sql") for e in b] or any(
        x.get("sql") != y.get("sql") for x, y in zip(a, b, strict=True)
    ):
        replay.impossible.append("the two captured requests ran different statements: the first one's are replayed")
        b = a
    if shape[:1] != ["begin"] or shape[-1:] != ["commit"] or shape.count("begin") != 1 or "rollback" in shape:
        replay.impossible.append(f"the transaction is not BEGIN, statements, COMMIT: {' '.join(shape)}")
    statements = [(x, y) for x, y in zip(a, b, strict=True) if "sql" in x]
    rendered: list[str] = []
    for k, (x, y) in enumerate(statements, 1):
        if x["params"] is None:
            replay.impossible.append(f"statement {k} ran with several parameter sets (executemany): left out")
            rendered.append("")
            continue
        customers = (first["user"], second["user"])
        names = {
            name: _bind(replay, k=k, name=name, pair=(x, y), earlier=statements[: k - 1], users=customers)
            for name in x["params"]
        }
        sql = _PLACEHOLDER.sub(functools.partial(_placeholder, names), " ".join(x["sql"].split()))
        rendered.append(sql.replace("%%", "%"))
    lines = [f"-- The SQL of one Laurels {what}, captured by bench/issuance.py", *replay.sets]
    lines.append("BEGIN;")
    replay.listing.append("BEGIN")
    pipelined = _pipelined_tail(replay, [x for x, _ in statements])
    for k, ((x, _), sql) in enumerate(zip(statements, rendered, strict=True), 1):
        if not sql:
            continue
        if k == pipelined:
            lines.append("\\startpipeline")
            replay.listing.append("   \\startpipeline (the rest and the COMMIT in one round trip, as Laurels does)")
        gset = f" \\gset r{k}_" if k in replay.gsets else ""
        lines.append(sql + (gset or ";"))
        rows = x.get("rows")
        returned = "" if rows is None else f"  -> {rows} row{'' if rows == 1 else 's'}"
        replay.listing.append(f"{k:>2} {_short(sql)}{returned}{gset and ','}{gset}")
    lines.append("COMMIT;")
    replay.listing.append("COMMIT")
    if pipelined:
        lines.append("\\endpipeline")
        replay.listing.append("   \\endpipeline")
    replay.script = "\n".join(lines) + "\n"
    replay.timing = _timing(grants, statements)
    return replay


def _pipelined_tail(replay: Replay, statements: list[dict[str, Any]]) -> int | None:
    """The first of the statements Laurels sent in one pipeline with its COMMIT (1-based), or None."""
    flags = [bool(x.get("pipelined")) for x in statements]
    if not any(flags):
        return None
    first = flags.index(True) + 1
    if not all(flags[first - 1 :]):
        replay.impossible.append("statements were pipelined that are not the transaction's last: sent one by one")
        return None
    if any(k >= first for k in replay.gsets):
        replay.impossible.append("a pipelined statement's row is passed on (pgbench cannot \\gset in a pipeline)")
        return None
    return first


def _placeholder(names: dict[str, str], found: re.Match[str]) -> str:
    return names[found.group(1)]


def _bind(
    replay: Replay,
    *,
    k: int,
    name: str,
    pair: tuple[dict[str, Any], dict[str, Any]],
    earlier: list[tuple[dict[str, Any], dict[str, Any]]],
    users: tuple[str, str],
) -> str:
    """What statement ``k``'s parameter ``name`` is in the script: a pgbench variable, or NULL."""
    value, other = pair[0]["params"][name], pair[1]["params"].get(name, pair[0]["params"][name])
    var = f"p{k}_{name}"
    if value["kind"] == other["kind"] == "null":
        return "NULL"
    if value == other:
        replay.defines[var] = value["text"]
        return f":{var}"
    if (value["text"], other["text"]) == users:
        return ":uid"
    for j, (p, q) in enumerate(earlier, 1):
        if p.get("rows") == 1 and q.get("rows") == 1:
            for column, u, v in zip(p["columns"], p["row"], q["row"], strict=True):
                if (u, v) == (value["text"], other["text"]):
                    replay.gsets.add(j)
                    replay.passed[f"{column} of statement {j}"] += 1
                    return f":r{j}_{column}"
    if value["kind"] == "str":
        var = f"u{k}_{name}"
        replay.sets.append(f"\\set {var} random({UNIQUE_RANGE})")
        replay.uniques.append(f"{name} (statement {k})")
        return f":{var}"
    replay.defines[var] = value["text"]
    replay.fixed.append(f"{name} (statement {k}, {value['kind']})")
    return f":{var}"


def _short(sql: str) -> str:
    """A statement for the report: casts dropped, long select lists counted, long value lists elided."""
    sql = re.sub(r"::[A-Z]+( WITH(OUT)? TIME ZONE)?", "", sql)

    def columns(m: re.Match[str]) -> str:
        listed = m.group(2).split(", ")
        return f"{m.group(1)}<{len(listed)} columns> {m.group(3)}" if len(listed) > 3 else m.group(0)

    sql = re.sub(r"^(SELECT )([^()]+?) (FROM )", columns, sql)  # a list with a subquery is shown whole
    return re.sub(r"\) VALUES \(([^)]{60,})\)", lambda m: f") VALUES (<{len(m.group(1).split(', '))} values>)", sql)


def _timing(grants: list[dict[str, Any]], statements: list[tuple[dict[str, Any], dict[str, Any]]]) -> str:
    """Where one request's transaction spends its time, alone: statements, Python between them, and how
    long the row every request for the reward updates (its reward-level counter) stays locked."""
    hot = next(
        (
            k
            for k, (x, _) in enumerate(statements)
            if "limit_counters" in x["sql"].split("(")[0]
            and any(n.startswith("customer_pk") and v["text"] == str(EVERY_CUSTOMER) for n, v in x["params"].items())
        ),
        None,
    )
    spans, in_sql, locked = [], [], []
    for grant in grants:
        recorded = grant["recorded"]
        done = [e["t"] for e in recorded if e.get("event") == "checkin"]
        sql = [e for e in recorded if "sql" in e and "t1" in e]
        if not done or len(sql) != len(statements):
            return ""
        spans.append(done[-1] - sql[0]["t0"])
        in_sql.append(sum(e["t1"] - e["t0"] for e in sql))
        if hot is not None:
            locked.append(done[-1] - sql[hot]["t0"])
    span, db = sum(spans) / len(spans) * 1000, sum(in_sql) / len(in_sql) * 1000
    line = (
        f"one request alone (in-process, after {2 * WARM_UP + 1} warm-up requests; mean of {len(spans)}): "
        f"{span:.2f} ms from its first statement to the connection back in the pool after COMMIT: "
        f"{db:.2f} ms in the {len(statements)} statements (each a round trip), "
        f"{span - db:.2f} ms in Laurels between them"
    )
    if hot is not None and locked:
        held = sum(locked) / len(locked) * 1000
        line += (
            f"; the reward-level counter row (statement {hot + 1}), which every request for the reward updates,"
            f" stays locked {held:.2f} ms of it: alone, that allows at most ~{1000 / held:,.0f}/s of one reward"
        )
    return line


def _capture(
    env: dict[str, str], tmp: Path, url: str, api_key: str, *, scenario: Scenario, reward_id: str
) -> list[dict[str, Any]] | str:
    """The captured requests, or why there are none."""
    spec, captured = tmp / f"capture-{scenario.name}.json", tmp / f"captured-{scenario.name}.json"
    spec.write_text(
        json.dumps(
            {"url": url, "api_key": api_key, "scenario": scenario.name, "reward_id": reward_id, "users": CAPTURE_USERS}
        )
    )
    run = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--capture", str(spec), str(captured)],
        env=env,
        cwd=tmp,
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode != 0 or not captured.exists():
        return f"capturing a {scenario.name}'s SQL failed: {(run.stderr or run.stdout).strip()[-600:]}"
    grants: list[dict[str, Any]] = json.loads(captured.read_text())["grants"]
    return grants


def _pgbench(
    env: dict[str, str],
    tmp: Path,
    *,
    url: str,
    org: dict[str, Any],
    scenario: Scenario,
    seeded: Seeded,
    args: argparse.Namespace,
) -> list[Bench]:
    """Capture one request's SQL, replay it in pgbench, print what was done; pgbench's runs."""
    grants = _capture(env, tmp, url, str(org["apiKey"]), scenario=scenario, reward_id=seeded.replay_reward_id)
    if isinstance(grants, str):
        print(f"  pgbench skipped: {grants}")
        return []
    what = f"{scenario.name} (POST {scenario.path(seeded.replay_reward_id)})"
    replay = _replay(grants, args.users, what)
    script = tmp / f"{scenario.name}.pgbench"
    script.write_text(replay.script)
    defines = [arg for name, value in replay.defines.items() for arg in ("-D", f"{name}={value}")]
    base = [*defines, "-f", str(script), _libpq(url)]
    Path(f"{script}.command").write_text(shlex.join(_pgbench_command(base, PGBENCH_CLIENTS, args.seconds)) + "\n")
    numbered = sum(1 for line in replay.listing if line[:2].strip().isdigit())
    print()
    print(f"  the SQL of one {scenario.name}, captured from Laurels on this database ({numbered} statements):")
    for line in replay.listing:
        print(f"    {line}")
    if replay.timing:
        print(f"  {replay.timing}")
    print("  replayed in pgbench, every value a bound parameter of a prepared statement as Laurels sends it:")
    print(f"    - per transaction: the customer (\\set uid random(1, {args.users})); a unique value where Laurels")
    print(f"      makes one (18 random digits): {', '.join(replay.uniques) or 'none'}")
    passed = ", ".join(f"{returned} to {n} parameter{'s' * (n > 1)}" for returned, n in sorted(replay.passed.items()))
    print(f"    - passed on with \\gset from what an earlier statement returned: {passed or 'nothing'}")
    if replay.fixed:
        print(f"    - as captured (Laurels computes them per request; same types): {', '.join(replay.fixed)}")
    print(f"    - the same in every request, given with -D: {len(replay.defines)} values")
    for problem in replay.impossible or ["none (every statement, in order, in one transaction)"]:
        print(f"    - impossible to replay faithfully: {problem}")
    print(f"    script {script}, the whole command in {script}.command; on reward {seeded.replay_reward_id}")
    product = seeded.product_ids[1] if seeded.product_ids else None
    before = _counted(url, seeded.replay_reward_pk, product)
    runs: list[Bench] = []
    # At the clients that suit two cores best, the ceiling; at the load's own connections, what the
    # database alone does with as many transactions in flight as Laurels is given (its latencies too).
    for clients in dict.fromkeys((PGBENCH_CLIENTS, args.connections)):
        print(f"  pgbench -c {clients} -j 2 -T {args.seconds}; load average {load_average()}: ", end="", flush=True)
        with Sampler(url) as sampler:
            run = _pgbench_run(base, clients, args.seconds, tmp / f"{scenario.name}-{clients}.log")
        if isinstance(run, str):
            print(f"failed: {run}")
            return runs
        runs.append(run)
        print(f"{run.tps:,.0f} tps, p50 {run.p50_ms:.1f} ms, p99 {run.p99_ms:.1f} ms, {run.processed:,} transactions")
        for line in run.aborted:
            print(f"    {line}")
        print(f"    backends on the database meanwhile: {sampler.summary()}")
    after = _counted(url, seeded.replay_reward_pk, product)
    moved = {
        "issuances": after.issued - before.issued,
        "reward-level used": after.reward_used - before.reward_used,
        "customer-level used": after.customer_used - before.customer_used,
        "ledger entries": after.entries - before.entries,
        f"points / {scenario.points}": (after.points - before.points) // scenario.points,
    }
    if after.stock is not None and before.stock is not None:
        moved["stock taken"] = before.stock - after.stock
    processed = sum(r.processed for r in runs)
    agree = all(v == processed for v in moved.values())
    print(
        f"  pgbench's transactions {processed:,}: "
        + ", ".join(f"{name} +{v:,}" for name, v in moved.items())
        + (f" (the replay wrote what a {scenario.name} writes: OK)" if agree else "  MISMATCH")
    )
    return runs


@dataclass(frozen=True)
class Bench:
    """One pgbench run: its throughput, and its transactions' latencies from its per-transaction log."""

    clients: int
    tps: float
    processed: int
    p50_ms: float
    p99_ms: float
    aborted: list[str]


def _pgbench_command(base: list[str], clients: int, seconds: int) -> list[str]:
    return [PGBENCH, "-n", "-M", "prepared", "-c", str(clients), "-j", "2", "-T", str(seconds), *base]


def _pgbench_run(base: list[str], clients: int, seconds: int, log: Path) -> Bench | str:
    """Run pgbench with a log of every transaction (its third field: the latency in microseconds)."""
    log.mkdir(exist_ok=True)
    command = [*_pgbench_command(base, clients, seconds), "-l", f"--log-prefix={log / 'tx'}"]
    out = subprocess.run(command, capture_output=True, text=True, check=False)
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", out.stdout)
    done = re.search(r"number of transactions actually processed: (\d+)", out.stdout)
    latencies = sorted(int(line.split()[2]) for f in log.iterdir() for line in f.read_text().splitlines() if line)
    if tps is None or done is None or not latencies:
        return (out.stderr or out.stdout).strip()[-600:]

    def percentile(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] / 1000

    aborted = [line.strip() for line in re.findall(r"^.*aborted.*$", out.stderr, flags=re.MULTILINE)[:3]]
    return Bench(clients, float(tps.group(1)), int(done.group(1)), percentile(0.5), percentile(0.99), aborted)


# ---- one database ----------------------------------------------------------------------------------------


def _run(name: str, url: str, args: argparse.Namespace, env_base: dict[str, str], tmp: Path) -> None:
    env = {**env_base, "LAURELS_DATABASE_URL": url}
    print()
    print(f"== {name}: {url.rsplit('@', maxsplit=1)[-1]} ==")
    laurels(env, tmp, "db", "upgrade")
    pg = name == "PostgreSQL"
    if pg:
        engine = _engine(url)
        try:
            with engine.connect() as conn:
                settings = [
                    f"{setting} {conn.execute(text(f'SHOW {setting}')).scalar_one()}"
                    for setting in ("server_version", "fsync", "synchronous_commit", "max_connections")
                ]
        finally:
            engine.dispose()
        print(f"  {', '.join(settings)}")
    org = laurels(env, tmp, "org", "create", "--name", f"Bench issuance {time.strftime('%Y-%m-%d %H:%M:%S')}")
    headers = {"Authorization": f"Bearer {org['apiKey']}"}
    command = [sys.executable, "-m", "laurels", "serve", "--workers", str(args.workers)]
    with serving(f"laurels-{name.lower()}", command, env, tmp) as server:
        funded = any(s.points < 0 for s in args.scenarios)
        _customers(server.base, headers, str(org["orgId"]), url, args.users, funded=funded)
        print(
            f"  seeded: {args.users:,} customers, user ids 1..{args.users} (1 over HTTP, the others copied from it in "
            f"SQL)" + (f", each with {BALANCE:,} points" if funded else "")
        )
        phases: list[Phase] = []
        for scenario in args.scenarios:
            phases += _scenario(name, url, server, scenario=scenario, org=org, args=args, env=env, tmp=tmp)
    outside = server.all_tracebacks()
    for phase in phases:
        outside.subtract(phase.figure.raised)
    for error, count in (+outside).most_common(5):
        print(f"    outside the phases (seeding, shutdown): {count} tracebacks ending in: {error}")


def _scenario(
    name: str,
    url: str,
    server: Server,
    *,
    scenario: Scenario,
    org: dict[str, Any],
    args: argparse.Namespace,
    env: dict[str, str],
    tmp: Path,
) -> list[Phase]:
    """One scenario's load on one database: its phases, the exact count, and pgbench."""
    print()
    print(f"  -- {name}, {scenario.name} --")
    headers = {"Authorization": f"Bearer {org['apiKey']}"}
    seeded = _rewards(server.base, headers, scenario)
    print(f"  reward {seeded.reward_id} (id {seeded.reward_pk}): POST {scenario.path(seeded.reward_id)}")
    tag = f"{name.lower()}-{scenario.name}"  # the phases' files in tmp, apart per database and scenario
    pg = name == "PostgreSQL"
    phase = functools.partial(_phase, server, scenario=scenario, seeded=seeded, args=args, tmp=tmp, postgres=pg)
    phases: list[Phase] = []
    if args.warmup > 0:
        print(f"  warm-up, {args.warmup} s; load average {load_average()}")
        phases.append(phase(f"warm-up ({args.warmup} s)", tag=f"{tag}-warmup", seconds=args.warmup))
    print(f"  measured, {args.seconds} s; load average {load_average()}")
    sampler = Sampler(url) if pg else None
    with sampler or contextlib.nullcontext():
        measured = phase(f"{scenario.name}s ({args.seconds} s)", tag=f"{tag}-measured", seconds=args.seconds)
    phases.append(measured)
    counted = _counted(url, seeded.reward_pk, seeded.product_ids[0] if seeded.product_ids else None)
    exact = _exact(server, scenario, seeded, phases, counted)
    _table(f"{name}, {scenario.name}", phases)
    print(f"  exact count: {exact}")
    if sampler is not None:
        print(f"  PostgreSQL's backends on the database while measured: {sampler.summary()}")
    if args.pgbench and pg:
        f = measured.figure
        for run in _pgbench(env, tmp, url=url, org=org, scenario=scenario, seeded=seeded, args=args):
            print(
                f"  Laurels / pgbench at {run.clients} clients: {f.rps:,.0f} {scenario.name}s/s / {run.tps:,.0f} tps"
                f" = {f.rps / run.tps:.1%}; p99 {f.p99_ms or 0:.1f} ms against pgbench's {run.p99_ms:.1f} ms"
            )
    return phases


def _table(name: str, phases: list[Phase]) -> None:
    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:.1f}"

    print()
    print(f"  {name}")
    print(
        f"  {'phase':<18} {'issued/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} {'timeouts':>8} "
        f"{'sent':>7} {'ended s':>7} {'CPU ms':>11}  server answered"
    )
    for p in phases:
        f = p.figure
        answered = ", ".join(f"{k} x{v}" for k, v in sorted(f.answered.items()))
        timeouts = f"{f.timeouts}" + (f" (+{f.socket_errors} sock)" if f.socket_errors else "")
        cpu = ms(p.server_cpu_ms) + ("" if p.database_cpu_ms is None else f" + {ms(p.database_cpu_ms)}")
        print(
            f"  {f.label:<18} {f.rps:8.0f} {ms(f.p50_ms):>8} {ms(f.p99_ms):>8} {f.non_2xx:>8} {timeouts:>8} "
            f"{p.sent:>7} {p.ended_s:7.2f} {cpu:>11}  {answered}"
            + ("" if p.complete else "  (NOT every request answered when wrk stopped)")
        )
    print(
        "  (issued/s: 201s wrk received / seconds from its start to the last answer; non-2xx, timeouts: as wrk"
        "\n   counts them; sent: requests wrk sent; ended: seconds from 'stop sending' to the last answer;"
        "\n   CPU ms: CPU time per 201 over the phase, of Laurels' processes (+ PostgreSQL's, on PostgreSQL);"
        "\n   server answered: its access log)"
    )
    for p in phases:
        for error, count in p.figure.raised.most_common(5):
            print(f"    {p.figure.label}: {count} tracebacks ending in: {error}")


def _scenarios(value: str) -> list[Scenario]:
    names = [n.strip() for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"scenarios are {', '.join(SCENARIOS)}; not {', '.join(unknown) or value!r}")
    return [SCENARIOS[n] for n in names]


def main() -> None:
    if sys.argv[1:2] == ["--capture"]:
        _capture_main(Path(sys.argv[2]), Path(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", help="also run on this PostgreSQL database (migrated first)")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--seconds", type=int, default=20, help="measured (and pgbench's duration)")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of the same load first")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--timeout", type=int, default=10, help="wrk's request timeout, seconds")
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument("--users", type=int, default=10_000, help="customers issued to, at random")
    parser.add_argument(
        "--scenarios", type=_scenarios, default=list(SCENARIOS.values()), help="comma-separated: grant,purchase"
    )
    parser.add_argument("--pgbench", action="store_true", help="replay each request's SQL in pgbench (PostgreSQL)")
    parser.add_argument("--rev", help="measure this git revision of Laurels instead of the working tree")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="laurels-bench-issuance-"))
    print_machine()
    env, which = source(args.rev, tmp)
    print(which)
    print(
        f"load: wrk, {args.connections} connections, {args.threads} threads, {args.warmup} s warm-up + "
        f"{args.seconds} s measured, timeout {args.timeout} s; {args.workers} server workers; logs in {tmp}"
    )
    names = {s.name for s in args.scenarios}
    if "grant" in names:
        print(
            f"grant: POST {GRANT_PATH} of a points reward ({AMOUNT} points, no brand) to a random one of "
            f"{args.users:,} customers"
        )
    if "purchase" in names:
        print(
            f"purchase: POST /v1/rewards/{{rewardId}}/purchase of a product reward (1 unit of a stock of {STOCK:,}), "
            f"paymentMode POINTS at {PRICE} points, by a random one of {args.users:,} customers"
        )
    print(
        f"limits of each: reward-level QUANTITY lifetime {REWARD_LIMIT:,}, customer-level QUANTITY per day "
        f"{CUSTOMER_LIMIT:,}, so high that nothing is refused under this load"
    )
    if not args.skip_sqlite:
        _run("SQLite", f"sqlite:///{tmp / 'bench.db'}", args, env, tmp)
    if args.postgres:
        _run("PostgreSQL", args.postgres, args, env, tmp)
    print()
    print(f"load average after the run: {load_average()}")


if __name__ == "__main__":
    main()
