"""Reference data a reward names cannot be deleted, also when the delete races the reward's write.

Each round, a reward create naming a fresh label (or tier) races ``DELETE`` of that label. Exactly
one may win: the create (201, and the delete is refused 409 <KIND>_IN_USE) or the delete (200, and
the create is refused 400 <KIND>_NOT_FOUND, as it would be sequentially). Never both, never a 500,
never a reward naming a deleted row.

Free rounds start both requests together at a barrier and let the machine decide. Held rounds make
the order certain: one request is parked inside its transaction right after taking its lock, the
other is sent, and only once it is seen waiting for that lock is the first released. On PostgreSQL
"seen waiting" is ``pg_blocking_pids`` of the second request's backend naming the first's, on its
locking statement. On SQLite there are no row locks: the parked request holds the database's write
lock (``BEGIN IMMEDIATE``), and the second is seen queued for its turn to write (the process's
writer queue, ``Database.write_lock``), which it cannot get until the first commits. A create
cannot be parked on SQLite (it runs on the event loop, kit/unit.py): for the create first, the
test holds the turn itself and sees the create, then the delete, queue behind it.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

import httpx2
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from laurels.kit.db import Database
from laurels.kit.repository import OrgScopedRepository
from laurels.kit.unit import queued_brief_writes
from laurels.reference.repository import Children, ReferenceRepository
from tests.support import Tenant, blocked_by

ROUNDS = 30
# How long to wait on the second request between two looks at pg_stat_activity.
POLL = 0.005
DEADLINE = 30.0  # seconds to wait for something that should happen at once; only a hang reaches it


def _code(response: httpx2.Response) -> str | None:
    body: dict[str, Any] = response.json()
    return None if body.get("success") else str(body["error"]["code"])


@dataclass(frozen=True)
class Target:
    """One kind of reference data under test: how to make a row, name it from a reward, delete it."""

    kind: str  # LABEL, TIER: the prefix of the error codes
    make: Callable[[Tenant, int], tuple[str, dict[str, Any]]]  # -> (delete path, reward fields naming it)
    table: str  # the table its locks are taken on
    present: Callable[[Tenant, str], bool]  # whether the row its delete path names exists
    # Where the reward's check takes its lock, and the reference delete its own: patched to park there.
    create_lock: tuple[type[Any], str, str]
    delete_lock: tuple[type[Any], str, str]


def _label(tenant: Tenant, n: int) -> tuple[str, dict[str, Any]]:
    label = tenant.data(tenant.post("/v1/labels", json={"name": f"Race {n}"}), 201)["label"]["id"]
    return f"/v1/labels/{label}", {"labels": [label]}


def _tier(tenant: Tenant, n: int) -> tuple[str, dict[str, Any]]:
    body = {"name": f"Race {n}", "tiers": [{"name": "Gold"}]}
    program = tenant.data(tenant.post("/v1/loyalty-programs", json=body), 201)["loyaltyProgram"]
    tier = program["tiers"][0]["id"]
    criteria = [{"loyaltyProgramId": program["id"], "tierIds": [tier]}]
    return f"/v1/loyalty-programs/{program['id']}/tiers/{tier}", {"supplementaryCriteriaRO": criteria}


def _label_present(tenant: Tenant, path: str) -> bool:
    status = tenant.get(path).status_code
    assert status in {200, 404}
    return status == 200


def _tier_present(tenant: Tenant, path: str) -> bool:
    program_path, _, tier = path.rpartition("/tiers/")
    program = tenant.data(tenant.get(program_path))
    return int(tier) in {t["id"] for t in program["tiers"]}


LABELS = Target(
    "LABEL",
    _label,
    "labels",
    _label_present,
    (ReferenceRepository, "missing_labels", "lock"),
    (OrgScopedRepository, "get", "for_update"),
)
TIERS = Target(
    "TIER",
    _tier,
    "loyalty_tiers",
    _tier_present,
    (ReferenceRepository, "missing_tiers", "lock"),
    (Children, "get", "for_update"),
)


class Hold:
    """Parks the next create (or delete) just after it took its lock, until :meth:`release`.

    The live server runs in this process, so patching the repositories reaches its requests.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch, target: Target) -> None:
        self.armed: str | None = None
        self.parked = threading.Event()
        self.released = threading.Event()
        self.backend_pid: int | None = None
        self._mutex = threading.Lock()
        for side, (owner, name, flag) in (("create", target.create_lock), ("delete", target.delete_lock)):
            monkeypatch.setattr(owner, name, self._parking(getattr(owner, name), side, flag))

    def arm(self, side: str) -> None:
        self.parked.clear()
        self.released.clear()
        self.backend_pid = None
        self.armed = side

    def release(self) -> None:
        self.released.set()

    def _take(self, side: str) -> bool:
        with self._mutex:
            if self.armed != side:
                return False
            self.armed = None
            return True

    def _parking(self, method: Callable[..., Any], side: str, flag: str) -> Callable[..., Any]:
        def parking(repo: Any, *args: Any, **kwargs: Any) -> Any:
            result = method(repo, *args, **kwargs)
            if kwargs.get(flag) and self._take(side):
                session: Session = repo.session
                if session.get_bind().dialect.name == "postgresql":
                    self.backend_pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
                self.parked.set()
                self.released.wait(DEADLINE)
            return result

        return parking


