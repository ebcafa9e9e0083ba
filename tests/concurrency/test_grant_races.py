"""Grants raced over real HTTP against a running server: no limit, stock or code is ever over-issued.

Each test sends at least 200 grants to ``live_server``, a real uvicorn server on
a real database (SQLite by default, PostgreSQL with LAURELS_TEST_DATABASE_URL).
``CONCURRENCY`` worker threads, each with a connection of its own, wait on one
``threading.Barrier`` and are released together; each then sends its share of
the grants back to back, so ``CONCURRENCY`` grants are in flight from the first
to the last. One customer's grants (or one key's retries) are listed together,
so most of those in flight race for the same customer as well as for the same
reward. Nothing sleeps and nothing orders them: only the engine's conditional
writes (``issuance.repository``) stand between them and an over-issue.

Proven for a reward-level QUANTITY limit, a customer-level daily limit, a
REDEMPTION_VALUE limit, a pool of unique codes, a product's stock, an
Idempotency-Key and a customer-level ROLLING limit:

- every answer is 201 or the one 409 the scenario expects; never a 5xx, never
  a dropped connection, never anything else (on PostgreSQL, new customers'
  first grants once deadlocked here: ``CustomerService.ensure``);
- exactly as many grants succeed as the limit, stock or pool allows: none more
  (nothing over-issued) and none fewer (no refusal while there was room);
- afterwards the records agree with the answers: the issuances listed for the
  reward are exactly the successful ones, each points balance is its
  customer's successes times the amount, the limit counters add up to what the
  issuances count, and the stock or the pool is empty;
- racing retries of one Idempotency-Key issue once: every answer is the first
  one's bytes, all but that one marked ``Idempotent-Replayed: true``.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx2
import pytest
from sqlalchemy import func, select

from laurels.issuance.models import LimitCounter
from laurels.kit.db import Database
from tests.support import Tenant, assert_reconciled

# Grants in flight at once: more than the server's 20 worker threads and connections, so
# grants also queue for them, and few enough for a 2-core machine.
CONCURRENCY = 48
GRANTS = 240
TIMEOUT = 60
GRANT = "/v1/rewards/grant"


@dataclass(frozen=True)
class Grant:
    user_id: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    grant: Grant
    status: int  # 0: no answer at all, the connection failed (body: the error)
    body: Any
    content: bytes = b""
    replayed: str | None = None

    @property
    def outcome(self) -> tuple[int, str | None]:
        """The status, and for a refusal its error code: what the scenario's tally counts."""
        if self.status == 0:
            return 0, str(self.body)
        if self.status == 201:
            return 201, None
        error = self.body.get("error") if isinstance(self.body, dict) else None
        return self.status, error.get("code") if isinstance(error, dict) else None

    @property
    def result(self) -> dict[str, Any]:
        result: dict[str, Any] = self.body["data"]["result"]
        return result


def send(http: httpx2.Client, reward_id: str, grant: Grant) -> Answer:
    body = {"rewardId": reward_id, "userId": grant.user_id}
    try:
        response = http.post(GRANT, json=body, headers=grant.headers)
    except httpx2.TransportError as exc:
        # Kept as an answer, so that the tally shows it beside the others (uvicorn closes a
        # connection after a 500, and the next request sent on it may be reset).
        return Answer(grant, 0, f"{type(exc).__name__}: {exc}")
    try:
        parsed = response.json()
    except ValueError:
        parsed = None  # not JSON: the tally shows its status
    return Answer(grant, response.status_code, parsed, response.content, response.headers.get("Idempotent-Replayed"))


def race(base_url: str, tenant: Tenant, reward_id: str, grants: Sequence[Grant]) -> list[Answer]:
    """Send every grant, ``CONCURRENCY`` at a time, all workers released together by one barrier."""
    start = threading.Barrier(CONCURRENCY)

    def worker(first: int) -> list[Answer]:
        with httpx2.Client(base_url=base_url, timeout=TIMEOUT, headers=tenant.headers) as http:
            start.wait(TIMEOUT)
            return [send(http, reward_id, grant) for grant in grants[first::CONCURRENCY]]

    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        return [a for answers in pool.map(worker, range(CONCURRENCY)) for a in answers]


def expect_outcomes(answers: Sequence[Answer], successes: int, refusal: str | None) -> list[Answer]:
    """Exactly ``successes`` answers are 201 and every other one is 409 ``refusal``; returns the 201s."""
    tally = Counter(a.outcome for a in answers)
    expected = +Counter({(201, None): successes, (409, refusal): len(answers) - successes})
    unexpected = [a.body for a in answers if a.outcome not in expected][:3]
    assert tally == expected, (tally, unexpected)
    return [a for a in answers if a.status == 201]


