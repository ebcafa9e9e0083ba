"""Racing writes of reward groups and payout schemes against a real server and database.

The one that matters: a publish racing a delete of a group the draft names. Exactly
one may win — the publish (and the delete is refused REWARD_GROUP_IN_USE) or the
delete (and the publish is refused UNKNOWN_REWARD_GROUP) — and a published draft
never points at a deleted group. Run it on PostgreSQL (LAURELS_TEST_DATABASE_URL)
to exercise the row locks; on SQLite the write transactions serialize.

Nothing here is ordered by sleeping. Requests start together at a barrier, or one
after the other is *observed* holding its lock: on PostgreSQL through ``pg_locks``,
on SQLite through the engine's own events (see ``test_publish_and_delete_queue_on_the_group_lock``).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx2
from sqlalchemy import Connection, event, select, text

from laurels.kit.db import Database
from laurels.payouts.models import PayoutDraft, RewardGroup, RewardGroupItem
from tests.support import Tenant

ROUNDS = 20
HELD_ROUNDS = 6  # each is deterministic; a few, so publishes also demote an earlier active draft
SCHEMES = "/v1/payout-schemes"
GROUPS = "/v1/reward-groups"
# A limit for waits that should end at once; reaching it fails the test (it is not a measured time).
PATIENCE = 30.0
POLL = 0.005  # how often the lock table is looked at (each look also checks no request finished early)


def _race(live_server: str, headers: dict[str, str], requests: list[tuple[str, str]]) -> list[httpx2.Response]:
    """Send the requests together, one thread and connection each, released by one barrier."""
    barrier = threading.Barrier(len(requests))

    def send(request: tuple[str, str]) -> httpx2.Response:
        method, path = request
        with httpx2.Client(base_url=live_server, timeout=60) as http:
            http.get("/healthz")  # connect before the start line
            barrier.wait()
            return http.request(method, path, headers=headers)

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(send, requests))


def _code(response: httpx2.Response) -> str:
    body: dict[str, Any] = response.json()
    return str(body["error"]["code"])


@dataclass
class Round:
    number: int
    group_id: str
    draft_id: str
    active_before: str | None
    publish_path: str
    delete_path: str


class Race:
    """One scheme and one reward; each round, a new group and a draft naming only it."""

    def __init__(self, live_server: str, tenant: Tenant) -> None:
        self.live_server, self.tenant = live_server, tenant
        body = {"name": "R", "rewardType": "points", "config": {"amount": 1}}
        self.reward_id = tenant.data(tenant.post("/v1/rewards", json=body), 201)["reward"]["rewardId"]
        self.scheme_id = tenant.data(tenant.post(SCHEMES, json={"name": "Race"}), 201)["payoutScheme"]["payoutSchemeId"]
        self.scheme_path = f"{SCHEMES}/{self.scheme_id}"
        self.rounds = 0
        self.outcomes: Counter[str] = Counter()

    def prepare(self) -> Round:
        tenant = self.tenant
        self.rounds += 1
        items = [{"rewardId": self.reward_id, "enabled": True}]
        made = tenant.post(GROUPS, json={"name": f"Race {self.rounds}", "rewards": items})
        group_id = tenant.data(made, 201)["rewardGroup"]["rewardGroupId"]
        rules = [{"priority": 1, "currency": "EUR", "rewardGroupIds": [group_id]}]
        drafts = f"{self.scheme_path}/drafts"
        draft_id = tenant.data(tenant.post(drafts, json={"rules": rules}), 201)["draft"]["draftId"]
        before = tenant.data(tenant.get(self.scheme_path))["activeDraftId"]
        return Round(self.rounds, group_id, draft_id, before, f"{drafts}/{draft_id}/publish", f"{GROUPS}/{group_id}")

    def check(self, rnd: Round, published: httpx2.Response, deleted: httpx2.Response) -> str:
        """Which side won; asserts the loser's refusal and the state each outcome must leave."""
        tenant, scheme_path = self.tenant, self.scheme_path
        scheme = tenant.data(tenant.get(scheme_path))
        group = tenant.get(f"{GROUPS}/{rnd.group_id}")
        statuses = (published.status_code, deleted.status_code)
        if statuses == (200, 400):
            assert _code(deleted) == "REWARD_GROUP_IN_USE", deleted.text
            assert scheme["activeDraftId"] == rnd.draft_id
            assert group.status_code == 200, group.text
            outcome = "publish won"
        elif statuses == (400, 200):
            assert _code(published) == "UNKNOWN_REWARD_GROUP", published.text
            assert scheme["activeDraftId"] == rnd.active_before
            assert group.status_code == 404, group.text
            outcome = "delete won"
        else:
            raise AssertionError(f"round {rnd.number}: publish {published.text}, delete {deleted.text}")
        # Whatever happened, every group the active draft names exists, and options evaluate it.
        active = [d for d in scheme["drafts"] if d["draftId"] == scheme["activeDraftId"]]
        for rule in active[0]["rules"] if active else []:
            for named in rule["rewardGroupIds"]:
                tenant.data(tenant.get(f"{GROUPS}/{named}"))
        params = {"value": "1", "currency": "EUR", "country": "GB"}
        found = tenant.data(tenant.get(f"{scheme_path}/options", params=params))
        assert found["reason"] == (None if active else "NO_ACTIVE_DRAFT"), found
        assert [o["rewardId"] for o in found["rewards"]] == ([self.reward_id] if active else [])
        self.outcomes[outcome] += 1
        return outcome

    def round(self) -> str:
        """Both requests released together: either may win."""
        rnd = self.prepare()
        published, deleted = _race(
            self.live_server, self.tenant.headers, [("POST", rnd.publish_path), ("DELETE", rnd.delete_path)]
        )
        return self.check(rnd, published, deleted)