class Race:
    def __init__(self, live_server: str, tenant: Tenant, db: Database, target: Target) -> None:
        self.live_server, self.tenant, self.db, self.target = live_server, tenant, db, target
        self.rounds = 0
        self.outcomes: Counter[str] = Counter()
        self.created: list[str] = []

    def _send(self, method: str, path: str, body: dict[str, Any] | None, barrier: threading.Barrier | None) -> Any:
        with httpx2.Client(base_url=self.live_server, timeout=60) as http:
            http.get("/healthz")  # connect before the start line
            if barrier is not None:
                barrier.wait()
            return http.request(method, path, json=body, headers=self.tenant.headers)

    def _prepare(self) -> tuple[str, dict[str, Any]]:
        self.rounds += 1
        path, fields = self.target.make(self.tenant, self.rounds)
        return path, {"name": f"R{self.rounds}", "rewardType": "points", "config": {"amount": 1}, **fields}

    def free(self) -> str:
        """Both requests started together at a barrier."""
        path, body = self._prepare()
        barrier = threading.Barrier(2)
        with ThreadPoolExecutor(max_workers=2) as pool:
            created = pool.submit(self._send, "POST", "/v1/rewards", body, barrier)
            deleted = pool.submit(self._send, "DELETE", path, None, barrier)
            return self._judge(path, created.result(), deleted.result())

    def held(self, hold: Hold, first: str) -> str:
        """``first`` ("create" or "delete") takes its lock and is parked; the other is sent, seen
        waiting for that lock, and only then is the first released."""
        path, body = self._prepare()
        requests = {"create": ("POST", "/v1/rewards", body), "delete": ("DELETE", path, None)}
        second = "delete" if first == "create" else "create"
        if first == "create" and self.db.write_lock is not None:
            return self._create_queued_first(path, body)
        hold.arm(first)
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures: dict[str, Future[Any]] = {first: pool.submit(self._send, *requests[first], None)}
            try:
                assert hold.parked.wait(DEADLINE), f"the {first} never took its lock"
                futures[second] = pool.submit(self._send, *requests[second], None)
                self._see_waiting(hold, second, futures[second])
            finally:
                hold.release()
            outcome = self._judge(path, futures["create"].result(), futures["delete"].result())
        assert outcome == f"{first} won", outcome
        return outcome

    def _create_queued_first(self, path: str, body: dict[str, Any]) -> str:
        """SQLite: the create ahead of the delete in the writer queue, the turn held by the test.

        SQLite runs a reward create on the event loop, in a batch of brief writes (kit/unit.py):
        parked there, it would stall the whole server, the delete with it. So the order is made
        certain in the writer queue (kit/db.py) instead: the test takes the turn, the create's
        batch is seen queued for it, then the delete behind; the turn let go, they write in that order.
        """
        queue = self.db.write_lock
        assert queue is not None

        def until(what: str, seen: Callable[[], bool]) -> None:
            with queue.changed:
                assert queue.changed.wait_for(seen, DEADLINE), f"the {what} never queued for its turn to write"

        with ThreadPoolExecutor(max_workers=2) as pool:
            with queue:
                created = pool.submit(self._send, "POST", "/v1/rewards", body, None)
                until("create", lambda: queue.waiting >= 1 and queued_brief_writes(self.db) == 1)
                deleted = pool.submit(self._send, "DELETE", path, None, None)
                until("delete", lambda: queue.waiting >= 2)
            outcome = self._judge(path, created.result(), deleted.result())
        assert outcome == "create won", outcome
        return outcome

    def _see_waiting(self, hold: Hold, second: str, request: Future[Any]) -> None:
        if hold.backend_pid is None:
            # SQLite: the second waits for its turn to write behind the parked writer, in the
            # process's writer queue (kit/db.py).
            queue = self.db.write_lock
            assert queue is not None
            with queue.changed:
                seen = queue.changed.wait_for(lambda: queue.waiting >= 1, DEADLINE)
            assert seen, f"the {second} never queued for its turn to write"
            return
        deadline = time.monotonic() + DEADLINE
        while (waiting := blocked_by(self.db, hold.backend_pid)) is None:
            assert time.monotonic() < deadline, f"the {second} was never seen waiting for the lock"
            # Between two looks at pg_stat_activity, wait on the request itself: one that answers
            # here did not wait for the lock, and the test fails with its answer.
            done, _ = wait([request], timeout=POLL)
            assert not done, f"the {second} finished without waiting for the lock: {request.result().text}"
        clause = "FOR UPDATE" if second == "delete" else "FOR KEY SHARE"
        assert self.target.table in waiting, waiting
        assert clause in waiting, waiting

    def _judge(self, path: str, created: httpx2.Response, deleted: httpx2.Response) -> str:
        kind = self.target.kind
        statuses = (created.status_code, deleted.status_code)
        if statuses == (201, 409):
            assert _code(deleted) == f"{kind}_IN_USE", deleted.text
            assert self.target.present(self.tenant, path)
            self.created.append(created.json()["data"]["reward"]["rewardId"])
            outcome = "create won"
        elif statuses == (400, 200):
            assert _code(created) == f"{kind}_NOT_FOUND", created.text
            assert not self.target.present(self.tenant, path)
            outcome = "delete won"
        else:
            raise AssertionError(f"round {self.rounds}: create {created.text}, delete {deleted.text}")
        self.outcomes[outcome] += 1
        return outcome

    def check_every_reward_names_what_exists(self) -> None:
        """Through the API: each reward the races created still names a row that exists, and the
        rewards that exist are exactly those whose create answered 201."""
        listed = self.tenant.data(self.tenant.get("/v1/rewards", params={"limit": 100}))["rewards"]
        assert sorted(r["rewardId"] for r in listed) == sorted(self.created)
        labels = {row["id"] for row in self.tenant.data(self.tenant.get("/v1/labels", params={"limit": 100}))["labels"]}
        for reward in listed:
            assert set(reward["labels"]) <= labels, reward
            for criterion in reward["supplementaryCriteriaRO"]:
                program = self.tenant.data(self.tenant.get(f"/v1/loyalty-programs/{criterion['loyaltyProgramId']}"))
                assert set(criterion["tierIds"]) <= {t["id"] for t in program["tiers"]}, reward


