"""A unit's final statement (kit.unit.run_at_commit) runs whoever commits, and only if it commits."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from laurels.issuance.models import LimitCounter
from laurels.issuance.pipeline import IssueRequest, Pipeline
from laurels.issuance.rules import LimitReached, Unavailable
from laurels.kit.clock import utcnow
from laurels.kit.db import Database
from laurels.kit.unit import run_unit
from laurels.rewards.models import Reward
from tests.support import Tenant


def _limited_reward(tenant: Tenant, limit: int) -> str:
    restriction = {"kpi": "QUANTITY", "windowType": "FIXED", "repeatFrequencyType": "NO_LIMIT", "limit": limit}
    body = {
        "name": "Limited points",
        "rewardType": "points",
        "config": {"amount": 5},
        "restrictions": {"rewardLevel": [restriction]},
    }
    return str(tenant.data(tenant.post("/v1/rewards", json=body), 201)["reward"]["rewardId"])


def _used(db: Database, reward_id: str) -> list[int]:
    with db.session(write=False) as session:
        stmt = (
            select(LimitCounter.used)
            .join(Reward, Reward.id == LimitCounter.reward_pk)
            .where(Reward.reward_id == reward_id)
        )
        return list(session.scalars(stmt))


def test_a_plain_commit_runs_the_final_statement_and_raises_its_refusal(db: Database, tenant: Tenant) -> None:
    reward_id = _limited_reward(tenant, 1)
    grant = IssueRequest(reward=reward_id, user_id="u1", source="grant")

    # Database.unit_of_work commits with Session.commit, not kit.unit.commit: the reward-level
    # counter, the pipeline's final statement, is still taken, by the before_commit hook.
    with db.unit_of_work() as session:
        Pipeline(session).issue(tenant.org_id, grant, utcnow())
    assert _used(db, reward_id) == [1]

    with pytest.raises(LimitReached) as refused, db.unit_of_work() as session:
        Pipeline(session).issue(tenant.org_id, grant, utcnow())
    assert refused.value.code == "REWARD_LIMIT_REACHED"
    assert _used(db, reward_id) == [1]


def test_a_rolled_back_unit_drops_its_final_statement(db: Database, tenant: Tenant) -> None:
    reward_id = _limited_reward(tenant, 5)
    with db.session(write=True) as session:
        Pipeline(session).issue(tenant.org_id, IssueRequest(reward=reward_id, user_id="u1", source="grant"), utcnow())
        session.rollback()
        session.commit()  # nothing left to run: the rollback dropped the final statement
    assert _used(db, reward_id) == []


def _stocked_reward(tenant: Tenant, stock: int, limit: int) -> str:
    product = {"productId": f"stocked-{stock}-{limit}", "sku": "S-1", "name": "Stocked", "stock": stock}
    tenant.data(tenant.post("/v1/products", json=product), 201)
    restriction = {"kpi": "QUANTITY", "windowType": "FIXED", "repeatFrequencyType": "NO_LIMIT", "limit": limit}
    body = {
        "name": "Stocked and limited",
        "rewardType": "product",
        "config": {"productId": product["productId"], "quantity": 1},
        "restrictions": {"rewardLevel": [restriction]},
    }
    return str(tenant.data(tenant.post("/v1/rewards", json=body), 201)["reward"]["rewardId"])


@pytest.mark.parametrize(("stock", "limit", "code"), [(1, 5, "OUT_OF_STOCK"), (5, 1, "REWARD_LIMIT_REACHED")])
def test_each_final_statement_refuses_with_its_own_error(
    db: Database, tenant: Tenant, stock: int, limit: int, code: str
) -> None:
    # Stock and the reward-level counter are both final statements, pipelined with the COMMIT on
    # PostgreSQL (kit.unit.commit): the constraint the database names says which one refused.
    reward_id = _stocked_reward(tenant, stock, limit)
    grant = IssueRequest(reward=reward_id, user_id="u1", source="grant")

    def issue() -> None:
        session = db.session(write=True)
        run_unit(session, lambda: Pipeline(session).issue(tenant.org_id, grant, utcnow()))

    issue()
    with pytest.raises(Unavailable if code == "OUT_OF_STOCK" else LimitReached) as refused:
        issue()
    assert refused.value.code == code
    assert _used(db, reward_id) == [1]
    product = tenant.data(tenant.get(f"/v1/products/stocked-{stock}-{limit}"))
    assert product["stock"] == stock - 1