def test_publish_racing_delete_never_both_succeed(live_server: str, tenant: Tenant) -> None:
    """Started together: whichever wins, only one does, and the state is the winner's."""
    race = Race(live_server, tenant)
    for _ in range(ROUNDS):
        race.round()
    assert race.outcomes.total() == ROUNDS
    print(f"publish vs delete, {ROUNDS} rounds: {dict(race.outcomes)}")  # shown with -s


# ---- one side holds its lock, the other is seen queueing on it -------------------------------


class Sender:
    """Sends requests from threads of its own, each on a connection opened beforehand."""

    def __init__(self, live_server: str, headers: dict[str, str]) -> None:
        self.live_server, self.headers = live_server, headers
        self.pool = ThreadPoolExecutor(max_workers=2)
        self.pending: dict[str, Future[httpx2.Response]] = {}

    def start(self, name: str, method: str, path: str) -> None:
        http = httpx2.Client(base_url=self.live_server, timeout=60)
        http.get("/healthz")  # connected (and its read done) before the request we watch

        def send() -> httpx2.Response:
            try:
                return http.request(method, path, headers=self.headers)
            finally:
                http.close()

        self.pending[name] = self.pool.submit(send)

    def result(self, name: str) -> httpx2.Response:
        return self.pending[name].result(timeout=PATIENCE)

    def until(self, what: str, seen: Callable[[], bool]) -> None:
        """Wait until ``seen()``; every request started so far must still be waiting meanwhile."""
        deadline = PATIENCE / POLL
        while not seen():
            # The pause between looks is a wait on the requests themselves: one that finishes here
            # did not queue where it had to, and the test fails with its answer.
            done, _ = wait(self.pending.values(), timeout=POLL, return_when=FIRST_COMPLETED)
            for name, future in self.pending.items():
                if future in done:
                    raise AssertionError(f"{name} finished while {what!r} was awaited: {future.result().text}")
            deadline -= 1
            assert deadline > 0, f"never observed: {what}"

    def close(self) -> None:
        self.pool.shutdown(wait=True)


def _waiting_on(observer: Connection, holder_pid: int) -> tuple[int, str] | None:
    """(pid, statement) of a backend of this database seen waiting for a lock ``holder_pid`` holds."""
    row = observer.execute(
        text(
            "SELECT a.pid, a.query FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid AND NOT l.granted "
            "WHERE a.datname = current_database() AND a.wait_event_type = 'Lock' "
            "AND :holder = ANY(pg_blocking_pids(a.pid))"
        ),
        {"holder": holder_pid},
    ).first()
    return None if row is None else (int(row[0]), str(row[1]))


