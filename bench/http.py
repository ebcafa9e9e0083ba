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
timeouts, the ratio to the ceiling's comparable path, how long the server took
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
# through urllib): take bench/ off before anything imports http.
if sys.path and os.path.realpath(sys.path[0] or ".") == os.path.dirname(os.path.realpath(__file__)):
    del sys.path[0]

import argparse
import io
import json
import platform
import re
import shlex
import shutil
import socket
import subprocess
import tarfile
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
REWARDS = 60  # more than a page of 50, so every list answers a full page
PAGE = 50
BRAND = "Bench"
USER = "bench-user"
CAP_USER_LIST = f"/api_gateway/rewards/core/v1/user/reward/brand/{BRAND}?userId={USER}"
PGBENCH = "/usr/lib/postgresql/15/bin/pgbench"
# uvicorn's access log: ... "GET /v1/rewards/1 HTTP/1.1" 200 OK
ACCESS_LINE = re.compile(r'"([A-Z]+) (\S+) HTTP/[\d.]+" (\d{3})')


# ---- the machine -----------------------------------------------------------------------------------------


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _machine() -> None:
    cores = len(os.sched_getaffinity(0))
    one_minute = float(_load().split()[0])
    busy = "BUSY" if one_minute >= cores / 2 else "quiet"
    print(f"machine: {cores} cores (nproc), {_cpu_model()}, Python {platform.python_version()}")
    print(f"load average before the run: {_load()}  -> {busy} ({one_minute:.2f} runnable vs {cores} cores)")
    print(f"command: {shlex.join(sys.orig_argv)}")


# ---- processes -------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _laurels(env: dict[str, str], cwd: Path, *args: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "laurels", *args], env=env, cwd=cwd, capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise SystemExit(f"laurels {' '.join(args)} failed: {out.stderr.strip()}")
    result: dict[str, Any] = json.loads(out.stdout)
    return result


@dataclass
class Server:
    """A server process whose access log (stdout) and errors (stderr) go to files, read back per phase."""

    name: str
    base: str
    process: subprocess.Popen[bytes]
    out: Path
    err: Path
    err_start: int = 0
    _out_at: int = 0
    _err_at: int = 0

    def mark(self) -> None:
        self._out_at = self.out.stat().st_size
        self._err_at = self.err.stat().st_size

    def since_mark(self) -> tuple[Counter[str], Counter[str]]:
        """What the server answered since :meth:`mark` ("GET 200" -> count), and the tracebacks it logged."""
        access = _read_from(self.out, self._out_at)
        answered: Counter[str] = Counter(
            f"{method} {status}" for method, path, status in ACCESS_LINE.findall(access) if path != "/healthz"
        )
        return answered, _tracebacks(_read_from(self.err, self._err_at))

    def all_tracebacks(self) -> Counter[str]:
        return _tracebacks(_read_from(self.err, self.err_start))


def _read_from(path: Path, offset: int) -> str:
    with path.open("rb") as f:
        f.seek(offset)
        return f.read().decode(errors="replace")


def _tracebacks(errors: str) -> Counter[str]:
    """The tracebacks in a server's stderr, by the exception that ended each (of a chain, the last)."""
    raised: Counter[str] = Counter()
    lines = errors.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("Traceback"):
            j = i + 1
            while j < len(lines) and (lines[j].startswith((" ", "\t")) or not lines[j].strip()):
                j += 1
            k = j + 1
            while k < len(lines) and not lines[k].strip():
                k += 1
            chained = k < len(lines) and lines[k].startswith(("The above exception", "During handling"))
            if j < len(lines) and not chained:
                raised[lines[j][:160]] += 1
    return raised