def issuances_of(tenant: Tenant, reward_id: str) -> list[dict[str, Any]]:
    """Every issuance of the reward, from the API (one page holds them all)."""
    listed = tenant.data(tenant.get("/v1/issuances", params={"rewardId": reward_id, "limit": 500}))
    assert listed["nextCursor"] is None
    issuances: list[dict[str, Any]] = listed["issuances"]
    return issuances


def balance_of(tenant: Tenant, user_id: str) -> int:
    """The customer's points balance; a customer every grant to was refused does not exist (rolled back)."""
    response = tenant.get(f"/v1/customers/{user_id}/points")
    if response.status_code == 404:
        assert response.json()["error"]["code"] == "CUSTOMER_NOT_FOUND", response.text
        return 0
    balance: int = tenant.data(response)["balance"]
    return balance


def counted(db: Database, reward_pk: int) -> int:
    """What the reward's limit counters hold, over every limit, window and customer, read in the database."""
    with db.session(write=False) as session:
        total = session.scalar(
            select(func.coalesce(func.sum(LimitCounter.used), 0)).where(LimitCounter.reward_pk == reward_pk)
        )
    return int(total or 0)


def create_reward(tenant: Tenant, reward_type: str, config: dict[str, Any], **extra: Any) -> tuple[str, int]:
    body = {"name": f"Raced {reward_type}", "rewardType": reward_type, "config": config, **extra}
    reward = tenant.data(tenant.post("/v1/rewards", json=body), 201)["reward"]
    return str(reward["rewardId"]), int(reward["id"])


def limit(
    kpi: str, cap: int, window: str = "FIXED", frequency: str = "NO_LIMIT", interval: int | None = None
) -> dict[str, Any]:
    entry: dict[str, Any] = {"kpi": kpi, "windowType": window, "repeatFrequencyType": frequency, "limit": cap}
    if interval is not None:
        entry["interval"] = interval
    return entry


@dataclass(frozen=True)
class Scenario:
    """A reward raced by ``grants`` grants from ``users`` customers, one customer's after another's."""

    create: Callable[[Tenant], tuple[str, int]]
    users: int
    successes: int
    refusal: str
    per_customer: int | None = None  # when the limit is the customer's: each customer's successes
    points: int | None = None  # a points reward's amount: balances must be successes times this
    counts: int = 0  # what one success adds to the reward's limit counters (0: it has no FIXED limit)
    grants: int = GRANTS
    afterwards: Callable[[Tenant, list[Answer]], None] | None = None


def _points_reward(amount: int, **restrictions: Any) -> Callable[[Tenant], tuple[str, int]]:
    return lambda tenant: create_reward(tenant, "points", {"amount": amount}, restrictions=restrictions)


POOL_CODES = [f"RACE-{i:03d}" for i in range(50)]


def _coupon_reward(tenant: Tenant) -> tuple[str, int]:
    tenant.data(tenant.post("/v1/code-pools", json={"codePoolId": "raced", "name": "Raced"}), 201)
    tenant.data(tenant.post("/v1/code-pools/raced/codes", json={"codes": POOL_CODES}))
    return create_reward(tenant, "unique_coupon", {"codePoolId": "raced"})


def _every_code_once(tenant: Tenant, successes: list[Answer]) -> None:
    codes = [a.result["code"] for a in successes]
    assert sorted(codes) == POOL_CODES  # each code handed out once, and every one of them
    pool = tenant.data(tenant.get("/v1/code-pools/raced"))
    assert (pool["available"], pool["total"]) == (0, len(POOL_CODES))


STOCK = 7


def _product_reward(tenant: Tenant) -> tuple[str, int]:
    product = {"productId": "raced", "sku": "RACED", "name": "Raced", "stock": STOCK}
    tenant.data(tenant.post("/v1/products", json=product), 201)
    return create_reward(tenant, "product", {"productId": "raced"})


def _stock_is_gone(tenant: Tenant, successes: list[Answer]) -> None:
    assert all((a.result["productId"], a.result["quantity"]) == ("raced", 1) for a in successes)
    assert tenant.data(tenant.get("/v1/products/raced"))["stock"] == 0


