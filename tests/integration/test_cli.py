"""The `laurels` command, as a user runs it: JSON on stdout, failures on stderr with exit 1.

The cases go through Typer's CliRunner: the same command tree, in process, without
paying an interpreter start-up per command. One subprocess smoke test keeps the real
thing honest: it starts `laurels serve` from one directory and creates a key with
`python -m laurels` from another.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

import httpx2
import pytest
from sqlalchemy import update
from typer.testing import CliRunner, Result

from laurels.cli import app, serve_banner
from laurels.config import database_location
from laurels.issuance.models import IdempotencyRecord, PointsAccount
from laurels.kit import migrate
from laurels.kit.clock import utcnow
from laurels.kit.db import Database
from laurels.tenancy.service import hash_secret
from tests.support import Tenant

# Variables that choose the database; a test that is about the default location clears them all.
LOCATION_VARIABLES = ("LAURELS_DATABASE_URL", "LAURELS_DATA_DIR", "XDG_DATA_HOME")

runner = CliRunner()


def invoke(*args: str) -> Result:
    return runner.invoke(app, list(args))


def output(result: Result) -> Any:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def assert_refused(result: Result, *fragments: str) -> None:
    assert result.exit_code == 1, result.stdout
    assert result.stdout == ""
    assert result.stderr.startswith("laurels: "), result.stderr
    for fragment in fragments:
        assert fragment in result.stderr


@pytest.fixture
def configured(database_url: str, db: Database, monkeypatch: pytest.MonkeyPatch) -> str:
    """The suite's database, named the way a user names it."""
    monkeypatch.setenv("LAURELS_DATABASE_URL", database_url)
    return database_url


# The default database is a SQLite file, whatever database the suite runs on: the tests of where it
# lies never touch the suite's database, so the SQLite run covers them and the PostgreSQL run skips them.
ON_POSTGRES = bool(os.environ.get("LAURELS_TEST_DATABASE_URL"))
DEFAULT_IS_SQLITE = "the default database is SQLite's whatever the suite runs on: covered by the SQLite run"
on_the_default_database = pytest.mark.skipif(ON_POSTGRES, reason=DEFAULT_IS_SQLITE)