def _postgres_round(db: Database, race: Race, rnd: Round, first: str) -> tuple[httpx2.Response, httpx2.Response]:
    """PostgreSQL: the first request takes its lock on the group, then stops on a row this test
    has locked; the second is seen (pg_locks) waiting for the first's lock; then the test lets go.

    * publish first: the test locks the draft row, which the publish updates only after it has
      taken FOR KEY SHARE on the group; the delete's FOR UPDATE on the group then waits for it.
    * delete first: the test locks the group's item rows, which the delete's cascade removes only
      after it has taken FOR UPDATE on the group; the publish's FOR KEY SHARE then waits for it.
    """
    if first == "publish":
        held = select(PayoutDraft.id).where(PayoutDraft.draft_id == rnd.draft_id).with_for_update(of=PayoutDraft)
        first_statement = "UPDATE payout_scheme_drafts"
    else:
        held = (
            select(RewardGroupItem.id)
            .join(RewardGroup, RewardGroup.id == RewardGroupItem.group_id)
            .where(RewardGroup.reward_group_id == rnd.group_id)
            .with_for_update(of=RewardGroupItem)
        )
        first_statement = "DELETE FROM reward_groups"
    second = "delete" if first == "publish" else "publish"
    # The second waits on the group row: the delete in its FOR UPDATE, the publish in its
    # FOR KEY SHARE (the only statements of either that lock reward_groups).
    second_statement = "FOR UPDATE" if second == "delete" else "FOR KEY SHARE"
    requests = {"publish": ("POST", rnd.publish_path), "delete": ("DELETE", rnd.delete_path)}
    sender = Sender(race.live_server, race.tenant.headers)
    seen: dict[str, tuple[int, str]] = {}

    def waits(name: str, holder_pid: int) -> Callable[[], bool]:
        def probe() -> bool:
            found = _waiting_on(observer, holder_pid)
            if found is not None:
                seen[name] = found
            return found is not None

        return probe

    with db.engine.connect() as holder, db.engine.connect() as observer:
        observer.execution_options(isolation_level="AUTOCOMMIT")  # each look a fresh view of the lock table
        try:
            holder.begin()
            holder_pid = int(holder.execute(text("SELECT pg_backend_pid()")).scalar_one())
            assert holder.execute(held).all(), "nothing to hold"

            sender.start(first, *requests[first])
            sender.until(f"{first} waiting on the test's lock", waits(first, holder_pid))
            first_pid, statement = seen[first]
            assert first_statement in statement, statement

            sender.start(second, *requests[second])
            sender.until(f"{second} waiting on {first}'s lock on the group", waits(second, first_pid))
            statement = seen[second][1]
            assert "reward_groups" in statement, statement
            assert second_statement in statement, statement

            holder.rollback()  # let go: the first finishes, then the second sees what it did
            return sender.result("publish"), sender.result("delete")
        finally:
            if holder.in_transaction():
                holder.rollback()
            sender.close()


