"""What the benchmarks share: the machine, the server under test, wrk, and which Laurels runs.

Imported by the scripts beside it (bench/http.py, bench/issuance.py), which
run it from bench/ on sys.path; nothing here is part of Laurels itself.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tarfile
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
PGBENCH = "/usr/lib/postgresql/15/bin/pgbench"
# The access log as `laurels serve` writes it: ... "GET /v1/rewards/1 HTTP/1.1" 200 (uvicorn's own adds " OK")
ACCESS_LINE = re.compile(r'"([A-Z]+) (\S+) HTTP/[\d.]+" (\d{3})')


# ---- what the benchmarks create -------------------------------------------------------------------------

BRAND = "Bench"
USER = "bench-user"


def live_points_reward(brand: str) -> dict[str, Any]:
    """A reward's create body: live since long ago until far ahead, with the Capillary fields a per-user list shows."""
    return {
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


# ---- the machine -----------------------------------------------------------------------------------------


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def print_machine() -> None:
    cores = len(os.sched_getaffinity(0))
    one_minute = float(load_average().split()[0])
    busy = "BUSY" if one_minute >= cores / 2 else "quiet"
    print(f"machine: {cores} cores (nproc), {cpu_model()}, Python {platform.python_version()}")
    print(f"load average before the run: {load_average()}  -> {busy} ({one_minute:.2f} runnable vs {cores} cores)")
    print(f"command: {shlex.join(sys.orig_argv)}")


# ---- processes -------------------------------------------------------------------------------------------


_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces: split after its closing parenthesis.
    return raw[raw.rindex(")") + 2 :].split()


def cpu_seconds(root: int | None = None, *, command_prefix: str | None = None) -> float:
    """CPU seconds (user + system) used so far by the process ``root`` and its descendants, or by every
    process whose command line starts with ``command_prefix`` (PostgreSQL's backends: "postgres:")."""
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (found := _stat(int(entry.name))) is not None:
            stats[int(entry.name)] = found
    if command_prefix is not None:
        chosen = set()
        for pid in stats:
            try:
                if Path(f"/proc/{pid}/cmdline").read_bytes().startswith(command_prefix.encode()):
                    chosen.add(pid)
            except OSError:
                pass
    else:
        chosen = {root} if root in stats else set()
        grew = True
        while grew:
            grew = False
            for pid, fields in stats.items():
                if pid not in chosen and int(fields[1]) in chosen:  # fields[1] is the parent's pid
                    chosen.add(pid)
                    grew = True
    # utime and stime are fields 14 and 15 of /proc/PID/stat, 11 and 12 after the name.
    return sum(int(stats[pid][11]) + int(stats[pid][12]) for pid in chosen) / _TICK


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def laurels(env: dict[str, str], cwd: Path, *args: str) -> dict[str, Any]:
    """Run the `laurels` command (the Laurels ``env`` selects) and return the JSON it prints."""
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
        access = read_from(self.out, self._out_at)
        answered: Counter[str] = Counter(
            f"{method} {status}" for method, path, status in ACCESS_LINE.findall(access) if path != "/healthz"
        )
        return answered, tracebacks(read_from(self.err, self._err_at))

    def all_tracebacks(self) -> Counter[str]:
        return tracebacks(read_from(self.err, self.err_start))


def read_from(path: Path, offset: int) -> str:
    with path.open("rb") as f:
        f.seek(offset)
        return f.read().decode(errors="replace")


def tracebacks(errors: str) -> Counter[str]:
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
def serving(name: str, command: list[str], env: dict[str, str], cwd: Path) -> Iterator[Server]:
    port = free_port()
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


def drain(server: Server, limit: float = 120) -> float:
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


def ok(response: httpx2.Response, status: int = 200) -> httpx2.Response:
    if response.status_code != status:
        raise SystemExit(f"{response.request.method} {response.request.url}: {response.status_code} {response.text}")
    return response


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
    # CPU milliseconds per answered request during the measured window: the server's processes, and
    # PostgreSQL's backends (None on SQLite, whose work is the server's own).
    server_cpu_ms: float | None = None
    postgres_cpu_ms: float | None = None
    completed: int = 0  # requests wrk saw answered in the measured window


def ms(text: str) -> float | None:
    """wrk's latency ("812.00us", "12.34ms", "1.20s", "1.00m") in milliseconds."""
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if found is None:
        return None
    return float(found.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[found.group(2)]


def lua(text: str) -> str:
    """A Lua long-bracket string literal: no escapes to get wrong."""
    level = "=" * 4
    if f"]{level}]" in text:
        raise ValueError("the text closes the Lua long bracket")
    return f"[{level}[{text}]{level}]"


def wrk_command(args: argparse.Namespace, headers: dict[str, str], script: Path | None = None) -> list[str]:
    """wrk with --threads, --connections and --timeout, the headers and the script; add -d and the URL."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed (Debian package wrk)")
    command = [wrk, f"-t{args.threads}", f"-c{args.connections}", "--latency", f"--timeout={args.timeout}s"]
    for header, value in headers.items():
        command += ["-H", f"{header}: {value}"]
    if script is not None:
        command += ["-s", str(script)]
    return command


def wrk_figure(
    label: str, run: subprocess.CompletedProcess[str], drained: float, answered: Counter[str], raised: Counter[str]
) -> Figure:
    """The figures of one wrk run, from what it printed."""
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
        p50_ms=ms(p50.group(1)) if p50 and completed else None,
        p99_ms=ms(p99.group(1)) if p99 and completed else None,
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        timeouts=int(sock.group(4)) if sock else 0,
        socket_errors=sum(int(sock.group(i)) for i in (1, 2, 3)) if sock else 0,
        drain_s=drained,
        answered=answered,
        raised=raised,
        completed=completed,
    )


def wrk(
    server: Server,
    label: str,
    path: str,
    headers: dict[str, str],
    args: argparse.Namespace,
    *,
    script: Path | None = None,
    postgres: bool = False,
) -> Figure:
    """--warmup seconds of load on ``path`` (unmeasured), then --seconds measured; with the CPU the
    server (and, with ``postgres``, PostgreSQL's backends) spent per request meanwhile."""
    command = wrk_command(args, headers, script)
    url = server.base + path
    if args.warmup > 0:
        subprocess.run([*command, f"-d{args.warmup}s", url], capture_output=True, check=False)
        drain(server)
    server.mark()
    before = cpu_seconds(server.process.pid), cpu_seconds(command_prefix="postgres:") if postgres else 0.0
    run = subprocess.run([*command, f"-d{args.seconds}s", url], capture_output=True, text=True, check=False)
    after = cpu_seconds(server.process.pid), cpu_seconds(command_prefix="postgres:") if postgres else 0.0
    drained = drain(server)
    answered, raised = server.since_mark()
    figure = wrk_figure(label, run, drained, answered, raised)
    if figure.completed:
        figure.server_cpu_ms = 1000 * (after[0] - before[0]) / figure.completed
        figure.postgres_cpu_ms = 1000 * (after[1] - before[1]) / figure.completed if postgres else None
    return figure


# ---- which Laurels ---------------------------------------------------------------------------------------


def source(rev: str | None, tmp: Path) -> tuple[dict[str, str], str]:
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