@pytest.fixture
def default_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh home directory and no location variable: the default data directory, in tmp."""
    if ON_POSTGRES:
        pytest.skip(DEFAULT_IS_SQLITE)
    for name in LOCATION_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home / ".local" / "share" / "laurels" / "laurels.db"


def test_org_brand_and_keys(configured: str) -> None:
    org = output(invoke("org", "create", "--name", "Acme", "--timezone", "Europe/London"))
    assert org["timezone"] == "Europe/London"
    assert org["apiKey"].startswith(org["keyId"] + ".")
    assert "admin" in org["scopes"]

    child = output(invoke("org", "create", "--name", "Acme DE", "--parent", org["orgId"]))
    assert child["parentOrgId"] == org["orgId"]

    brand = output(invoke("brand", "create", "--org", org["orgId"], "--name", "Acme Coffee"))
    assert isinstance(brand["brandId"], int)
    assert_refused(invoke("brand", "create", "--org", org["orgId"], "--name", "Acme Coffee"), "already exists")

    key = output(invoke("apikey", "create", "--org", org["orgId"], "--scope", "rewards:read", "--scope", "groups:read"))
    assert key["scopes"] == ["groups:read", "rewards:read"]
    revoked = output(invoke("apikey", "revoke", key["keyId"]))
    assert revoked["keyId"] == key["keyId"]
    assert revoked["revokedAt"].endswith("Z")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("org", "create", "--name", "X", "--timezone", "Mars/Olympus"), "'Mars/Olympus' is not an IANA time zone"),
        (("org", "create", "--name", "X", "--parent", "no-such-org"), "parent org no-such-org not found"),
        (("brand", "create", "--org", "no-such-org", "--name", "B"), "org no-such-org not found"),
        (("apikey", "create", "--org", "no-such-org"), "org no-such-org not found"),
        (("apikey", "revoke", "lk_nope"), "API key lk_nope not found"),
    ],
    ids=["unknown-timezone", "unknown-parent", "brand-of-unknown-org", "key-of-unknown-org", "unknown-key"],
)
def test_cli_failures_exit_non_zero_with_a_message(configured: str, args: tuple[str, ...], message: str) -> None:
    assert_refused(invoke(*args), message)


def test_an_unknown_scope_is_refused(configured: str) -> None:
    org = output(invoke("org", "create", "--name", "Y"))
    assert_refused(invoke("apikey", "create", "--org", org["orgId"], "--scope", "everything"), "unknown scope")


def test_idempotency_purge_forgets_keys_older_than_a_day(configured: str, db: Database, tenant: Tenant) -> None:
    created = tenant.post("/v1/rewards", json={"name": "Purge", "rewardType": "points", "config": {"amount": 1}})
    reward_id = tenant.data(created, 201)["reward"]["rewardId"]
    headers = {"Idempotency-Key": f"purge-{reward_id}"}

    def grant() -> str:
        answer = tenant.post("/v1/rewards/grant", json={"rewardId": reward_id, "userId": "u"}, headers=headers)
        return str(tenant.data(answer, 201)["result"]["transactionId"])

    first = grant()
    assert grant() == first  # replayed
    assert_refused(invoke("idempotency", "purge", "--older-than-hours", "23"), "kept at least 24 hours")

    # Still younger than a day: a purge keeps it.
    output(invoke("idempotency", "purge"))
    assert grant() == first
    with db.unit_of_work() as session:
        session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.key == headers["Idempotency-Key"])
            .values(created_at=utcnow() - timedelta(hours=25))
        )
    purged = output(invoke("idempotency", "purge"))
    assert purged["purged"] >= 1
    assert purged["usedBefore"].endswith("Z")
    assert grant() != first  # forgotten: the retry issues anew


def test_check_reports_records_that_disagree(configured: str, db: Database, tenant: Tenant) -> None:
    tenant.data(tenant.put("/v1/customers/checked", json={}), 201)
    body = {"amount": 7, "reason": "Checked"}
    tenant.data(tenant.post("/v1/customers/checked/points/adjustments", json=body), 201)
    report = output(invoke("check"))
    assert report["ok"] is True
    assert report["balancesChecked"] >= 1
    assert report["mismatches"] == []

    def shift(points: int) -> None:
        with db.unit_of_work() as session:
            account = PointsAccount
            session.execute(
                update(account).where(account.org_id == tenant.org_id).values(balance=account.balance + points)
            )

    shift(1)
    try:
        result = invoke("check")
        assert result.exit_code == 1
        assert "record(s) disagree" in result.stderr
        mismatches = json.loads(result.stdout)["mismatches"]
        assert [(m["kind"], m["orgId"], m["balance"], m["ledger"]) for m in mismatches] == [
            ("balance", tenant.org_id, 8, 7)
        ]
    finally:
        shift(-1)


def test_db_upgrade(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAURELS_DATABASE_URL", database_url)
    upgraded = output(invoke("db", "upgrade"))
    assert upgraded["revision"] is not None
    assert upgraded["revision"] == migrate.head_revision()
    assert upgraded["database"] == database_location(database_url)


def test_org_list(configured: str) -> None:
    parent = output(invoke("org", "create", "--name", "Listed", "--timezone", "Asia/Tokyo"))
    child = output(invoke("org", "create", "--name", "Listed child", "--parent", parent["orgId"]))
    orgs = {org["orgId"]: org for org in output(invoke("org", "list"))["orgs"]}
    assert orgs[parent["orgId"]]["name"] == "Listed"
    assert orgs[parent["orgId"]]["timezone"] == "Asia/Tokyo"
    assert orgs[parent["orgId"]]["parentOrgId"] is None
    assert orgs[child["orgId"]]["parentOrgId"] == parent["orgId"]
    assert orgs[child["orgId"]]["createdAt"].endswith("Z")
    assert set(orgs[child["orgId"]]) == {"orgId", "name", "timezone", "parentOrgId", "createdAt"}


def test_apikey_list_shows_every_key_but_never_a_secret(configured: str) -> None:
    org = output(invoke("org", "create", "--name", "Keys"))
    other = output(invoke("org", "create", "--name", "Other keys"))
    reader = output(invoke("apikey", "create", "--org", org["orgId"], "--scope", "rewards:read", "--name", "reader"))
    output(invoke("apikey", "revoke", reader["keyId"]))

    listed = invoke("apikey", "list", "--org", org["orgId"])
    keys = {key["keyId"]: key for key in output(listed)["keys"]}
    assert set(keys) == {org["keyId"], reader["keyId"]}  # not the other org's key
    assert keys[org["keyId"]]["name"] == "initial"
    assert keys[org["keyId"]]["revoked"] is False
    assert keys[org["keyId"]]["revokedAt"] is None
    assert keys[reader["keyId"]] | {"createdAt": "", "revokedAt": ""} == {
        "keyId": reader["keyId"],
        "name": "reader",
        "scopes": ["rewards:read"],
        "createdAt": "",
        "revoked": True,
        "revokedAt": "",
    }
    assert keys[reader["keyId"]]["revokedAt"].endswith("Z")
    for issued in (org, reader):
        secret = issued["apiKey"].partition(".")[2]
        assert secret not in listed.stdout
        assert hash_secret(secret) not in listed.stdout
    assert other["keyId"] not in listed.stdout


def test_listing_an_unknown_org_fails(configured: str) -> None:
    assert_refused(invoke("apikey", "list", "--org", "no-such-org"), "org no-such-org not found")


def test_default_database_is_the_same_from_any_directory(
    default_location: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()

    monkeypatch.chdir(first)
    upgraded = output(invoke("db", "upgrade"))
    assert upgraded["database"] == str(default_location)
    org = output(invoke("org", "create", "--name", "Anywhere"))

    monkeypatch.chdir(second)
    assert org["orgId"] in {listed["orgId"] for listed in output(invoke("org", "list"))["orgs"]}
    assert [key["keyId"] for key in output(invoke("apikey", "list", "--org", org["orgId"]))["keys"]] == [org["keyId"]]
    assert not list(first.iterdir())
    assert not list(second.iterdir())


def test_the_data_directory_variables_choose_the_default_location(
    default_location: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert output(invoke("db", "upgrade"))["database"] == str(tmp_path / "xdg" / "laurels" / "laurels.db")
    # A relative XDG_DATA_HOME is invalid by the XDG spec and ignored.
    monkeypatch.setenv("XDG_DATA_HOME", "relative")
    assert output(invoke("db", "upgrade"))["database"] == str(default_location)
    # LAURELS_DATA_DIR wins over XDG_DATA_HOME, and a relative one is made absolute.
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LAURELS_DATA_DIR", "mine")
    assert output(invoke("db", "upgrade"))["database"] == str(tmp_path / "mine" / "laurels.db")


def test_only_serve_and_db_upgrade_create_a_database(
    default_location: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    too_early = invoke("org", "create", "--name", "Too early")
    assert_refused(too_early, f"no database at {default_location}", "laurels serve")
    assert_refused(invoke("org", "list"), f"no database at {default_location}")
    assert not default_location.parent.exists()

    typo = tmp_path / "laurles.db"
    monkeypatch.setenv("LAURELS_DATABASE_URL", f"sqlite:///{typo}")
    assert_refused(invoke("apikey", "list", "--org", "x"), f"no database at {typo}", "LAURELS_DATABASE_URL")
    assert not typo.exists()


def test_serve_prints_the_absolute_database_path(
    default_location: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[dict[str, Any]] = []
    monkeypatch.setattr("laurels.cli.uvicorn.run", lambda *args, **kwargs: started.append(kwargs))
    monkeypatch.chdir(tmp_path)

    result = invoke("serve", "--port", "8123")
    assert result.exit_code == 0, result.stderr
    assert started, "serve did not start the server"
    assert default_location.exists()  # created and migrated before listening
    assert "Laurels on http://127.0.0.1:8123" in result.stderr
    assert f"Database (SQLite): {default_location}" in result.stderr
    assert "laurels org create" in result.stderr
    assert "Note:" not in result.stderr


def test_serve_banner_names_each_kind_of_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LAURELS_DATABASE_URL", "sqlite:///relative.db")
    assert f"Database (SQLite): {tmp_path / 'relative.db'}\n" in serve_banner("sqlite:///relative.db", "localhost", 80)

    banner = serve_banner("postgresql+psycopg://laurels:s3cret@db.internal:5432/laurels", "127.0.0.1", 8000)
    assert "Database (postgresql): postgresql+psycopg://laurels:***@db.internal:5432/laurels" in banner
    assert "s3cret" not in banner


def test_serve_banner_points_at_a_database_left_in_the_working_directory(
    default_location: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before the per-user default, `make serve` wrote ./laurels.db; its owner is told it is not in use."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "laurels.db").touch()
    banner = serve_banner(f"sqlite:///{default_location}", "127.0.0.1", 8000)
    assert f"Note: {tmp_path / 'laurels.db'} is not used" in banner
    assert f"LAURELS_DATABASE_URL=sqlite:///{tmp_path / 'laurels.db'}" in banner


def test_no_home_directory_and_no_variable_is_a_clear_refusal(
    default_location: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    assert_refused(invoke("db", "upgrade"), "no home directory", "LAURELS_DATA_DIR")


# --- one subprocess smoke test -------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class _Pipe:
    """Drains one of the server's pipes on a thread, so the server never blocks on a full pipe.

    ``arrived`` is set when a line containing ``marker`` is read, or when the pipe closes:
    a server that dies during start-up wakes the waiting test at once instead of at its deadline.
    """

    def __init__(self, stream: IO[str] | None, marker: str | None = None) -> None:
        assert stream is not None
        self.lines: list[str] = []
        self.found = False
        self.arrived = threading.Event()
        self._thread = threading.Thread(target=self._drain, args=(stream, marker), daemon=True)
        self._thread.start()

    def _drain(self, stream: IO[str], marker: str | None) -> None:
        with stream:
            for line in stream:
                self.lines.append(line)
                if marker is not None and marker in line:
                    self.found = True
                    self.arrived.set()
        self.arrived.set()

    def text(self) -> str:
        return "".join(self.lines)

    def closed_text(self, timeout: float) -> str:
        """Everything the process wrote, once it has exited and the pipe is at its end."""
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the pipe stayed open after the server exited"
        return self.text()


@on_the_default_database
def test_serve_and_cli_from_different_directories_share_the_default_database(tmp_path: Path) -> None:
    """The README's set-up and first request, end to end: a new machine, the server
    started in one directory and `laurels org create` run from another."""
    home, server_dir, client_dir = tmp_path / "home", tmp_path / "clone", tmp_path / "elsewhere"
    for directory in (home, server_dir, client_dir):
        directory.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in LOCATION_VARIABLES} | {"HOME": str(home)}
    expected = home / ".local" / "share" / "laurels" / "laurels.db"
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "laurels", "serve", "--port", str(port)],
        env=env,
        cwd=server_dir,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # uvicorn logs this line on stderr once its socket listens; "Application startup
    # complete" comes earlier, before the bind, so it would not do.
    stderr = _Pipe(server.stderr, marker=f"Uvicorn running on {base}")
    stdout = _Pipe(server.stdout)
    try:
        assert stderr.arrived.wait(timeout=30), f"server did not come up in 30 s:\n{stderr.text()}"
        assert stderr.found, f"server exited before listening:\n{stderr.text()}{stdout.text()}"
        assert httpx2.get(f"{base}/healthz").status_code == 200
        assert expected.exists()
        created = subprocess.run(
            [sys.executable, "-m", "laurels", "org", "create", "--name", "Newcomer"],
            env=env,
            cwd=client_dir,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert created.returncode == 0, created.stderr
        org = json.loads(created.stdout)
        headers = {"Authorization": f"Bearer {org['apiKey']}"}
        body = {"name": "Welcome", "rewardType": "points", "config": {"amount": 10}}
        reward = httpx2.post(f"{base}/v1/rewards", json=body, headers=headers)
        assert reward.status_code == 201, reward.text
        listed = httpx2.get(f"{base}/loyalty/v1/rewards", headers=headers).json()
        assert listed["data"]["count"] == 1
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()  # a server that ignores SIGTERM must not outlive the suite
            raise
    banner = stderr.closed_text(timeout=20)
    assert f"Laurels on {base}" in banner
    assert f"Database (SQLite): {expected}" in banner
    assert "laurels org create" in banner
    # The access log, one plain line per answer, on stdout.
    assert re.search(
        r'^INFO: +127\.0\.0\.1:\d+ - "POST /v1/rewards HTTP/1\.1" 201$', stdout.closed_text(timeout=20), re.M
    )
    assert not list(server_dir.iterdir())
    assert not list(client_dir.iterdir())