SCENARIOS = [
    pytest.param(
        Scenario(
            create=_points_reward(5, rewardLevel=[limit("QUANTITY", 10)]),
            users=24,
            successes=10,
            refusal="REWARD_LIMIT_REACHED",
            points=5,
            counts=1,
        ),
        id="reward-quantity-limit",
    ),
    pytest.param(
        # New customers, each sent many first grants at once, while the reward-level counter has room
        # for them all. On PostgreSQL a grant holding the counter share-locks its customer's row (the
        # foreign keys of what it writes); a grant that locked that row for update, having waited for
        # its creation, then waited for the counter: they deadlocked, and both answered 500.
        Scenario(
            create=_points_reward(1, rewardLevel=[limit("QUANTITY", 200)]),
            users=12,
            successes=200,
            refusal="REWARD_LIMIT_REACHED",
            points=1,
            counts=1,
        ),
        id="new-customers-under-a-reward-limit",
    ),
    pytest.param(
        Scenario(
            create=_points_reward(3, customerLevel=[limit("QUANTITY", 1, frequency="DAYS", interval=1)]),
            users=20,
            successes=20,
            refusal="CUSTOMER_LIMIT_REACHED",
            per_customer=1,
            points=3,
            counts=1,
        ),
        id="customer-daily-limit",
    ),
    pytest.param(
        Scenario(
            create=_points_reward(7, rewardLevel=[limit("REDEMPTION_VALUE", 100)]),
            users=24,
            successes=100 // 7,
            refusal="REWARD_LIMIT_REACHED",
            points=7,
            counts=7,
        ),
        id="redemption-value-limit",
    ),
    pytest.param(
        Scenario(
            create=_coupon_reward,
            users=24,
            successes=len(POOL_CODES),
            refusal="CODE_POOL_EXHAUSTED",
            afterwards=_every_code_once,
        ),
        id="unique-code-pool",
    ),
    pytest.param(
        Scenario(create=_product_reward, users=24, successes=STOCK, refusal="OUT_OF_STOCK", afterwards=_stock_is_gone),
        id="product-stock",
    ),
    pytest.param(
        Scenario(
            create=_points_reward(4, customerLevel=[limit("QUANTITY", 1, "ROLLING", "DAYS", 7)]),
            users=4,
            grants=200,  # 50 racing grants per customer
            successes=4,
            refusal="CUSTOMER_LIMIT_REACHED",
            per_customer=1,
            points=4,
        ),
        id="customer-rolling-limit",
    ),
]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_racing_grants_issue_exactly_what_there_is(
    live_server: str, tenant: Tenant, db: Database, scenario: Scenario
) -> None:
    reward_id, reward_pk = scenario.create(tenant)
    users = [f"racer_{u}" for u in range(scenario.users)]
    # One customer's grants after another's: most of the grants in flight at any moment are the same
    # customer's, racing for that customer's counter, row and balance as well as the reward's.
    grants = [Grant(users[i * scenario.users // scenario.grants]) for i in range(scenario.grants)]

    answers = race(live_server, tenant, reward_id, grants)

    successes = expect_outcomes(answers, scenario.successes, scenario.refusal)
    won = Counter(a.grant.user_id for a in successes)
    if scenario.per_customer is not None:
        assert won == dict.fromkeys(users, scenario.per_customer)

    issued = issuances_of(tenant, reward_id)
    assert sorted((i["transactionId"], i["userId"]) for i in issued) == sorted(
        (a.result["transactionId"], a.grant.user_id) for a in successes
    )
    assert len({a.result["transactionId"] for a in successes}) == scenario.successes
    assert counted(db, reward_pk) == scenario.successes * scenario.counts
    if scenario.points is not None:
        assert sum(i["amount"] for i in issued) == scenario.successes * scenario.points
        assert {u: balance_of(tenant, u) for u in users} == {u: won[u] * scenario.points for u in users}
    if scenario.afterwards is not None:
        scenario.afterwards(tenant, successes)
    assert_reconciled(db)


KEYS = 4
RETRIES = 50  # racing requests per key


def test_racing_retries_of_one_idempotency_key_issue_once(live_server: str, tenant: Tenant, db: Database) -> None:
    amount = 9
    reward_id, _ = create_reward(tenant, "points", {"amount": amount})
    # Each key is one customer's request, sent RETRIES times; one key's retries after another's, so
    # most of the grants in flight at any moment carry the same key.
    grants = [Grant(f"retried_{k}", {"Idempotency-Key": f"grant-{k}"}) for k in range(KEYS) for _ in range(RETRIES)]

    answers = race(live_server, tenant, reward_id, grants)

    expect_outcomes(answers, len(grants), None)
    firsts: dict[str, str] = {}
    for user in {g.user_id for g in grants}:
        retried = [a for a in answers if a.grant.user_id == user]
        assert len({a.content for a in retried}) == 1  # every retry replays the very bytes of the first answer
        assert sorted(a.replayed or "" for a in retried) == [""] + ["true"] * (RETRIES - 1)
        firsts[user] = retried[0].result["transactionId"]
        assert balance_of(tenant, user) == amount

    issued = issuances_of(tenant, reward_id)
    assert {i["userId"]: i["transactionId"] for i in issued} == firsts
    assert_reconciled(db)
    assert len(issued) == KEYS