@contextmanager
def _serving(name: str, command: list[str], env: dict[str, str], cwd: Path) -> Iterator[Server]:
    port = _free_port()
    command = [*command, "--port", str(port)]
    out, err = cwd / f"{name}.out.log", cwd / f"{name}.err.log"
    # Unbuffered, so that each phase's access log lines are in the file when the phase is tallied.
    env = {**env, "PYTHONUNBUFFERED": "1"}
    err_start = err.stat().st_size if err.exists() else 0
    with out.open("ab") as stdout, err.open("ab") as stderr:
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=stdout, stderr=stderr)
    server = Server(name, f"http://127.0.0.1:{port}", process, out, err, err_start)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx2.get(f"{server.base}/healthz", timeout=5).status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{name} did not start: {err.read_text()[-2000:]}")
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _drain(server: Server, limit: float = 120) -> float:
    """Seconds until the server answers /healthz within a second again (it may still be working off a stall)."""
    began = time.monotonic()
    while time.monotonic() - began < limit:
        try:
            if httpx2.get(f"{server.base}/healthz", timeout=1).status_code == 200:
                break
        except httpx2.TransportError:
            pass
        time.sleep(0.2)
    return time.monotonic() - began


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


def _ok(response: httpx2.Response, status: int = 200) -> httpx2.Response:
    if response.status_code != status:
        raise SystemExit(f"{response.request.method} {response.request.url}: {response.status_code} {response.text}")
    return response


def _seed(base: str, api_key: str) -> Seeded:
    headers = {"Authorization": f"Bearer {api_key}"}
    with httpx2.Client(base_url=base, headers=headers, timeout=60) as http:
        brand = _ok(http.post("/v1/brands", json={"name": BRAND}), 201).json()["data"]["brandId"]
        # Live since long ago until far ahead, with the Capillary fields a per-user list shows.
        body: dict[str, Any] = {
            "name": "Bench points",
            "description": "A reward for the benchmark",
            "rewardType": "points",
            "config": {"amount": 10},
            "brandId": brand,
            "startTime": "2023-01-01 00:00:00",
            "endTime": "2099-01-01 00:00:00",
            "priority": 1,
            "intouchPoints": 100,
        }
        created = b""
        first = ""
        for i in range(REWARDS):
            response = _ok(http.post("/v1/rewards", json={**body, "rewardRank": i + 1}), 201)
            created = created or response.content
            first = first or str(response.json()["data"]["reward"]["id"])
        _ok(http.put(f"/v1/customers/{USER}", json={"country": 7}), 201)
        one = _ok(http.get(f"/v1/rewards/{first}")).content
        page = _ok(http.get(f"/v1/rewards?limit={PAGE}")).content
        cap_list = _ok(http.get(CAP_USER_LIST)).content
    shown = json.loads(cap_list)["pagination"]
    if json.loads(page)["data"]["count"] != PAGE or shown["count"] != PAGE:
        raise SystemExit(f"seeding left pages short: list {json.loads(page)['data']['count']}, Capillary {shown}")
    return Seeded(headers, first, body, one, page, created, cap_list)


# ---- load ------------------------------------------------------------------------------------------------


@dataclass
class Figure:
    label: str
    rps: float
    p50_ms: float | None
    p99_ms: float | None
    non_2xx: int
    timeouts: int
    socket_errors: int
    drain_s: float
    answered: Counter[str] = field(default_factory=Counter)
    raised: Counter[str] = field(default_factory=Counter)
    ceiling: float | None = None


