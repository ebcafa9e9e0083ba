"""The hot reads (kit/reads.py) serve cached bodies per reward version: every committed change shows at once."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import text

from laurels.kit.db import Database
from tests.support import Tenant

USER_LIST = "/api_gateway/rewards/core/v1/user/reward/brand/Hot"
CAP = "/api_gateway/rewards/core/v1"


@pytest.fixture
def brand(tenant: Tenant) -> int:
    brand_id: int = tenant.data(tenant.post("/v1/brands", json={"name": "Hot"}), 201)["brandId"]
    return brand_id


def reward(tenant: Tenant, brand: int, name: str, **fields: Any) -> dict[str, Any]:
    body = {"name": name, "rewardType": "points", "config": {"amount": 5}, "brandId": brand, **fields}
    created: dict[str, Any] = tenant.data(tenant.post("/v1/rewards", json=body), 201)["reward"]
    return created


def names(tenant: Tenant, **params: Any) -> list[str]:
    response = tenant.get(USER_LIST, params={"userId": "hot-user", **params})
    assert response.status_code == 200, response.text
    return [r["name"] for r in response.json()["rewards"]]


def test_the_per_user_list_shows_every_committed_change_at_once(tenant: Tenant, brand: int) -> None:
    first = reward(tenant, brand, "First", priority=1)
    second = reward(tenant, brand, "Second", priority=2)
    assert names(tenant) == ["First", "Second"]
    # A renamed reward, a reordered one, a disabled one: each is a new version, seen by the next read.
    tenant.data(tenant.put(f"/v1/rewards/{first['rewardId']}", json={"name": "Renamed", "priority": 3}))
    assert names(tenant) == ["Second", "Renamed"]
    tenant.data(tenant.put(f"/v1/rewards/{second['rewardId']}", json={"status": "inactive"}))
    assert names(tenant) == ["Renamed"]
    tenant.data(tenant.delete(f"/v1/rewards/{first['rewardId']}"))
    assert names(tenant) == []


def test_the_customer_is_judged_on_every_read(tenant: Tenant, brand: int) -> None:
    label = tenant.data(tenant.post("/v1/labels", json={"name": "vip"}), 201)["label"]["id"]
    reward(tenant, brand, "Open")
    reward(tenant, brand, "For VIPs", labels=[label])
    assert names(tenant) == ["Open"]
    tenant.data(tenant.put("/v1/customers/hot-user", json={"labels": [label]}), 201)
    assert names(tenant) == ["Open", "For VIPs"]
    tenant.data(tenant.put("/v1/customers/hot-user", json={"labels": []}))
    assert names(tenant) == ["Open"]


def test_each_language_is_rendered_for_itself(tenant: Tenant, brand: int) -> None:
    lsi = [{"languageCode": "en", "name": "Coffee"}, {"languageCode": "fr", "name": "Café"}]
    created = reward(tenant, brand, "Coffee", languageSpecificInfo=lsi)
    assert names(tenant, language="fr") == ["Café"]
    assert names(tenant, language="en") == ["Coffee"]
    assert names(tenant, language="FR") == ["Café"]
    assert names(tenant) == ["Coffee"]
    lsi[1]["name"] = "Café crème"
    tenant.data(tenant.put(f"/v1/rewards/{created['rewardId']}", json={"languageSpecificInfo": lsi}))
    assert names(tenant, language="fr") == ["Café crème"]


def test_an_unknown_brand_is_still_404_and_a_brand_without_rewards_an_empty_list(tenant: Tenant, brand: int) -> None:
    missing = tenant.get("/api_gateway/rewards/core/v1/user/reward/brand/Nowhere")
    assert missing.status_code == 404
    assert missing.json()["status"]["message"] == "Brand not found: Nowhere"
    body = tenant.get(USER_LIST).json()
    assert body["rewards"] == []
    assert body["pagination"] == {"page": 0, "size": 50, "count": 0, "total": 0}


def test_the_capillary_detail_shows_every_committed_change_at_once(tenant: Tenant, brand: int) -> None:
    created = reward(tenant, brand, "Detail")
    path = f"{CAP}/reward/{created['id']}/brand/{brand}"
    first = tenant.get(path).json()
    assert first["status"] == {"success": True, "code": 6001, "message": "Reward fetched successfully"}
    assert first["reward"]["name"] == "Detail"
    tenant.data(tenant.put(f"/v1/rewards/{created['rewardId']}", json={"name": "Detail 2"}))
    assert tenant.get(path).json()["reward"]["name"] == "Detail 2"
    other = tenant.data(tenant.post("/v1/brands", json={"name": "Other"}), 201)["brandId"]
    assert tenant.get(f"{CAP}/reward/{created['id']}/brand/{other}").status_code == 404
    tenant.data(tenant.delete(f"/v1/rewards/{created['rewardId']}"))
    assert tenant.get(path).status_code == 404


def test_a_read_connection_dropped_while_idle_is_replaced_unseen(db: Database, tenant: Tenant, brand: int) -> None:
    """PostgreSQL ended the hot reads' idle connections (a restart, a killed backend): the next
    reads are answered as if nothing happened, each taking a fresh connection, no ping per read."""
    if db.is_sqlite:
        pytest.skip("SQLite's hot reads use the process's own file, with no server to drop them")
    created = reward(tenant, brand, "Survivor")
    path = f"/v1/rewards/{created['rewardId']}"
    assert tenant.data(tenant.get(path))["name"] == "Survivor"
    mine = {"name": "laurels-reads"}
    with db.engine.connect() as conn:
        ended = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name = :name"
            ),
            mine,
        )
        assert ended.scalar_one() >= 1
        # Watch them go: a read sent before a backend has exited would race its goodbye instead.
        left = text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = :name"
        )
        deadline = time.monotonic() + 30
        while conn.execute(left, mine).scalar_one():
            assert time.monotonic() < deadline, "the ended backends are still there after 30 s"
            conn.rollback()  # a fresh snapshot of pg_stat_activity each look
    assert tenant.data(tenant.get(path))["name"] == "Survivor"
    assert names(tenant) == ["Survivor"]
