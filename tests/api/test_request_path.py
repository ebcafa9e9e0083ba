"""The hot path's database work, counted: a GET by id is its reward select and nothing else."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from laurels.kit.db import Database
from laurels.tenancy.repository import TenancyRepository
from laurels.tenancy.service import TenancyService
from tests.support import Tenant

POINTS = {"name": "Counted", "rewardType": "points", "config": {"amount": 5}}


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement.strip().split()[0].upper() + " " + statement.strip())

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_an_authenticated_get_by_id_runs_one_select(db: Database, tenant: Tenant) -> None:
    reward = tenant.data(tenant.post("/v1/rewards", json=POINTS), 201)["reward"]
    tenant.data(tenant.get(f"/v1/rewards/{reward['rewardId']}"))  # the key is now cached
    with statements(db) as seen:
        got = tenant.data(tenant.get(f"/v1/rewards/{reward['rewardId']}"))
    assert got["rewardId"] == reward["rewardId"]
    selects = [s for s in seen if s.startswith("SELECT")]
    assert len(selects) == 1, seen
    assert "FROM rewards" in selects[0]
    assert not any("api_keys" in s for s in seen), seen
    # PostgreSQL reads run in autocommit: no BEGIN/COMMIT round trips around the select.
    if not db.is_sqlite:
        assert seen == selects, seen


def test_a_revoked_key_is_refused_at_once_in_this_process(db: Database, tenant: Tenant) -> None:
    tenant.data(tenant.get("/v1/rewards"))  # cached
    with db.unit_of_work() as session:
        TenancyService(TenancyRepository(session)).revoke_api_key(tenant.key_id)
    assert tenant.get("/v1/rewards").status_code == 401
