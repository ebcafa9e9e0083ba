"""SQLite writers take turns from their first statement until their connection is back in the pool.

Two ``Database`` objects on one file stand for two server processes: each opens
the turn file itself, and ``flock`` locks belong to an open file, so they exclude
each other exactly as two processes do. A writer blocked on the file is seen in
``/proc/locks`` (a ``->`` line on the file's inode) — the test watches the lock,
it never sleeps and hopes.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI, Response
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from laurels.kit.db import Checkpointer, Database, WriterQueue
from laurels.kit.http import DbSession
from laurels.kit.routing import AfterCommit, after_commit
from laurels.kit.unit import UnitRoute, brief, run_unit_async

pytestmark = pytest.mark.skipif(not Path("/proc/locks").exists(), reason="watches /proc/locks (Linux)")


@pytest.fixture
def two(tmp_path: Path) -> Iterator[tuple[Database, Database, Path]]:
    url = f"sqlite:///{tmp_path}/turns.db"
    first, second = Database(url), Database(url)
    with first.unit_of_work() as session:
        session.execute(text("CREATE TABLE t (n INTEGER)"))
    yield first, second, tmp_path / "turns.db-writer"
    first.dispose()
    second.dispose()


def _locks_on(path: Path) -> list[list[str]]:
    """The /proc/locks lines (split) on the file: held, and ("->" second) waited for."""
    inode = os.stat(path).st_ino
    with open("/proc/locks") as locks:
        # The device:inode field is third from the end whether or not the line waits.
        return [fields for fields in map(str.split, locks) if fields[-3].endswith(f":{inode}")]


def _blocked_on(path: Path) -> bool:
    return any(fields[1] == "->" for fields in _locks_on(path))


def _holding_the_turn(db: Database) -> Session:
    """A write session whose first statement (inserting 1) took the turn, and holds it until it ends."""
    holder = db.session(write=True)
    holder.execute(text("INSERT INTO t VALUES (1)"))
    return holder


def _write_in_thread(db: Database, done: threading.Event, n: int = 2) -> threading.Thread:
    def write() -> None:
        with db.unit_of_work() as session:
            session.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
        done.set()

    thread = threading.Thread(target=write)
    thread.start()
    return thread


def test_a_second_process_waits_on_the_turn_file_and_goes_when_it_is_released(
    two: tuple[Database, Database, Path],
) -> None:
    first, second, turn_file = two
    holder = _holding_the_turn(first)  # the first statement takes the turn
    done = threading.Event()
    thread = _write_in_thread(second, done)
    while not _blocked_on(turn_file):
        assert not done.wait(0.005), "the second writer went ahead while the first held the turn"
        assert thread.is_alive(), "the second writer failed"
    holder.commit()
    holder.close()
    thread.join(10)
    assert done.is_set()
    with second.session(write=False) as session:
        assert session.scalars(text("SELECT n FROM t ORDER BY n")).all() == [1, 2]


def test_a_session_takes_no_turn_until_its_first_statement(two: tuple[Database, Database, Path]) -> None:
    first, second, _turn_file = two
    idle = first.session(write=True)  # opened, validating its input, not yet at the database
    done = threading.Event()
    thread = _write_in_thread(second, done)
    thread.join(10)
    assert done.is_set()
    assert first.write_lock is not None
    assert first.write_lock.waiting == 0
    idle.close()


def test_a_rolled_back_or_failed_writer_gives_its_turn_back(two: tuple[Database, Database, Path]) -> None:
    first, second, _turn_file = two

    def fail() -> None:
        with first.unit_of_work() as session:
            session.execute(text("INSERT INTO t VALUES (1)"))
            session.execute(text("INSERT INTO missing VALUES (1)"))

    with pytest.raises(OperationalError, match="no such table"):
        fail()
    done = threading.Event()
    _write_in_thread(second, done).join(10)
    assert done.is_set()
    with first.unit_of_work() as session:  # and this process's own queue moved on too
        session.execute(text("INSERT INTO t VALUES (3)"))
    with first.session(write=False) as session:
        assert session.scalars(text("SELECT n FROM t ORDER BY n")).all() == [2, 3]


# ---- brief units on the event loop (kit/unit.py run_unit_async) -------------------------------


def _insert(session: Session, n: int) -> Callable[[], None]:
    def insert() -> None:
        session.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})

    return insert


async def _queue_shows(queue: WriterQueue, condition: Callable[[], bool], what: str) -> None:
    """Watch the writer queue (notified at every move) from a thread, while the loop runs the writers."""

    def watch() -> bool:
        with queue.changed:
            return queue.changed.wait_for(condition, 10)

    assert await asyncio.to_thread(watch), f"never: {what}"


async def _waits_on_the_file(turn_file: Path, writer: asyncio.Future[None]) -> None:
    """Watch /proc/locks from a thread until ``writer`` is seen blocked on the turn file."""
    finished = threading.Event()
    writer.add_done_callback(lambda _: finished.set())

    def watch() -> None:
        while not _blocked_on(turn_file):
            assert not finished.wait(0.005), "the brief writer went ahead while the other process held the turn"

    await asyncio.to_thread(watch)


def test_a_brief_unit_waits_for_another_process_without_blocking_its_loop(
    two: tuple[Database, Database, Path],
) -> None:
    """The brief writer's turn is awaited: while the other process writes, its loop still runs."""
    first, second, turn_file = two
    holder = _holding_the_turn(first)  # the other process holds the turn

    async def scenario() -> list[str]:
        order: list[str] = []
        session = second.session(write=True)
        brief_write = asyncio.ensure_future(run_unit_async(session, _insert(session, 2), brief=True))
        await _waits_on_the_file(turn_file, brief_write)
        order.append("the loop ran while the brief writer waited")
        assert not brief_write.done()
        holder.commit()  # gives the turn back (the connection returns to the pool on close)
        holder.close()
        await brief_write
        order.append("the brief writer wrote")
        return order

    assert asyncio.run(scenario()) == ["the loop ran while the brief writer waited", "the brief writer wrote"]
    with second.session(write=False) as session:
        assert session.scalars(text("SELECT n FROM t ORDER BY n")).all() == [1, 2]


