"""Test fixtures. The same suite runs on SQLite (default) and on PostgreSQL.

Set LAURELS_TEST_DATABASE_URL=postgresql://... to run on PostgreSQL; the
schema in that database is dropped and migrated afresh at the start of the run.
Isolation between tests comes from tenancy itself: each test works in orgs of
its own, so the database is migrated once per run and never truncated.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from laurels.app import create_app
from laurels.config import normalize_url
from laurels.kit import migrate
from laurels.kit.db import Database
from tests.support import Tenant, make_tenant


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


@pytest.fixture(scope="session")
def live_server(app: FastAPI) -> Iterator[str]:
    """The app behind a real uvicorn server on loopback, for tests that race real requests."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", limit_concurrency=200)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "live server did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
