"""The hot path's database work, counted: a GET by id is its reward select and nothing else."""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import event
from starlette.routing import Match

from laurels.app import create_app
from laurels.kit.db import Database
from laurels.kit.reads import Reads
from laurels.kit.routing import RouteIndex
from laurels.tenancy.service import TenancyService
from tests.support import Tenant

POINTS = {"name": "Counted", "rewardType": "points", "config": {"amount": 5}}


@contextmanager
def statements(app: FastAPI) -> Iterator[tuple[list[str], list[str]]]:
    """What the request path ran: (through the ORM's engine, on the event loop's hot reads)."""
    db: Database = app.state.db
    reads: Reads = app.state.reads
    engine: list[str] = []
    hot: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        engine.append(statement.strip())

    event.listen(db.engine, "before_cursor_execute", record)
    reads.listeners.append(hot.append)
    try:
        yield engine, hot
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
        reads.listeners.remove(hot.append)


@pytest.mark.parametrize("by", ["rewardId", "id"])
def test_an_authenticated_get_by_id_runs_one_select(app: FastAPI, tenant: Tenant, by: str) -> None:
    reward = tenant.data(tenant.post("/v1/rewards", json=POINTS), 201)["reward"]
    with statements(app) as (engine, hot):
        first = tenant.data(tenant.get(f"/v1/rewards/{reward[by]}"))
    # The first read loads and renders the reward once; the key was cached by the create.
    assert first == reward
    assert not any("api_keys" in s for s in engine + hot), (engine, hot)
    with statements(app) as (engine, hot):
        again = tenant.data(tenant.get(f"/v1/rewards/{reward[by]}"))
    assert again == reward
    assert engine == [], engine
    assert len(hot) == 1, hot
    assert hot[0].startswith("SELECT rewards.id, rewards.version"), hot


def test_a_list_page_runs_one_select_and_sees_every_committed_write(app: FastAPI, tenant: Tenant) -> None:
    for i in range(3):
        tenant.data(tenant.post("/v1/rewards", json={**POINTS, "name": f"Listed {i}"}), 201)
    tenant.data(tenant.get("/v1/rewards?limit=50"))  # every reward rendered once
    with statements(app) as (engine, hot):
        page = tenant.data(tenant.get("/v1/rewards?limit=50"))
    assert engine == [], engine
    assert len(hot) == 1, hot
    first = page["rewards"][0]
    # A committed update is seen by the next read, rendered afresh for its new version.
    tenant.data(tenant.put(f"/v1/rewards/{first['rewardId']}", json={"name": "Renamed"}))
    after = tenant.data(tenant.get("/v1/rewards?limit=50"))
    assert after["rewards"][0]["name"] == "Renamed"
    assert after["rewards"][1:] == page["rewards"][1:]
    assert tenant.data(tenant.get(f"/v1/rewards/{first['id']}"))["name"] == "Renamed"
    # A deleted one is gone from both reads at once.
    tenant.data(tenant.delete(f"/v1/rewards/{first['rewardId']}"))
    assert tenant.get(f"/v1/rewards/{first['rewardId']}").status_code == 404
    assert [r["id"] for r in tenant.data(tenant.get("/v1/rewards?limit=50"))["rewards"]] == [
        r["id"] for r in page["rewards"][1:]
    ]


def test_a_revoked_key_is_refused_at_once_in_this_process(db: Database, tenant: Tenant) -> None:
    tenant.data(tenant.get("/v1/rewards"))  # cached
    with db.unit_of_work() as session:
        TenancyService(session).revoke_api_key(tenant.key_id)
    assert tenant.get("/v1/rewards").status_code == 401


def test_every_dependency_runs_on_the_event_loop(app: FastAPI) -> None:
    """A synchronous dependency would cost a thread hop of its own on every request that uses it."""

    def calls(dependant: Dependant) -> Iterator[Any]:
        for sub in dependant.dependencies:
            yield sub.call
            yield from calls(sub)

    def is_async(call: Any) -> bool:
        # A dependency is a function, or an object whose __call__ is one (tenancy.auth's guards).
        target = call if inspect.isfunction(call) else type(call).__call__
        return inspect.iscoroutinefunction(target) or inspect.isasyncgenfunction(target)

    sync = {
        f"{route.path}: {getattr(call, '__qualname__', call)}"
        for route in app.routes
        if isinstance(route, APIRoute)
        for call in calls(route.dependant)
        if call is not None and not is_async(call)
    }
    assert not sync, sorted(sync)


def test_the_route_index_matches_as_the_router_does(db: Database, tenant: Tenant) -> None:
    """kit.routing.RouteIndex narrows matching; what a request reaches must not change."""
    app = create_app(db)

    @app.get("/v1/rewards/added-later")
    async def shadowed() -> dict[str, str]:
        return {"reached": "shadowed"}

    @app.get("/v1/added-later")
    async def added_later() -> dict[str, str]:
        return {"reached": "later"}

    with TestClient(app) as client:
        headers = tenant.headers
        # A route added after start-up is indexed too; an earlier route with a parameter
        # (/v1/rewards/{rewardId}) still comes first in table order, as in Starlette's router.
        assert client.get("/v1/rewards/added-later", headers=headers).status_code == 404
        assert client.get("/v1/added-later").json() == {"reached": "later"}
        assert client.patch("/v1/rewards/x", headers=headers).status_code == 405
        assert client.get("/v1/nowhere", headers=headers).status_code == 404
        assert client.get("/healthz").json()["status"] == "ok"


def test_healthz_says_when_the_database_does_not_answer(tmp_path: Path) -> None:
    gone = Database(f"sqlite:///{tmp_path}/no-such-directory/laurels.db")
    with TestClient(create_app(gone)) as client:
        answer = client.get("/healthz")
    assert answer.status_code == 503
    assert answer.json() == {"status": "unavailable", "database": "unreachable"}


def test_every_authenticated_operation_documents_its_schemes_and_org_headers(app: FastAPI) -> None:
    """The org headers and security schemes are read by one dependency but documented as before."""
    schema = app.openapi()
    assert set(schema["components"]["securitySchemes"]) == {"HTTPBearer", "HTTPBasic"}
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            headers = [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]
            if path == "/healthz":
                assert "security" not in operation
                continue
            assert operation["security"] == [{"HTTPBearer": []}, {"HTTPBasic": []}], (method, path)
            assert headers[-2:] == ["x-monterosa-org-id", "x-org-id"], (method, path)


def test_the_route_index_finds_what_a_scan_of_the_table_finds_for_every_route(app: FastAPI) -> None:
    """For a path made from every route's template (each parameter a word, a number, or a
    segment that is another route's literal), the index's first full match is the router's."""
    index = RouteIndex(app.router, app.router)
    literals = {part for route in app.router.routes for part in getattr(route, "path", "").split("/")}
    fillers = ["x", "42", *sorted(p for p in literals if p and "{" not in p)]
    checked = 0
    for route in app.router.routes:
        template: str = getattr(route, "path", "")
        for filler in fillers if "{" in template else [""]:
            path = re.sub(r"\{[^}]*\}", filler, template)
            for method in getattr(route, "methods", None) or {"GET"}:
                scope = {"type": "http", "path": path, "method": method, "root_path": "", "headers": []}
                scanned = next(
                    ((r, s) for r in app.router.routes for m, s in [r.matches(scope)] if m == Match.FULL), None
                )
                assert index.matching(scope) == scanned, (method, path)
                checked += 1
    assert checked > 1000
