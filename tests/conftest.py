"""Test fixtures. The same suite runs on SQLite (default) and on PostgreSQL.

Set LAURELS_TEST_DATABASE_URL=postgresql://... to run on PostgreSQL; the
schema in that database is dropped and migrated afresh at the start of the run.
Isolation between tests comes from tenancy itself: each test works in orgs of
its own, so the database is migrated once per run and never truncated.

`make test` runs the suite in parallel processes (pytest-xdist, ``-n``): each
worker has a database of its own — a SQLite file in its own temporary
directory, or on PostgreSQL the configured database's name plus the worker's
(``laurels_test_gw0`` …), created on first use — and its own app and live
server, so workers share nothing but the machine.

The test client keeps ``raise_server_exceptions=False``, so a test sees the 500
envelope a client would. The server's traceback is not lost for that: every
unexpected error the app logs (``log.exception`` on the "laurels" logger, in
``kit.http``) during a test is printed under that test's failure, as a section
of the failure itself, whichever client (TestClient or the live server) sent the
request and whatever the log capture settings.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import make_url, text

from laurels.app import create_app
from laurels.config import normalize_url
from laurels.kit import migrate
from laurels.kit.db import Database
from tests.support import Tenant, make_tenant


class _ServerTracebacks(logging.Handler):
    """Keeps the tracebacks the application logs, so a failing test can show them."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.setFormatter(logging.Formatter("%(asctime)s %(threadName)s %(name)s: %(message)s"))
        self._lock_records = threading.Lock()
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info is None:
            return
        formatted = self.format(record)
        with self._lock_records:
            self.records.append(formatted)

    def take(self) -> list[str]:
        with self._lock_records:
            taken, self.records = self.records, []
        return taken


_server_tracebacks = _ServerTracebacks()


def pytest_configure(config: pytest.Config) -> None:
    # On the application's logger itself: independent of propagation, of the root logger's level
    # and of pytest's log capture options.
    logging.getLogger("laurels").addHandler(_server_tracebacks)


def pytest_unconfigure(config: pytest.Config) -> None:
    logging.getLogger("laurels").removeHandler(_server_tracebacks)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _server_tracebacks.take()  # what earlier tests (or session fixtures) logged is not this test's


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failing test shows the server tracebacks logged while it ran, right under its own traceback
    (a section of the failure, so it is shown even when captured logs are not)."""
    report = yield
    add_section = getattr(report.longrepr, "addsection", None)
    if report.failed and add_section is not None:
        tracebacks = _server_tracebacks.take()
        for i, traceback in enumerate(tracebacks, 1):
            add_section(f"server traceback {i} of {len(tracebacks)}", traceback)
    return report


def _worker_database(url: str, worker: str) -> str:
    """The database of one pytest-xdist worker: the configured one's name plus the worker's
    (``laurels_test_gw0`` …), created on first use (the test role may create databases), so that
    workers never drop each other's schema."""
    base = make_url(url)
    name = f"{base.database}_{worker}"
    db = Database(url)
    with db.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")  # CREATE DATABASE refuses a transaction
        if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}) is None:
            conn.execute(text(f"CREATE DATABASE {db.engine.dialect.identifier_preparer.quote(name)}"))
    db.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _reset_postgres(url: str) -> None:
    db = Database(url)
    with db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    db.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("LAURELS_TEST_DATABASE_URL")
    if url:
        url = normalize_url(url)
        worker = os.environ.get("PYTEST_XDIST_WORKER")  # set in each worker of `pytest -n N`
        if worker:
            url = _worker_database(url, worker)
        _reset_postgres(url)
        return url
    path: Path = tmp_path_factory.mktemp("db") / "laurels-test.db"
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    migrate.upgrade(database)
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def app(db: Database) -> FastAPI:
    return create_app(db)


@pytest.fixture(scope="session")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def tenant_factory(db: Database, client: TestClient) -> Callable[..., Tenant]:
    def factory(**kwargs: object) -> Tenant:
        return make_tenant(db, client, **kwargs)  # type: ignore[arg-type]

    return factory


@pytest.fixture
def tenant(tenant_factory: Callable[..., Tenant]) -> Tenant:
    return tenant_factory()


@pytest.fixture
def other_tenant(tenant_factory: Callable[..., Tenant]) -> Tenant:
    return tenant_factory(name="Other Org")


class _SignallingServer(uvicorn.Server):
    """A uvicorn server that says when it listens, so the fixture waits on an event, not a poll."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()


@pytest.fixture(scope="session")
def live_server(app: FastAPI) -> Iterator[str]:
    """The app behind a real uvicorn server on loopback, for tests that race real requests."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", limit_concurrency=200)
    server = _SignallingServer(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    assert server.ready.wait(15), "live server did not start"
    assert server.started, "live server failed to start"
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