def test_brief_units_queue_behind_a_writer_thread_of_their_own_process_in_one_turn(
    two: tuple[Database, Database, Path],
) -> None:
    """Brief units arriving while the turn is held wait together: one ticket, then all of them, in order."""
    first, _second, _turn_file = two
    queue = first.write_lock
    assert queue is not None
    holder = _holding_the_turn(first)  # a unit thread of this process holds the turn

    async def scenario() -> None:
        sessions = [first.session(write=True) for _ in range(3)]
        writes = [
            asyncio.ensure_future(run_unit_async(s, _insert(s, n), brief=True)) for n, s in enumerate(sessions, 2)
        ]
        await _queue_shows(queue, lambda: queue.waiting == 1, "the brief writers queued behind one ticket")
        assert not any(w.done() for w in writes)
        holder.commit()
        holder.close()
        await asyncio.gather(*writes)

    asyncio.run(scenario())
    assert queue.waiting == 0
    with first.session(write=False) as session:
        assert session.scalars(text("SELECT n FROM t ORDER BY rowid")).all() == [1, 2, 3, 4]


def test_a_batch_finds_a_connection_while_every_unit_thread_holds_one(tmp_path: Path) -> None:
    """The loop's units need a connection of their own: while another process writes, as many
    unit threads as the pool has connections (``size_threadpool``) may each hold one, queued for
    the turn behind the loop's batch. Without a spare, the batch waited for a connection those
    threads would give back only after its turn: a stall of the pool's 30 s timeout, then errors."""
    url = f"sqlite:///{tmp_path}/spare.db"
    threads = 2
    first, second = Database(url, pool_size=threads), Database(url)
    with first.unit_of_work() as session:
        session.execute(text("CREATE TABLE t (n INTEGER)"))
    queue = first.write_lock
    assert queue is not None
    turn_file = tmp_path / "spare.db-writer"
    holder = _holding_the_turn(second)  # the other process writes

    async def scenario() -> None:
        session = first.session(write=True)
        batch = asyncio.ensure_future(run_unit_async(session, _insert(session, 2), brief=True))
        await _waits_on_the_file(turn_file, batch)
        writers = [_write_in_thread(first, threading.Event(), n) for n in range(10, 10 + threads)]
        await _queue_shows(queue, lambda: queue.waiting == threads, "every unit thread queued, a connection each")
        holder.commit()
        holder.close()
        await asyncio.wait_for(batch, 10)
        for writer in writers:
            await asyncio.to_thread(writer.join, 10)

    try:
        asyncio.run(scenario())
        with first.session(write=False) as session:
            assert sorted(session.scalars(text("SELECT n FROM t"))) == [1, 2, 10, 11]
    finally:
        first.dispose()
        second.dispose()