@contextmanager
def _first_writer_paused(db: Database) -> Iterator[tuple[threading.Event, threading.Event]]:
    """SQLite: pause the first write transaction the server begins, right after its BEGIN IMMEDIATE.

    Yields (holding, release): ``holding`` is set once the first holds the database's write lock
    (its BEGIN IMMEDIATE returned) and is stopped there; setting ``release`` lets it go on. The
    live server runs in this process on the same engine, so these are the engine's own events:
    nothing in the application is patched.
    """
    holding, release = threading.Event(), threading.Event()
    first: list[int] = []  # the thread that issued the first BEGIN IMMEDIATE

    def after(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement != "BEGIN IMMEDIATE" or holding.is_set():
            return
        if not first:
            first.append(threading.get_ident())
        if first[0] == threading.get_ident():
            holding.set()
            release.wait(PATIENCE)

    event.listen(db.engine, "after_cursor_execute", after)
    try:
        yield holding, release
    finally:
        release.set()
        event.remove(db.engine, "after_cursor_execute", after)


def _sqlite_round(db: Database, race: Race, rnd: Round, first: str) -> tuple[httpx2.Response, httpx2.Response]:
    """SQLite: there are no row locks to observe, and a writer waiting in SQLite's busy handler
    cannot be seen from outside. What can be proven instead: the first request's transaction
    holds the database's write lock (observed: its BEGIN IMMEDIATE returned, and it is held
    there), and the second request is queued for its turn to write (observed in the process's
    writer queue, ``Database.write_lock``), which it cannot get until the first commits.
    So the second's whole transaction comes after the first's,
    and the second, which arrived while the first was in progress, must see the first's outcome.

    (Holding the write lock from a connection of the test's own, as on PostgreSQL, would not
    decide a winner here: both requests would then wait in SQLite's busy handler, and which one
    it lets in first after the release is not defined. So the first request itself is held, by
    a listener on the engine's events, after its BEGIN IMMEDIATE.)
    """
    second = "delete" if first == "publish" else "publish"
    requests = {"publish": ("POST", rnd.publish_path), "delete": ("DELETE", rnd.delete_path)}
    sender = Sender(race.live_server, race.tenant.headers)
    try:
        with _first_writer_paused(db) as (holding, release):
            sender.start(first, *requests[first])
            sender.until(f"{first} holding the write lock", holding.is_set)
            sender.start(second, *requests[second])
            # The second queues for its turn to write, in the process's writer queue (kit/db.py).
            queue = db.write_lock
            assert queue is not None
            sender.until(f"{second} waiting for its turn to write", lambda: queue.waiting >= 1)
            release.set()
            return sender.result("publish"), sender.result("delete")
    finally:
        sender.close()


def test_publish_and_delete_queue_on_the_group_lock(live_server: str, tenant: Tenant, db: Database) -> None:
    """One side holds its lock while the other is seen arriving: the other waits, and loses.

    Without the locks the waiting side would not wait: a delete would find no
    active draft naming the group and delete it under a publish about to pin it
    (a foreign key error, a 500), or both would succeed.
    """
    race = Race(live_server, tenant)
    queued = _sqlite_round if db.is_sqlite else _postgres_round
    expected: Counter[str] = Counter()
    for i in range(HELD_ROUNDS):
        first = "delete" if i % 2 else "publish"
        rnd = race.prepare()
        published, deleted = queued(db, race, rnd, first)
        outcome = race.check(rnd, published, deleted)
        assert outcome == f"{first} won", f"round {rnd.number}: {first} held its lock first, yet {outcome}"
        expected[outcome] += 1
    assert race.outcomes == expected == {"publish won": HELD_ROUNDS // 2, "delete won": HELD_ROUNDS // 2}


def test_racing_creates_of_one_group_name_make_one_group(live_server: str, tenant: Tenant) -> None:
    writers = 20
    barrier = threading.Barrier(writers)

    def create(i: int) -> int:
        # The same name in different cases: one folded name, one group.
        name = "Gift Cards".upper() if i % 2 else "gift cards"
        with httpx2.Client(base_url=live_server, timeout=60) as http:
            http.get("/healthz")
            barrier.wait()
            return http.post(GROUPS, json={"name": name, "rewards": []}, headers=tenant.headers).status_code

    with ThreadPoolExecutor(max_workers=writers) as pool:
        statuses = sorted(pool.map(create, range(writers)))
    assert statuses == [201] + [409] * (writers - 1)
    assert tenant.data(tenant.get(GROUPS))["count"] == 1


def test_racing_publishes_of_one_scheme_leave_one_active_draft(live_server: str, tenant: Tenant) -> None:
    group_id = tenant.data(tenant.post(GROUPS, json={"name": "G", "rewards": []}), 201)["rewardGroup"]["rewardGroupId"]
    scheme_id = tenant.data(tenant.post(SCHEMES, json={"name": "S"}), 201)["payoutScheme"]["payoutSchemeId"]
    rules = [{"priority": 1, "currency": "EUR", "rewardGroupIds": [group_id]}]
    drafts = [
        tenant.data(tenant.post(f"{SCHEMES}/{scheme_id}/drafts", json={"rules": rules}), 201)["draft"]["draftId"]
        for _ in range(8)
    ]
    responses = _race(
        live_server, tenant.headers, [("POST", f"{SCHEMES}/{scheme_id}/drafts/{d}/publish") for d in drafts]
    )
    assert [r.status_code for r in responses] == [200] * len(drafts)
    scheme = tenant.data(tenant.get(f"{SCHEMES}/{scheme_id}"))
    statuses = Counter(d["status"] for d in scheme["drafts"])
    assert statuses == {"published": 1, "superseded": len(drafts) - 1}
    assert scheme["activeDraftId"] in drafts
    # The group is pinned by the one active draft, and only by it.
    response = tenant.delete(f"{GROUPS}/{group_id}")
    assert (response.status_code, _code(response)) == (400, "REWARD_GROUP_IN_USE")
    tenant.data(tenant.delete(f"{SCHEMES}/{scheme_id}"))
    tenant.data(tenant.delete(f"{GROUPS}/{group_id}"))