@pytest.mark.parametrize("target", [LABELS, TIERS], ids=["label", "tier"])
def test_held_rounds_queue_on_the_lock(
    *,
    live_server: str,
    tenant: Tenant,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
    target: Target,
) -> None:
    """Proven waiting, both ways: the second request waits for the first's lock, then sees its outcome."""
    hold = Hold(monkeypatch, target)
    race = Race(live_server, tenant, db, target)
    for first in ("create", "delete", "create", "delete"):
        race.held(hold, first)
    assert race.outcomes == {"create won": 2, "delete won": 2}
    race.check_every_reward_names_what_exists()


@pytest.mark.parametrize("target", [LABELS, TIERS], ids=["label", "tier"])
def test_free_rounds_never_both_win(live_server: str, tenant: Tenant, db: Database, target: Target) -> None:
    race = Race(live_server, tenant, db, target)
    for _ in range(ROUNDS if target is LABELS else ROUNDS // 3):
        race.free()
    assert race.outcomes.total() == race.rounds
    print(f"{target.kind} create vs delete, {race.rounds} rounds: {dict(race.outcomes)}")  # shown with -s
    race.check_every_reward_names_what_exists()


def test_what_rewards_name_stays_until_no_reward_names_it(tenant: Tenant) -> None:
    """Sequentially, for the kinds named by text and by a parent: the reverse index follows every
    write of the reward (create, update that drops or adds a name, delete)."""
    field = tenant.data(tenant.post("/v1/custom-fields", json={"name": "colour", "scope": "reward"}), 201)
    field_path = f"/v1/custom-fields/{field['customField']['id']}"
    tier_path, criteria = _tier(tenant, 0)
    program_path = tier_path.rsplit("/tiers/", 1)[0]
    series = tenant.data(tenant.post("/v1/card-series", json={"code": "GOLD-CARD", "name": "Gold"}), 201)
    series_path = f"/v1/card-series/{series['cardSeries']['id']}"
    points = {"rewardType": "points", "config": {"amount": 1}}
    # A reward has one kind of audience at a time: tiers on one reward, card series on another.
    body = {"name": "R", **points, "customFields": {"colour": "red"}, **criteria}
    reward = tenant.data(tenant.post("/v1/rewards", json=body), 201)["reward"]["rewardId"]
    by_series = {"name": "S", **points, "cardSeries": ["GOLD-CARD"]}
    series_reward = tenant.data(tenant.post("/v1/rewards", json=by_series), 201)["reward"]["rewardId"]

    def refused(path: str, code: str) -> None:
        response = tenant.delete(path)
        assert (response.status_code, _code(response)) == (409, code), response.text

    refused(field_path, "CUSTOM_FIELD_IN_USE")
    refused(tier_path, "TIER_IN_USE")
    # Renaming what rewards name a row by is deleting it for them: refused the same way.
    for path, change, code in (
        (field_path, {"name": "color"}, "CUSTOM_FIELD_IN_USE"),
        (field_path, {"scope": "issuance"}, "CUSTOM_FIELD_IN_USE"),
        (series_path, {"code": "gold-card"}, "CARD_SERIES_IN_USE"),
    ):
        response = tenant.put(path, json=change)
        assert (response.status_code, _code(response)) == (409, code), response.text
    tenant.data(tenant.put(series_path, json={"name": "Gold card"}))  # not what rewards name it by
    refused(program_path, "LOYALTY_PROGRAM_IN_USE")
    refused(series_path, "CARD_SERIES_IN_USE")

    # An update that drops the criteria frees the tier and its program; the other names stay held.
    tenant.data(tenant.put(f"/v1/rewards/{reward}", json={"supplementaryCriteriaRO": []}))
    tenant.data(tenant.delete(tier_path))
    refused(field_path, "CUSTOM_FIELD_IN_USE")
    refused(series_path, "CARD_SERIES_IN_USE")
    # The deleted tier is now refused as a sequential create would be.
    response = tenant.put(f"/v1/rewards/{reward}", json=criteria)
    assert (response.status_code, _code(response)) == (400, "TIER_NOT_FOUND"), response.text
    tenant.data(tenant.delete(program_path))

    # An update that swaps the card series for a label frees the series.
    label = tenant.data(tenant.post("/v1/labels", json={"name": "L"}), 201)["label"]["id"]
    tenant.data(tenant.put(f"/v1/rewards/{series_reward}", json={"cardSeries": [], "labels": [label]}))
    tenant.data(tenant.delete(series_path))
    refused(f"/v1/labels/{label}", "LABEL_IN_USE")

    # Deleting a reward frees everything it named (its reference rows cascade with it).
    tenant.data(tenant.delete(f"/v1/rewards/{reward}"))
    tenant.data(tenant.delete(field_path))
    tenant.data(tenant.delete(f"/v1/rewards/{series_reward}"))
    tenant.data(tenant.delete(f"/v1/labels/{label}"))