def test_a_brief_unit_cancelled_while_waiting_passes_its_turn_on(two: tuple[Database, Database, Path]) -> None:
    first, _second, _turn_file = two
    queue = first.write_lock
    assert queue is not None
    holder = _holding_the_turn(first)

    async def scenario() -> None:
        session = first.session(write=True)
        waiting = asyncio.ensure_future(run_unit_async(session, _insert(session, 2), brief=True))
        await _queue_shows(queue, lambda: queue.waiting == 1, "the brief writer queued")
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        holder.commit()
        holder.close()
        # The cancelled writer's turn arrives and is passed on, on this loop.
        await _queue_shows(queue, lambda: queue.waiting == 0, "the cancelled turn passed on")

    asyncio.run(scenario())
    done = threading.Event()
    _write_in_thread(first, done).join(10)  # the queue moved on: a writer after it goes at once
    assert done.is_set()
    with first.session(write=False) as session:
        assert session.scalars(text("SELECT n FROM t ORDER BY n")).all() == [1, 2]


def test_a_failed_brief_unit_rolls_back_and_gives_its_turn_back(two: tuple[Database, Database, Path]) -> None:
    first, second, _turn_file = two

    async def scenario() -> None:
        session = first.session(write=True)

        def fail() -> None:
            session.execute(text("INSERT INTO t VALUES (1)"))
            session.execute(text("INSERT INTO missing VALUES (1)"))

        with pytest.raises(OperationalError, match="no such table"):
            await run_unit_async(session, fail, brief=True)

    asyncio.run(scenario())
    done = threading.Event()
    _write_in_thread(second, done).join(10)  # the other process's writer goes at once
    assert done.is_set()
    with first.session(write=False) as session:
        assert session.scalars(text("SELECT n FROM t ORDER BY n")).all() == [2]


def _batch_behind_a_holder(
    db: Database, units: list[Callable[[Session], Callable[[], None]]], then: Callable[[], None] = lambda: None
) -> list[object]:
    """Queue ``units`` as brief writes while a writer thread holds the turn (``then`` called once
    it does), so they run as one batch when it lets go; what each answered (None, or the exception
    it raised)."""
    queue = db.write_lock
    assert queue is not None
    holder = _holding_the_turn(db)
    then()

    async def scenario() -> list[object]:
        sessions = [db.session(write=True) for _ in units]
        writes = [
            asyncio.ensure_future(run_unit_async(s, unit(s), brief=True))
            for s, unit in zip(sessions, units, strict=True)
        ]
        await _queue_shows(queue, lambda: queue.waiting == 1, "the batch queued behind the holder")
        holder.commit()
        holder.close()
        return list(await asyncio.gather(*writes, return_exceptions=True))

    return asyncio.run(scenario())


