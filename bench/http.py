"""Laurels and its ceiling, side by side, over real HTTP, in one run.

For SQLite (a fresh file) and, with --postgres URL, for PostgreSQL (migrated
with `laurels db upgrade`; a database may be reused, each run creates its own
org), this:

1. starts `laurels serve --workers N` and seeds it over HTTP: a brand, 60 live
   rewards (so a page of 50 is full), a customer;
2. captures the JSON Laurels answers for one reward, for a page of 50 and for a
   create, and starts the ceiling, bench/ceiling_app.py, a bare FastAPI app
   serving those exact bytes from memory under uvicorn with the same worker
   count, httptools and uvloop (as `laurels serve` runs);
3. drives each with wrk (--connections, --seconds, after --warmup seconds on
   the same path), the ceiling first, then Laurels, never both at once:

   - GET /v1/rewards/{id}                       (ceiling: the same)
   - GET /v1/rewards?limit=50                   (ceiling: the same)
   - GET /api_gateway/rewards/core/v1/user/reward/brand/{brand}?userId=...
                                                (Capillary per-user list; compared with the ceiling's list)
   - POST /v1/rewards                           (ceiling: reads the body, answers a canned 201)
   - a 3:1 mix: three GETs by id, then one POST (compared with the ceiling's POST)

and prints one table per database: req/s, p50, p99, wrk's non-2xx count and
timeouts, the ratio to the ceiling's comparable path, the CPU per request the
server's processes and (PostgreSQL) the database's backends spent while it was
measured, how long the server took
to answer again after the load stopped ("drain"), what the server itself
answered (from its access log: answers to clients still connected) and the
tracebacks it logged (each failed request may log more than one). The
mix's ratio of GETs to POSTs holds per wrk thread (wrk's Lua state is per
thread, not per connection). wrk counts a timeout for each connection still
waiting past --timeout at each 2-second check, and leaves such requests out of
its latencies: a stall shows as timeouts and a long drain, not in p99.

With --pgbench (needs --postgres) it also replays Laurels' GET-by-id SQL in
pgbench at 8 clients, compiled from Laurels' own statements: the reward's id
and version by org and primary key, outside a transaction (for a revision
before the hot reads: BEGIN, the API key, the reward, COMMIT).

With --rev REV the Laurels under test is that git revision of this repository
(exported with `git archive` to a temp directory and put first on PYTHONPATH)
instead of the working tree: `--rev HEAD` measures the last commit while the
working tree is being changed. A reused PostgreSQL database must hold that
revision's schema or an older one.

Nothing is asserted: it prints figures, and exits 0. Absolute figures move with
the machine and what else runs on it; the ratios measured in one run are what
count, so the load average is printed before each target.

    .venv/bin/python bench/http.py [--postgres postgresql://laurels:laurels@127.0.0.1:5432/laurels]
        [--seconds 20] [--warmup 5] [--connections 64] [--workers 2] [--pgbench] [--rev HEAD]
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
import json
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
from common import (
    BRAND,
    PGBENCH,
    REPO,
    USER,
    Figure,
    laurels,
    live_points_reward,
    load_average,
    lua,
    ok,
    print_machine,
    serving,
    source,
    wrk,
)

from laurels.cli import serve_log_config

REWARDS = 60  # more than a page of 50, so every list answers a full page
PAGE = 50
CAP_USER_LIST = f"/api_gateway/rewards/core/v1/user/reward/brand/{BRAND}?userId={USER}"


# ---- seeding ---------------------------------------------------------------------------------------------


@dataclass
class Seeded:
    headers: dict[str, str]
    reward_id: str
    create_body: dict[str, Any]
    one: bytes
    page: bytes
    created: bytes
    cap_list: bytes


def _seed(base: str, api_key: str) -> Seeded:
    headers = {"Authorization": f"Bearer {api_key}"}
    with httpx2.Client(base_url=base, headers=headers, timeout=60) as http:
        brand = ok(http.post("/v1/brands", json={"name": BRAND}), 201).json()["data"]["brandId"]
        body = live_points_reward(brand)
        created = b""
        first = ""
        for i in range(REWARDS):
            response = ok(http.post("/v1/rewards", json={**body, "rewardRank": i + 1}), 201)
            created = created or response.content
            first = first or str(response.json()["data"]["reward"]["id"])
        ok(http.put(f"/v1/customers/{USER}", json={"country": 7}), 201)
        one = ok(http.get(f"/v1/rewards/{first}")).content
        page = ok(http.get(f"/v1/rewards?limit={PAGE}")).content
        cap_list = ok(http.get(CAP_USER_LIST)).content
    shown = json.loads(cap_list)["pagination"]
    if json.loads(page)["data"]["count"] != PAGE or shown["count"] != PAGE:
        raise SystemExit(f"seeding left pages short: list {json.loads(page)['data']['count']}, Capillary {shown}")
    return Seeded(headers, first, body, one, page, created, cap_list)


# ---- load scripts ----------------------------------------------------------------------------------------


def _post_script(path: str, body: dict[str, Any], where: Path) -> Path:
    script = where / "post.lua"
    script.write_text(
        'wrk.method = "POST"\n'
        f"wrk.path = {lua(path)}\n"
        f"wrk.body = {lua(json.dumps(body))}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
    )
    return script


def _mix_script(get_path: str, post_path: str, body: dict[str, Any], where: Path) -> Path:
    # wrk calls request() for each request a connection sends; the counter is the
    # wrk thread's (its Lua state is per thread), so GET, GET, GET, POST repeats per thread.
    script = where / "mix.lua"
    script.write_text(
        f"local body = {lua(json.dumps(body))}\n"
        f"local get_path = {lua(get_path)}\n"
        f"local post_path = {lua(post_path)}\n"
        "local n = 0\n"
        "local post_headers = nil\n"
        "request = function()\n"
        "  n = n + 1\n"
        "  if n % 4 == 0 then\n"
        "    if post_headers == nil then\n"
        "      -- wrk.format uses the table it is given instead of wrk.headers: copy -H's in.\n"
        "      post_headers = {}\n"
        "      for k, v in pairs(wrk.headers) do post_headers[k] = v end\n"
        '      post_headers["Content-Type"] = "application/json"\n'
        "    end\n"
        '    return wrk.format("POST", post_path, post_headers, body)\n'
        "  end\n"
        '  return wrk.format("GET", get_path)\n'
        "end\n"
    )
    return script


# ---- one database ----------------------------------------------------------------------------------------


def _ceiling(seeded: Seeded, args: argparse.Namespace, tmp: Path) -> dict[str, Figure]:
    bodies = tmp / "ceiling"
    bodies.mkdir(exist_ok=True)
    (bodies / "one.json").write_bytes(seeded.one)
    (bodies / "list.json").write_bytes(seeded.page)
    (bodies / "created.json").write_bytes(seeded.created)
    env = {**os.environ, "LAURELS_CEILING_DIR": str(bodies)}
    log_config = tmp / "ceiling-logging.json"
    log_config.write_text(json.dumps(serve_log_config()))
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        # Imported as bench.ceiling_app from the repository root: with bench/ itself on
        # sys.path, bench/http.py would shadow the standard library's http package.
        "bench.ceiling_app:app",
        "--app-dir",
        str(REPO),
        "--host",
        "127.0.0.1",
        "--workers",
        str(args.workers),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--log-level",
        "info",  # as `laurels serve`: the access log stays on, formatted as it formats it
        "--log-config",
        str(log_config),
    ]
    figures: dict[str, Figure] = {}
    print(f"  ceiling (bare FastAPI, same JSON from memory); load average {load_average()}")
    with serving("ceiling", command, env, tmp) as server:
        figures["one"] = wrk(server, "ceiling GET by id", f"/v1/rewards/{seeded.reward_id}", {}, args)
        figures["list"] = wrk(server, f"ceiling GET list ({PAGE})", f"/v1/rewards?limit={PAGE}", {}, args)
        post = _post_script("/v1/rewards", seeded.create_body, tmp)
        figures["post"] = wrk(server, "ceiling POST (canned 201)", "/v1/rewards", {}, args, script=post)
    return figures


def _pgbench(env: dict[str, str], tmp: Path, url: str, org: dict[str, Any], reward_id: str, *, seconds: int) -> str:
    # The statements as Laurels compiles them, from the same source the server ran: since the hot
    # reads (kit/reads.py), the reward's id and version by org and id, one statement outside a
    # transaction; before them, BEGIN, the API key, the whole reward, COMMIT.
    compile_sql = (
        "import sys\n"
        "from sqlalchemy import select\n"
        "from sqlalchemy.dialects import postgresql\n"
        "from laurels.rewards.models import Reward\n"
        "from laurels.tenancy.models import ApiKey\n"
        "key, org, pk = sys.argv[1], sys.argv[2], int(sys.argv[3])\n"
        "d = postgresql.dialect()\n"
        "def sql(stmt):\n"
        "    return str(stmt.compile(dialect=d, compile_kwargs={'literal_binds': True})).replace('\\n', ' ')\n"
        "try:\n"
        "    from laurels.rewards.repository import BY_PK\n"
        "    print('hot')\n"
        "    named = postgresql.dialect(paramstyle='named')\n"
        "    print(str(BY_PK.compile(dialect=named)).replace('\\n', ' '))\n"
        "except ImportError:\n"
        "    print('unit')\n"
        "    print(sql(select(ApiKey).where(ApiKey.id == key)))\n"
        "    print(sql(select(Reward).where(Reward.org_id == org, Reward.id == pk)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", compile_sql, str(org["keyId"]), str(org["orgId"]), reward_id],
        env=env,
        cwd=tmp,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        return f"pgbench skipped: could not compile the statements: {out.stderr.strip()[-300:]}"
    shape, *statements = out.stdout.strip().splitlines()
    script = tmp / "get_by_id.sql"
    variables: list[str] = []
    if shape == "hot":
        # :org_id and :pk are pgbench variables, sent as parameters of the prepared statement.
        script.write_text(f"{statements[0]};\n")
        variables = ["-D", f"org_id={org['orgId']}", "-D", f"pk={reward_id}"]
        what = "the reward's id and version by org and id, autocommit"
    else:
        script.write_text(f"BEGIN;\n{statements[0]};\n{statements[1]};\nCOMMIT;\n")
        what = "BEGIN; API key by id; reward by org and id; COMMIT"
    run = subprocess.run(
        [PGBENCH, "-n", "-M", "prepared", "-c", "8", "-j", "2", "-T", str(seconds), *variables, "-f", str(script), url],
        capture_output=True,
        text=True,
        check=False,
    )
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", run.stdout)
    if tps is None:
        return f"pgbench failed: {(run.stderr or run.stdout).strip()[-300:]}"
    return f"{float(tps.group(1)):.0f} tps  ({what}; 8 clients, -M prepared)"


def _run(name: str, url: str, args: argparse.Namespace, env_base: dict[str, str], tmp: Path) -> None:
    env = {**env_base, "LAURELS_DATABASE_URL": url}
    print()
    print(f"== {name}: {url.rsplit('@', maxsplit=1)[-1]} ==")
    laurels(env, tmp, "db", "upgrade")
    org = laurels(env, tmp, "org", "create", "--name", f"Bench http {time.strftime('%Y-%m-%d %H:%M:%S')}")
    command = [sys.executable, "-m", "laurels", "serve", "--workers", str(args.workers)]
    tag = name.lower().split()[0]
    with serving(f"laurels-{tag}", command, env, tmp) as server:
        seeded = _seed(server.base, str(org["apiKey"]))
        print(
            f"  bodies: one reward {len(seeded.one)} B, list of {PAGE} {len(seeded.page)} B, "
            f"Capillary per-user list of {PAGE} {len(seeded.cap_list)} B"
        )
        ceiling = _ceiling(seeded, args, tmp)
        print(f"  Laurels (`laurels serve --workers {args.workers}`); load average {load_average()}")
        headers = seeded.headers
        one = f"/v1/rewards/{seeded.reward_id}"
        post = _post_script("/v1/rewards", seeded.create_body, tmp)
        mix = _mix_script(one, "/v1/rewards", seeded.create_body, tmp)
        pg = name.startswith("PostgreSQL")
        figures = [
            wrk(server, "GET /v1/rewards/{id}", one, headers, args, postgres=pg),
            wrk(server, f"GET /v1/rewards?limit={PAGE}", f"/v1/rewards?limit={PAGE}", headers, args, postgres=pg),
            wrk(server, f"GET Capillary user list ({PAGE})", CAP_USER_LIST, headers, args, postgres=pg),
            wrk(server, "POST /v1/rewards", "/v1/rewards", headers, args, script=post, postgres=pg),
            wrk(server, "mix 3 GET by id : 1 POST", one, headers, args, script=mix, postgres=pg),
        ]
    for figure, compared in zip(figures, ("one", "list", "list", "post", "post"), strict=True):
        figure.ceiling = ceiling[compared].rps
    _table(name, [ceiling["one"], ceiling["list"], ceiling["post"], *figures])
    # Requests that fail after their client has gone (a 30 s pool or lock timeout outlasts a phase)
    # are logged during a later warm-up, or at shutdown: count them too.
    outside = server.all_tracebacks()
    for f in figures:
        outside.subtract(f.raised)
    for error, count in (+outside).most_common(5):
        print(f"    outside the measured windows (warm-ups, drains, shutdown): {count} tracebacks ending in: {error}")
    if args.pgbench and name.startswith("PostgreSQL"):
        print(f"  pgbench, Laurels' GET-by-id SQL, {args.seconds} s: ", end="", flush=True)
        print(_pgbench(env, tmp, url, org, seeded.reward_id, seconds=args.seconds))


def _table(name: str, figures: list[Figure]) -> None:
    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:.1f}"

    def cpu(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    print()
    print(f"  {name}")
    print(
        f"  {'path':<32} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} {'timeouts':>8} "
        f"{'drain s':>7} {'vs ceiling':>10} {'cpu ms':>7} {'pg ms':>6}  server answered"
    )
    for f in figures:
        ratio = "" if f.ceiling is None else (f"{f.rps / f.ceiling:.0%}" if f.ceiling else "?")
        answered = ", ".join(f"{k} x{v}" for k, v in sorted(f.answered.items()))
        timeouts = f"{f.timeouts}" + (f" (+{f.socket_errors} sock)" if f.socket_errors else "")
        print(
            f"  {f.label:<32} {f.rps:8.0f} {ms(f.p50_ms):>8} {ms(f.p99_ms):>8} {f.non_2xx:>8} {timeouts:>8} "
            f"{f.drain_s:7.1f} {ratio:>10} {cpu(f.server_cpu_ms):>7} {cpu(f.postgres_cpu_ms):>6}  {answered}"
        )
    print(
        "  (non-2xx, timeouts: as wrk counts them; drain: seconds until /healthz answered within 1 s after the load;"
        "\n   cpu ms, pg ms: CPU per request of the server's processes and of PostgreSQL's backends while measured;"
        "\n   server answered: its access log, which holds answers to clients still connected)"
    )
    for f in figures:
        for error, count in f.raised.most_common(5):
            print(f"    {f.label}: {count} tracebacks ending in: {error}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", help="also run on this PostgreSQL database (migrated first)")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--seconds", type=int, default=20, help="measured, per path")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of the same load first, per path")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--timeout", type=int, default=10, help="wrk's request timeout, seconds")
    parser.add_argument("--workers", type=int, default=2, help="server processes, Laurels and ceiling alike")
    parser.add_argument("--pgbench", action="store_true", help="replay Laurels' GET-by-id SQL in pgbench")
    parser.add_argument("--rev", help="measure this git revision of Laurels instead of the working tree")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="laurels-bench-http-"))
    print_machine()
    env, which = source(args.rev, tmp)
    print(which)
    print(
        f"load: wrk, {args.connections} connections, {args.threads} threads, {args.warmup} s warm-up + "
        f"{args.seconds} s per path, timeout {args.timeout} s; {args.workers} server workers; logs in {tmp}"
    )
    if not args.skip_sqlite:
        _run("SQLite", f"sqlite:///{tmp / 'bench.db'}", args, env, tmp)
    if args.postgres:
        _run("PostgreSQL", args.postgres, args, env, tmp)
    print()
    print(f"load average after the run: {load_average()}")


if __name__ == "__main__":
    main()
