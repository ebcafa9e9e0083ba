"""An integer id a client has seen is never handed out again, even after its row is deleted.

For every resource that answers an integer id and can be deleted: create two,
delete the newest, create another: the new one's id is above the deleted one's.
(SQLite without AUTOINCREMENT gave it the deleted id again.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.support import Tenant


@dataclass(frozen=True)
class Kind:
    name: str
    path: str  # the collection; "{parent}" is filled by ``parent``
    one: str  # key of the row in the create answer
    body: Callable[[int], dict[str, Any]]
    int_id: str = "id"  # the integer id a client sees
    address: str = "id"  # what the delete route takes
    parent: Callable[[Tenant], str] | None = None


def _program(tenant: Tenant) -> str:
    program = tenant.data(tenant.post("/v1/loyalty-programs", json={"name": "Program"}), 201)["loyaltyProgram"]
    return str(program["id"])


def _segment(tenant: Tenant) -> str:
    return str(tenant.data(tenant.post("/v1/segments", json={"name": "Segment"}), 201)["segment"]["id"])


KINDS = [
    Kind(
        "rewards",
        "/v1/rewards",
        "reward",
        lambda i: {"name": f"Reward {i}", "rewardType": "points", "config": {"amount": 10}},
        address="rewardId",
    ),
    Kind("code pools", "/v1/code-pools", "codePool", lambda i: {"name": f"Pool {i}"}, "seriesId", "codePoolId"),
    Kind("labels", "/v1/labels", "label", lambda i: {"name": f"Label {i}"}),
    Kind("categories", "/v1/categories", "category", lambda i: {"name": f"Category {i}"}),
    Kind("vendors", "/v1/vendors", "vendor", lambda i: {"name": f"Vendor {i}"}),
    Kind("segments", "/v1/segments", "segment", lambda i: {"name": f"Segment {i}"}),
    Kind("loyalty programs", "/v1/loyalty-programs", "loyaltyProgram", lambda i: {"name": f"Program {i}"}),
    Kind("card series", "/v1/card-series", "cardSeries", lambda i: {"code": f"SERIES-{i}", "name": f"Series {i}"}),
    Kind("custom fields", "/v1/custom-fields", "customField", lambda i: {"name": f"CF{i}", "scope": "reward"}),
    Kind("tiers", "/v1/loyalty-programs/{parent}/tiers", "tier", lambda i: {"name": f"Tier {i}"}, parent=_program),
    Kind(
        "partner programs",
        "/v1/loyalty-programs/{parent}/partner-programs",
        "partnerProgram",
        lambda i: {"name": f"Partner {i}"},
        parent=_program,
    ),
    Kind(
        "partitions",
        "/v1/segments/{parent}/partitions",
        "partition",
        lambda i: {"name": f"Partition {i}"},
        parent=_segment,
    ),
]


@pytest.mark.parametrize("kind", KINDS, ids=[k.name for k in KINDS])
def test_the_id_of_a_deleted_newest_row_is_not_handed_out_again(tenant: Tenant, kind: Kind) -> None:
    path = kind.path.format(parent=kind.parent(tenant)) if kind.parent else kind.path

    def create(i: int) -> dict[str, Any]:
        row: dict[str, Any] = tenant.data(tenant.post(path, json=kind.body(i)), 201)[kind.one]
        assert isinstance(row[kind.int_id], int), row
        return row

    first, newest = create(1), create(2)
    assert newest[kind.int_id] > first[kind.int_id]
    tenant.data(tenant.delete(f"{path}/{newest[kind.address]}"))
    after = create(3)
    assert after[kind.int_id] > newest[kind.int_id]

    if kind.parent is None:  # nested rows have no read-one route
        # The deleted id still answers "not found", not someone else's row.
        assert tenant.get(f"{path}/{newest[kind.address]}").status_code == 404


def test_a_capillary_client_holding_a_deleted_reward_id_reads_nothing(tenant: Tenant) -> None:
    brand = tenant.data(tenant.post("/v1/brands", json={"name": "Acme"}), 201)["brandId"]
    body = {
        "startTime": "2030-01-01 00:00:00",
        "endTime": "2031-01-01 00:00:00",
        "type": "FREE_VOUCHER",
        "redemptionType": "PHYSICAL_REWARD",
        "languageSpecificInfo": [{"languageCode": "en", "name": "Held"}],
        "brandId": brand,
    }
    cap = "/api_gateway/rewards/core/v1/reward"

    def create() -> int:
        response = tenant.post(f"{cap}/create", json=body)
        assert response.status_code == 200, response.text
        reward_id: int = response.json()["reward"]["id"]
        return reward_id

    create()
    held = create()
    tenant.data(tenant.delete(f"/v1/rewards/{held}"))
    assert create() > held
    response = tenant.get(f"{cap}/{held}/brand/{brand}")
    assert response.status_code == 404, response.text
    assert response.json()["status"]["code"] == 6004