def test_a_unit_that_fails_in_a_batch_rolls_back_alone(two: tuple[Database, Database, Path]) -> None:
    first, _second, _turn_file = two

    def failing(session: Session) -> Callable[[], None]:
        def fail() -> None:
            session.execute(text("INSERT INTO t VALUES (30)"))
            session.execute(text("INSERT INTO missing VALUES (1)"))

        return fail

    answers = _batch_behind_a_holder(first, [lambda s: _insert(s, 2), failing, lambda s: _insert(s, 4)])
    assert answers[0] is None
    assert answers[2] is None
    assert isinstance(answers[1], OperationalError)
    assert "no such table" in str(answers[1])
    with first.session(write=False) as session:
        assert session.scalars(text("SELECT n FROM t ORDER BY rowid")).all() == [1, 2, 4]


def test_when_sqlite_rolls_a_batch_back_under_a_unit_the_units_before_it_hear_so(
    two: tuple[Database, Database, Path],
) -> None:
    """SQLite ends the whole transaction on some errors (a full disk, an I/O error); a unit ending it
    itself stands in for one. The units before it are undone, and say so; those after it go on."""
    first, _second, _turn_file = two

    def rogue(session: Session) -> Callable[[], None]:
        def end() -> None:
            session.execute(text("INSERT INTO t VALUES (30)"))
            session.connection().exec_driver_sql("ROLLBACK")

        return end

    answers = _batch_behind_a_holder(first, [lambda s: _insert(s, 2), rogue, lambda s: _insert(s, 4)])
    assert isinstance(answers[0], RuntimeError)
    assert "rolled back" in str(answers[0])
    assert isinstance(answers[1], Exception)
    assert answers[2] is None
    with first.session(write=False) as session:
        assert session.scalars(text("SELECT n FROM t ORDER BY rowid")).all() == [1, 4]


def test_when_a_batch_fails_to_commit_every_unit_in_it_hears_so_and_none_is_written(
    two: tuple[Database, Database, Path],
) -> None:
    """A unit is answered only once its batch commits: a COMMIT refused (here by a deferred foreign
    key; Laurels' schema has none, so in production a full disk or an I/O error) fails them all."""
    first, _second, _turn_file = two
    with first.unit_of_work() as session:
        session.execute(text("CREATE TABLE parent (id INTEGER PRIMARY KEY)"))
        session.execute(
            text("CREATE TABLE child (parent_id INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)")
        )

    def orphan(session: Session) -> Callable[[], None]:
        def insert() -> None:
            session.execute(text("INSERT INTO child VALUES (99)"))

        return insert

    def refusing(session: Session) -> Callable[[], None]:
        def refuse() -> None:
            # A refusal may rest on what the units before it wrote (a limit they used up):
            # undone with them, it is not the answer either.
            session.execute(text("INSERT INTO t VALUES (30)"))
            raise LookupError("refused, given what the batch wrote before")

        return refuse

    units = [lambda s: _insert(s, 2), refusing, orphan, lambda s: _insert(s, 4)]
    answers = _batch_behind_a_holder(first, units)
    assert all(isinstance(a, IntegrityError) and "FOREIGN KEY" in str(a) for a in answers), answers
    with first.session(write=False) as session:
        assert session.scalars(text("SELECT n FROM t ORDER BY rowid")).all() == [1]
        assert session.scalars(text("SELECT parent_id FROM child")).all() == []
    assert first.write_lock is not None
    assert first.write_lock.waiting == 0


