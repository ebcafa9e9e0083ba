"""Helpers the tests share: a tenant with its own key, speaking HTTP to the app."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import text

from laurels.issuance.reconcile import ReconcileService
from laurels.kit.db import Database
from laurels.tenancy.service import TenancyService


@dataclass
class Tenant:
    """An org of its own and a key for it: tests never see each other's data."""

    client: TestClient
    org_id: str
    token: str
    key_id: str
    extra_headers: dict[str, str] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **self.extra_headers}

    @property
    def basic_headers(self) -> dict[str, str]:
        key_id, _, secret = self.token.partition(".")
        raw = base64.b64encode(f"{key_id}:{secret}".encode()).decode()
        return {"Authorization": f"Basic {raw}"}

    def request(self, method: str, path: str, **kwargs: Any) -> Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.request(method, path, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Response:
        return self.request("DELETE", path, **kwargs)

    def data(self, response: Response, status: int = 200) -> Any:
        """The envelope's data, after checking the status and the success flag."""
        assert response.status_code == status, response.text
        body = response.json()
        assert body["success"] is True, body
        return body["data"]


def make_tenant(
    db: Database,
    client: TestClient,
    *,
    name: str = "Test Org",
    parent_id: str | None = None,
    scopes: list[str] | None = None,
) -> Tenant:
    with db.unit_of_work() as session:
        service = TenancyService(session)
        org = service.create_org(name, parent_id=parent_id)
        issued = service.create_api_key(org.id, scopes)
    return Tenant(client=client, org_id=org.id, token=issued.token, key_id=issued.key.id)


def error_of(response: Response, status: int) -> dict[str, Any]:
    """The envelope's error, after checking the status and the failure flag."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False, body
    error: dict[str, Any] = body["error"]
    assert error["code"], body
    assert error["message"], body
    return error


def api_routes(app: FastAPI) -> list[tuple[str, str, bool]]:
    """(method, path, in OpenAPI) for every API route the app serves.

    FastAPI 0.163 keeps included routers as wrappers in ``app.routes``; their
    ``effective_route_contexts`` yield the routes with their prefixes applied.
    """
    found: list[tuple[str, str, bool]] = []

    def visit(route: Any) -> None:
        if isinstance(route, APIRoute) or hasattr(route, "dependant"):
            found.extend((m, route.path, route.include_in_schema) for m in sorted(route.methods))
        elif hasattr(route, "effective_route_contexts"):
            for context in route.effective_route_contexts():
                visit(context)

    for route in app.routes:
        visit(route)
    return found


def assert_reconciled(db: Database) -> None:
    """Every balance agrees with its ledger and every limit counter with its issuances (``laurels check``)."""
    with db.session(write=False) as session:
        report = ReconcileService(session).check()
    assert report.ok, report.mismatches[:5]


def blocked_by(db: Database, holder: int) -> str | None:
    """The statement of a backend waiting for a lock ``holder`` holds, if one is.

    pg_stat_activity copies every backend's statement text at the first read of a transaction,
    but reads wait events live: a backend that sent its locking statement just after the copy
    shows, while it waits, the statement before it (a CI run saw a waiting backend's query read
    ``BEGIN``). So the waiting backend is found first, and its statement read in a second
    transaction, begun once it was seen waiting, and only if it still waits then.
    """
    with db.engine.connect() as conn:
        waiting = conn.execute(
            text("SELECT pid FROM pg_stat_activity WHERE :holder = ANY(pg_blocking_pids(pid))"), {"holder": holder}
        ).scalar()
    if waiting is None:
        return None
    with db.engine.connect() as conn:
        found: str | None = conn.execute(
            text("SELECT query FROM pg_stat_activity WHERE pid = :pid AND :holder = ANY(pg_blocking_pids(pid))"),
            {"pid": waiting, "holder": holder},
        ).scalar()
        return found