def _ms(text: str) -> float | None:
    """wrk's latency ("812.00us", "12.34ms", "1.20s", "1.00m") in milliseconds."""
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if found is None:
        return None
    return float(found.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[found.group(2)]


def _lua(text: str) -> str:
    """A Lua long-bracket string literal: no escapes to get wrong."""
    level = "=" * 4
    if f"]{level}]" in text:
        raise ValueError("the text closes the Lua long bracket")
    return f"[{level}[{text}]{level}]"


def _post_script(path: str, body: dict[str, Any], where: Path) -> Path:
    script = where / "post.lua"
    script.write_text(
        'wrk.method = "POST"\n'
        f"wrk.path = {_lua(path)}\n"
        f"wrk.body = {_lua(json.dumps(body))}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
    )
    return script


def _mix_script(get_path: str, post_path: str, body: dict[str, Any], where: Path) -> Path:
    # wrk calls request() for each request a connection sends; the counter is the
    # wrk thread's (its Lua state is per thread), so GET, GET, GET, POST repeats per thread.
    script = where / "mix.lua"
    script.write_text(
        f"local body = {_lua(json.dumps(body))}\n"
        f"local get_path = {_lua(get_path)}\n"
        f"local post_path = {_lua(post_path)}\n"
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


def _wrk(
    server: Server,
    label: str,
    path: str,
    headers: dict[str, str],
    args: argparse.Namespace,
    *,
    script: Path | None = None,
) -> Figure:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed (Debian package wrk)")
    command = [wrk, f"-t{args.threads}", f"-c{args.connections}", "--latency", f"--timeout={args.timeout}s"]
    for header, value in headers.items():
        command += ["-H", f"{header}: {value}"]
    if script is not None:
        command += ["-s", str(script)]
    url = server.base + path
    if args.warmup > 0:
        subprocess.run([*command, f"-d{args.warmup}s", url], capture_output=True, check=False)
        _drain(server)
    server.mark()
    run = subprocess.run([*command, f"-d{args.seconds}s", url], capture_output=True, text=True, check=False)
    drained = _drain(server)
    answered, raised = server.since_mark()
    output = run.stdout
    if run.returncode != 0 or "Requests/sec" not in output:
        print(f"    wrk failed on {label}: {run.stderr.strip() or output.strip()}")
    done = re.search(r"(\d+) requests in", output)
    completed = int(done.group(1)) if done else 0
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"\b50%\s+([\d.]+\w+)", output)
    p99 = re.search(r"\b99%\s+([\d.]+\w+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return Figure(
        label=label,
        rps=float(rps.group(1)) if rps else 0.0,
        # With nothing completed, wrk prints zero latencies: there are none.
        p50_ms=_ms(p50.group(1)) if p50 and completed else None,
        p99_ms=_ms(p99.group(1)) if p99 and completed else None,
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        timeouts=int(sock.group(4)) if sock else 0,
        socket_errors=sum(int(sock.group(i)) for i in (1, 2, 3)) if sock else 0,
        drain_s=drained,
        answered=answered,
        raised=raised,
    )


# ---- one database ----------------------------------------------------------------------------------------


def _ceiling(seeded: Seeded, args: argparse.Namespace, tmp: Path) -> dict[str, Figure]:
    bodies = tmp / "ceiling"
    bodies.mkdir(exist_ok=True)
    (bodies / "one.json").write_bytes(seeded.one)
    (bodies / "list.json").write_bytes(seeded.page)
    (bodies / "created.json").write_bytes(seeded.created)
    env = {**os.environ, "LAURELS_CEILING_DIR": str(bodies)}
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
        "info",  # as `laurels serve`: the access log stays on
    ]
    figures: dict[str, Figure] = {}
    print(f"  ceiling (bare FastAPI, same JSON from memory); load average {_load()}")
    with _serving("ceiling", command, env, tmp) as server:
        figures["one"] = _wrk(server, "ceiling GET by id", f"/v1/rewards/{seeded.reward_id}", {}, args)
        figures["list"] = _wrk(server, f"ceiling GET list ({PAGE})", f"/v1/rewards?limit={PAGE}", {}, args)
        post = _post_script("/v1/rewards", seeded.create_body, tmp)
        figures["post"] = _wrk(server, "ceiling POST (canned 201)", "/v1/rewards", {}, args, script=post)
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
    _laurels(env, tmp, "db", "upgrade")
    org = _laurels(env, tmp, "org", "create", "--name", f"Bench http {time.strftime('%Y-%m-%d %H:%M:%S')}")
    command = [sys.executable, "-m", "laurels", "serve", "--workers", str(args.workers)]
    tag = name.lower().split()[0]
    with _serving(f"laurels-{tag}", command, env, tmp) as server:
        seeded = _seed(server.base, str(org["apiKey"]))
        print(
            f"  bodies: one reward {len(seeded.one)} B, list of {PAGE} {len(seeded.page)} B, "
            f"Capillary per-user list of {PAGE} {len(seeded.cap_list)} B"
        )
        ceiling = _ceiling(seeded, args, tmp)
        print(f"  Laurels (`laurels serve --workers {args.workers}`); load average {_load()}")
        headers = seeded.headers
        one = f"/v1/rewards/{seeded.reward_id}"
        post = _post_script("/v1/rewards", seeded.create_body, tmp)
        mix = _mix_script(one, "/v1/rewards", seeded.create_body, tmp)
        figures = [
            _wrk(server, "GET /v1/rewards/{id}", one, headers, args),
            _wrk(server, f"GET /v1/rewards?limit={PAGE}", f"/v1/rewards?limit={PAGE}", headers, args),
            _wrk(server, f"GET Capillary user list ({PAGE})", CAP_USER_LIST, headers, args),
            _wrk(server, "POST /v1/rewards", "/v1/rewards", headers, args, script=post),
            _wrk(server, "mix 3 GET by id : 1 POST", one, headers, args, script=mix),
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

    print()
    print(f"  {name}")
    print(
        f"  {'path':<32} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} {'timeouts':>8} "
        f"{'drain s':>7} {'vs ceiling':>10}  server answered"
    )
    for f in figures:
        ratio = "" if f.ceiling is None else (f"{f.rps / f.ceiling:.0%}" if f.ceiling else "?")
        answered = ", ".join(f"{k} x{v}" for k, v in sorted(f.answered.items()))
        timeouts = f"{f.timeouts}" + (f" (+{f.socket_errors} sock)" if f.socket_errors else "")
        print(
            f"  {f.label:<32} {f.rps:8.0f} {ms(f.p50_ms):>8} {ms(f.p99_ms):>8} {f.non_2xx:>8} {timeouts:>8} "
            f"{f.drain_s:7.1f} {ratio:>10}  {answered}"
        )
    print(
        "  (non-2xx, timeouts: as wrk counts them; drain: seconds until /healthz answered within 1 s after the load;"
        "\n   server answered: its access log, which holds answers to clients still connected)"
    )
    for f in figures:
        for error, count in f.raised.most_common(5):
            print(f"    {f.label}: {count} tracebacks ending in: {error}")


# ---- which Laurels ---------------------------------------------------------------------------------------


def _source(rev: str | None, tmp: Path) -> tuple[dict[str, str], str]:
    """The environment that runs the Laurels under test, and a line saying which one it is."""
    git = shutil.which("git")
    head = "?"
    changed = "?"
    if git is not None:
        head = subprocess.run(
            [git, "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
        ).stdout.strip()
        status = subprocess.run(
            [git, "-C", str(REPO), "status", "--porcelain", "--", "src"], capture_output=True, text=True, check=False
        ).stdout
        changed = str(len(status.splitlines()))
    if rev is None:
        return dict(
            os.environ
        ), f"laurels: working tree {REPO / 'src'} (HEAD {head}, {changed} files under src/ differ)"
    if git is None:
        raise SystemExit("--rev needs git")
    exported = subprocess.run([git, "-C", str(REPO), "archive", rev, "src"], capture_output=True, check=False)
    if exported.returncode != 0:
        raise SystemExit(f"git archive {rev}: {exported.stderr.decode().strip()}")
    where = tmp / "source"
    with tarfile.open(fileobj=io.BytesIO(exported.stdout)) as archive:
        archive.extractall(where, filter="data")
    commit = subprocess.run(
        [git, "-C", str(REPO), "rev-parse", "--short", rev], capture_output=True, text=True, check=False
    ).stdout.strip()
    env = {**os.environ, "PYTHONPATH": str(where / "src")}
    found = subprocess.run(
        [sys.executable, "-c", "import laurels; print(laurels.__file__)"],
        env=env,
        cwd=tmp,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return env, f"laurels: git {rev} = {commit}, exported to {found.removesuffix('/laurels/__init__.py')}"


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
    _machine()
    env, which = _source(args.rev, tmp)
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
    print(f"load average after the run: {_load()}")


if __name__ == "__main__":
    main()