def test_when_a_batch_cannot_begin_its_units_fail_and_the_next_batch_goes(
    two: tuple[Database, Database, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database that refuses the batch's transaction fails the units queued for it, instead of
    retrying them at once for ever; once it answers again, the next brief write goes through."""
    first, _second, _turn_file = two

    def refused() -> None:
        raise OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("disk I/O error"))

    def refuse() -> None:
        monkeypatch.setattr(first.write_engine, "connect", refused)

    answers = _batch_behind_a_holder(first, [lambda s: _insert(s, 2), lambda s: _insert(s, 3)], then=refuse)
    monkeypatch.undo()
    assert all(isinstance(a, OperationalError) and "disk I/O error" in str(a) for a in answers), answers

    async def again() -> None:
        session = first.session(write=True)
        await run_unit_async(session, _insert(session, 4), brief=True)

    asyncio.run(again())
    with first.session(write=False) as session:
        assert session.scalars(text("SELECT n FROM t ORDER BY rowid")).all() == [1, 4]


def test_when_the_turn_cannot_be_taken_the_queued_units_fail_once(
    two: tuple[Database, Database, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A turn file that cannot be opened or locked fails the units waiting for it, once each,
    instead of a drain trying again at once for ever; once it can be taken, writes go on."""
    first, _second, _turn_file = two
    queue = first.write_lock
    assert queue is not None
    attempts = 0

    async def unlockable() -> None:
        nonlocal attempts
        attempts += 1
        raise OSError(24, "Too many open files")

    monkeypatch.setattr(queue, "enter_async", unlockable)

    async def writes() -> list[object]:
        sessions = [first.session(write=True) for _ in range(3)]
        runs = [run_unit_async(s, _insert(s, n), brief=True) for n, s in enumerate(sessions, 2)]
        return list(await asyncio.gather(*runs, return_exceptions=True))

    answers = asyncio.run(writes())
    assert all(isinstance(a, OSError) for a in answers), answers
    assert attempts == 1
    monkeypatch.undo()

    async def again() -> None:
        session = first.session(write=True)
        await run_unit_async(session, _insert(session, 5), brief=True)

    asyncio.run(again())
    with first.session(write=False) as session:
        assert session.scalars(text("SELECT n FROM t")).all() == [5]


def test_brief_writes_keep_neither_their_loop_nor_their_database(tmp_path: Path) -> None:
    """What queues a loop's brief writes is found by the database and the loop, and holds neither."""

    def write_once() -> tuple[weakref.ref[Database], weakref.ref[asyncio.AbstractEventLoop]]:
        db = Database(f"sqlite:///{tmp_path}/gone.db")
        with db.unit_of_work() as session:
            session.execute(text("CREATE TABLE t (n INTEGER)"))

        async def write() -> None:
            session = db.session(write=True)
            await run_unit_async(session, _insert(session, 1), brief=True)

        loop = asyncio.new_event_loop()
        loop.run_until_complete(write())
        loop.close()
        db.dispose()
        return weakref.ref(db), weakref.ref(loop)

    gone = write_once()
    gc.collect()
    assert [ref() for ref in gone] == [None, None]


# ---- the WAL checkpointer (kit/db.py Checkpointer) --------------------------------------------


def _wal_pages(path: Path) -> int:
    with closing(sqlite3.connect(path)) as conn:
        _busy, frames, _copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    return int(frames)


def test_while_the_checkpointer_runs_commits_leave_the_wal_to_it(
    two: tuple[Database, Database, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No commit checkpoints inline (autocheckpoint off); one round of the checkpointer starts the WAL over."""
    monkeypatch.setattr(Checkpointer, "INTERVAL", 3600)  # its thread runs no round: the test runs one
    first, _second, turn_file = two
    database = turn_file.with_name("turns.db")
    checkpoints = first.checkpoints
    assert checkpoints is not None
    first.engine.dispose()  # connections opened from now on see the checkpointer running
    checkpoints.start()
    try:
        with first.session(write=False) as session:
            assert session.scalar(text("PRAGMA wal_autocheckpoint")) == 0
        filler = "x" * 3000
        for _ in range(3):
            with first.unit_of_work() as session:
                for _ in range(600):  # about a page each: 1,800 pages, past SQLite's 1,000
                    session.execute(text("INSERT INTO t VALUES (:n)"), {"n": filler})
    finally:
        checkpoints.stop()
    assert _wal_pages(database) >= Checkpointer.RESTART_FRAMES  # no commit checkpointed it
    with closing(checkpoints.connect()) as conn:
        assert checkpoints.checkpoint(conn) >= Checkpointer.RESTART_FRAMES
    assert first.write_lock is not None
    assert first.write_lock.waiting == 0  # the turn it held is back
    with first.unit_of_work() as session:  # the next writer starts the WAL over
        session.execute(text("INSERT INTO t VALUES (1)"))
    assert _wal_pages(database) < 10


def test_the_next_writer_of_the_same_process_is_handed_the_file_lock(two: tuple[Database, Database, Path]) -> None:
    """With its turn (up to ``WriterQueue.KEEP_FILE_LOCK`` in a row): the other process's writer, already
    waiting on the file, goes after them."""
    first, second, turn_file = two
    queue = first.write_lock
    assert queue is not None
    holder = _holding_the_turn(first)
    done = [threading.Event() for _ in range(3)]
    threads = []
    for queued, (n, event_) in enumerate(zip((2, 3), done, strict=False), 1):
        threads.append(_write_in_thread(first, event_, n))
        with queue.changed:
            assert queue.changed.wait_for(lambda: queue.waiting == queued, 10)  # noqa: B023 (waited on here)
    threads.append(_write_in_thread(second, done[2], 9))
    while not _blocked_on(turn_file):
        assert not done[2].wait(0.005), "the other process's writer went ahead while the turn was held"
    holder.commit()
    holder.close()
    for thread in threads:
        thread.join(10)
    assert all(e.is_set() for e in done)
    with first.session(write=False) as session:
        assert session.scalars(text("SELECT n FROM t ORDER BY rowid")).all() == [1, 2, 3, 9]


def test_a_brief_unit_cancelled_while_waiting_on_the_file_gives_it_back(two: tuple[Database, Database, Path]) -> None:
    first, second, turn_file = two
    holder = _holding_the_turn(first)  # the other process holds the turn

    async def scenario() -> None:
        session = second.session(write=True)
        waiting = asyncio.ensure_future(run_unit_async(session, _insert(session, 2), brief=True))
        await _waits_on_the_file(turn_file, waiting)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        holder.commit()
        holder.close()
        # The file lock the cancelled writer was waiting for arrives, in a thread, and is let go.
        queue = second.write_lock
        assert queue is not None
        await _queue_shows(queue, lambda: not queue.held, "the turn given back")

    asyncio.run(scenario())
    for db, n in ((first, 3), (second, 4)):  # neither process is locked out afterwards
        done = threading.Event()
        _write_in_thread(db, done, n).join(10)
        assert done.is_set()
    with first.session(write=False) as session:
        assert session.scalars(text("SELECT n FROM t ORDER BY n")).all() == [1, 3, 4]


def test_an_answer_made_after_commit_is_made_with_the_turn_given_back(
    two: tuple[Database, Database, Path],
) -> None:
    """A brief route's ``after_commit`` answer is made once its batch has committed and the writer
    turn is free, and never for a unit that failed."""
    first, _second, turn_file = two
    made: list[tuple[bool, list[int]]] = []
    router = APIRouter(route_class=UnitRoute)

    def answer(n: int) -> Response:
        with closing(sqlite3.connect(first.url.removeprefix("sqlite:///"))) as other:
            committed = [row[0] for row in other.execute("SELECT n FROM t WHERE n = ?", (n,))]
        made.append((bool(_locks_on(turn_file)), committed))
        return Response(str(n))

    @router.post("/write/{n}")
    @brief
    def write(n: int, session: DbSession) -> AfterCommit[Response]:
        session.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
        if n < 0:
            raise ValueError("refused after writing")
        return after_commit(lambda: answer(n))

    app = FastAPI()
    app.include_router(router)
    app.state.db = first
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.post("/write/5").text == "5"
        assert client.post("/write/-5").status_code == 500
    assert made == [(False, [5])], "made with the turn held, before the commit, or for the failed unit"
    with first.session(write=False) as session:
        assert session.scalars(text("SELECT n FROM t ORDER BY rowid")).all() == [5]
