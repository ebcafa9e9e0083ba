"""Engine, session and column types shared by every domain.

SQLite needs care to be correct under concurrent writers: it has no row
locks, and a deferred transaction that later tries to write fails at once with
"database is locked" when another writer got there first. So write sessions
begin with ``BEGIN IMMEDIATE`` (taking the write lock up front, waiting up to
the busy timeout for it) and read sessions with a plain deferred ``BEGIN``,
which under WAL never blocks. pysqlite's own transaction handling is switched
off so that these BEGINs are the only ones issued.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import re
import sqlite3
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import JSON, Connection, DateTime, Engine, MetaData, Table, create_engine, event, make_url
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

from laurels.config import DEFAULT_POOL_SIZE, normalize_url, sqlite_path
from laurels.kit.statements import on_cursor

SQLITE_BUSY_TIMEOUT_MS = 30_000
_log = logging.getLogger(__name__)
W = TypeVar("W", bound="_Turn")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    @classmethod
    def __table_cls__(cls, name: str, metadata: MetaData, *args: Any, **kwargs: Any) -> Table:
        """Every table is declared with SQLite's AUTOINCREMENT.

        Without it SQLite hands out max(id) + 1, so deleting the newest row gives
        its id to the next one, and a client still holding the old id silently
        reads another row. AUTOINCREMENT keeps a counter that never goes back
        (PostgreSQL's sequences already behave so). SQLAlchemy applies the flag
        only where it can: a primary key that is one integer column and not a
        foreign key; other tables ignore it. Migration 0005 rebuilt the tables
        that existed before; a migration that creates a table passes
        ``sqlite_autoincrement=True`` too (autogenerate renders it).
        """
        kwargs.setdefault("sqlite_autoincrement", True)
        return Table(name, metadata, *args, **kwargs)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on both backends (SQLite stores it naive, in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONDoc = JSON().with_variant(JSONB(), "postgresql")


def _configure_sqlite(engine: Engine, turns: WriterQueue | None, checkpoints: Checkpointer | None) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        if checkpoints is not None and checkpoints.running:
            # The checkpointer's thread moves the WAL into the file; no commit does it inline.
            cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        write = conn.get_execution_options().get("laurels_write", False)
        if write and turns is not None and not TURN_TAKEN_AHEAD.get():
            # The turn is taken at the first statement, not when the session opens, so
            # whatever a request validates before it touches the database runs unlocked.
            record = conn.connection.record_info
            if not record.get(_HOLDS_TURN):
                turns.__enter__()
                record[_HOLDS_TURN] = True
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    # A batch of brief writes (kit/unit.py) takes a savepoint per unit. SQLAlchemy's own way
    # compiles a statement for every savepoint name: a sixth of a batch's time under load
    # (py-spy, bench/issuance.py). The names are SQLAlchemy's (sa_savepoint_N), never input.
    # Every SQLite engine of Laurels takes them so; only batches use savepoints.
    # Instance attributes: they shadow the dialect's methods for this engine alone.
    vars(engine.dialect).update(
        do_savepoint=_savepoint_sql("SAVEPOINT"),
        do_release_savepoint=_savepoint_sql("RELEASE SAVEPOINT"),
        do_rollback_to_savepoint=_savepoint_sql("ROLLBACK TO SAVEPOINT"),
    )

    if turns is not None:

        @event.listens_for(engine, "checkin")
        def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
            # After commit or rollback (the pool resets a connection before checking it
            # in), and also for a connection invalidated mid-transaction: record_info,
            # unlike info, outlives the DBAPI connection, so the turn is always given back.
            if record.record_info.pop(_HOLDS_TURN, False):
                turns.__exit__()


def _savepoint_sql(verb: str) -> Callable[[Connection, str], None]:
    def run(connection: Connection, name: str) -> None:
        # Straight to the driver's cursor, with SQLAlchemy's cursor events and error wrapping but
        # not its execution context and result, which cost more than SQLite's savepoint itself.
        on_cursor(connection, f"{verb} {name}")

    return run


_HOLDS_TURN = "laurels_holds_writer_turn"

# Set while a unit runs that took its writer turn before it began (kit/unit.py, brief units on
# the event loop): its first write statement then takes none.
TURN_TAKEN_AHEAD: ContextVar[bool] = ContextVar("laurels_turn_taken_ahead", default=False)


# One connection per worker thread (on SQLite one more, the event loop's), and as many
# worker threads as that (kit/unit.py sizes the threadpool from the pool): a request never
# waits for a connection while holding another resource, such as SQLite's write lock.
# Connections older than this are replaced at checkout, instead of pinging every
# checkout: a server-side idle timeout or a failover does not leave a dead one in the pool.
POOL_RECYCLE_SECONDS = 300


def make_engine(
    url: str,
    pool_size: int = DEFAULT_POOL_SIZE,
    turns: WriterQueue | None = None,
    checkpoints: Checkpointer | None = None,
) -> Engine:
    """The engine; on SQLite, write transactions take a turn in ``turns`` before they begin, and
    while ``checkpoints`` runs, commits leave the WAL to it."""
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
            # One more than the unit threads: SQLite's read units and brief writes run on the event
            # loop (kit/unit.py), one at a time. While another process writes, every unit thread
            # may hold a connection, queued for the turn behind the loop's writes; without a
            # connection of its own the loop would wait for one they give back only after it.
            pool_size=pool_size + 1,
            max_overflow=0,
        )
        _configure_sqlite(engine, turns, checkpoints)
        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=0, pool_recycle=POOL_RECYCLE_SECONDS)


class WriterQueue:
    """SQLite's one-writer rule kept among this database's server processes, without sleeps.

    Inside a process, a ticket lock: writers take a number and go in order, so a
    burst of writers is served like a queue. Between processes (``laurels serve
    --workers N``), the writer at the head of its queue takes an exclusive
    ``flock`` on a file beside the database before it begins. SQLite's own lock
    would do, but a writer that finds it taken sleeps in SQLite's busy handler
    (1, 2, 5 … 100 ms, growing), so two workers writing at once spent most of
    their time asleep; a blocked ``flock`` is woken by the kernel the moment it
    is released. Writers that do not take the file (migrations, other programs)
    still meet SQLite's lock and its busy timeout, so the file is a fast path,
    never what makes writes correct.
    ``changed`` is notified whenever the queue moves, so a test can watch it; writers themselves
    wait on an event of their own. When the next writer is of the same process, it is handed
    the file lock with its turn, up to ``KEEP_FILE_LOCK`` times in a row.
    """

    KEEP_FILE_LOCK = 8

    def __init__(self, lock_path: str | None = None) -> None:
        self.changed = threading.Condition()
        self._next = 0
        self._serving = 0
        self._turns: dict[int, _Turn] = {}
        self._lock_path = lock_path
        self._lock_fd: int | None = None
        self._kept = 0  # turns handed on in a row within this process, the file lock kept

    def close(self) -> None:
        with self.changed:
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None

    @property
    def held(self) -> bool:
        """A writer of this process holds the turn."""
        return self._next > self._serving

    @property
    def waiting(self) -> int:
        """Writers queued behind the one holding the lock."""
        return max(0, self._next - self._serving - 1)

    def __enter__(self) -> None:
        turn = self._ticket(threading.Event)
        if turn is not None:
            turn.wait()
        if self._lock_path is not None:
            try:
                fcntl.flock(self._lock_file(), fcntl.LOCK_EX)
            except BaseException:
                self.__exit__()
                raise

    async def enter_async(self) -> None:
        """``__enter__`` for a coroutine on the event loop: it waits without blocking the loop.

        Uncontended (the usual case), it takes the turn and the file lock at once, with no thread;
        a wait for another process's writer is spent in a thread of the loop's default executor.
        If the coroutine is cancelled while it waits, the turn is passed on when it arrives.
        """
        loop = asyncio.get_running_loop()
        turn = self._ticket(lambda: _LoopTurn(loop, self.__exit__))
        if turn is not None:
            await _unless_cancelled(turn.arrived, self.__exit__)
        if self._lock_path is None:
            return
        try:
            fd = self._lock_file()
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass  # another process writes: wait for it below, off the loop
        except BaseException:
            self.__exit__()
            raise
        await _unless_cancelled(loop.run_in_executor(None, fcntl.flock, fd, fcntl.LOCK_EX), self.__exit__)

    def joined(self) -> None:
        """A brief write joined the batch that holds (or awaits) a turn: no ticket of its own, but
        the queue grew, so whoever watches ``changed`` hears of it (kit/unit.py)."""
        with self.changed:
            self.changed.notify_all()

    def _ticket(self, waiter: Callable[[], W]) -> W | None:
        """Take a number: None if it is served now, else what its holder waits on until it is."""
        with self.changed:
            ticket = self._next
            self._next += 1
            # Each waiter sleeps on its own event, woken only when its turn comes: waking every
            # waiter on every turn (a shared condition) cost a busy worker a sixth of its CPU.
            turn = None if ticket == self._serving else waiter()
            if turn is not None:
                self._turns[ticket] = turn
            self.changed.notify_all()
        return turn

    def _lock_file(self) -> int:
        if self._lock_fd is None:  # opened at the first write: the database's directory exists by then
            self._lock_fd = os.open(self._lock_path or "", os.O_RDWR | os.O_CREAT, 0o600)
        return self._lock_fd

    def __exit__(self, *_exc: object) -> None:
        with self.changed:
            self._serving += 1
            turn = self._turns.pop(self._serving, None)
            # A writer of this process is next: it gets the file lock with its turn, a few times
            # in a row, before the file is let go for the other processes. Each release and
            # re-take wakes a waiter in another process, a thread hop and a wake-up of its
            # loop on each side, which cost more than a brief unit's own work; a bounded run
            # keeps the other processes waiting only a few units longer.
            keep = turn is not None and self._kept < self.KEEP_FILE_LOCK
            self._kept = self._kept + 1 if keep else 0
            if self._lock_fd is not None and not keep:
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)  # unlocking what is not locked is harmless
            if turn is not None:
                turn.set()
            self.changed.notify_all()


class _Turn(Protocol):
    """What a queued writer waits on; ``set`` is called, from any thread, when its turn comes."""

    def set(self) -> None: ...


class _LoopTurn:
    """A turn awaited by a coroutine: ``arrived`` completes on its loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, lost: Callable[[], None]) -> None:
        self.loop = loop
        self.lost = lost
        self.arrived: asyncio.Future[None] = loop.create_future()

    def set(self) -> None:
        try:
            self.loop.call_soon_threadsafe(self._arrive)
        except RuntimeError:  # its loop is closed (a test's, torn down): nobody takes this turn, pass it on
            self.lost()

    def _arrive(self) -> None:
        if not self.arrived.done():
            self.arrived.set_result(None)


async def _unless_cancelled(waited: Awaitable[Any], undo: Callable[[], None]) -> None:
    """Await ``waited``, a step of taking the turn; ``undo`` (give the turn back) if it fails, or, if
    the waiter is cancelled first, once it completes anyway: the turn is never left held."""
    future = asyncio.ensure_future(waited)
    try:
        await asyncio.shield(future)
    except asyncio.CancelledError:
        future.add_done_callback(lambda _: undo())
        raise
    except BaseException:
        undo()
        raise


class Checkpointer:
    """SQLite's WAL moved into the database file by a thread of its own, not by a commit.

    By default the commit that takes the WAL past 1,000 pages copies them into the
    file and syncs it, inline: on the event loop for a brief unit (kit/unit.py),
    which then stalls every request of its process for as long as the disk takes.
    While a server runs (``start`` in the app's lifespan), its connections turn
    that off, and every ``INTERVAL`` seconds this thread checkpoints: PASSIVE,
    copying what it can while writers go on, then, once the WAL holds 1,000 pages,
    RESTART holding the writer turn: it completes and waits (briefly) for readers
    to leave the WAL, so the next writer starts the WAL over instead of growing it
    (checkpoints racing writers never caught up: the WAL grew past a gigabyte in
    a minute of grants). Writers wait for that one as they waited for a commit's
    checkpoint, but a brief unit awaits it without blocking its loop. A process
    without a checkpointer (the CLI) keeps SQLite's default.
    """

    INTERVAL = 0.25
    READERS_WAIT_MS = 50
    RESTART_FRAMES = 1000  # SQLite's own threshold (wal_autocheckpoint), in pages

    def __init__(self, path: str, turns: WriterQueue) -> None:
        self.path = path
        self.turns = turns
        self.running = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.running:
            return
        self.running = True
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="laurels-checkpoint", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.running = False
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        failing = False
        while not self._stop.wait(self.INTERVAL):
            try:
                conn = conn or self.connect()
                self.checkpoint(conn)
                failing = False
            except sqlite3.Error as error:
                # The file is gone or unreadable for now (/healthz says so): never give up, the
                # WAL would grow for as long as the server runs. Said once, not every round.
                if not failing:
                    _log.warning("WAL checkpoint failed, retrying every %s s: %s", self.INTERVAL, error)
                failing = True
                if conn is not None:
                    conn.close()
                    conn = None
        if conn is not None:
            conn.close()

    def connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        # RESTART waits for readers still in the WAL, holding the writer turn: briefly, or it
        # gives up (busy) and the next round tries again.
        conn.execute(f"PRAGMA busy_timeout={self.READERS_WAIT_MS}")
        return conn

    def checkpoint(self, conn: sqlite3.Connection) -> int:
        """One round; returns how many pages the WAL held before it."""
        _busy, frames, _copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if frames >= self.RESTART_FRAMES:
            with self.turns:
                conn.execute("PRAGMA wal_checkpoint(RESTART)").fetchall()
        return int(frames)


def _writer_lock_path(url: str) -> str | None:
    """The file server processes lock to take turns writing: beside the database, or none in memory."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return f"{database}-writer"


class Database:
    """One engine per process; sessions are opened per request, command or job."""

    def __init__(self, url: str, pool_size: int = DEFAULT_POOL_SIZE) -> None:
        self.url = normalize_url(url)
        self.pool_size = pool_size
        # SQLite has one writer at a time: this process's writers queue here, in
        # order, from their BEGIN IMMEDIATE until their connection is back in the pool.
        sqlite = self.url.startswith("sqlite")
        self.write_lock: WriterQueue | None = WriterQueue(_writer_lock_path(self.url)) if sqlite else None
        path = sqlite_path(self.url)
        self.checkpoints = Checkpointer(str(path), self.write_lock) if path and self.write_lock else None
        self.engine = make_engine(self.url, pool_size, self.write_lock, self.checkpoints)
        self._write_engine = self.engine.execution_options(laurels_write=True)
        # PostgreSQL reads run in autocommit: a GET by id is then one statement on the
        # wire instead of BEGIN, SELECT, COMMIT. Each statement still sees every write
        # committed before it; no read path writes. SQLite's BEGIN costs no round trip.
        self._read_engine = (
            self.engine
            if self.engine.dialect.name == "sqlite"
            else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        )

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def session(self, *, write: bool) -> Session:
        bind = self._write_engine if write else self._read_engine
        return Session(bind=bind, expire_on_commit=False, autoflush=False, info={"db": self, "write": write})

    @property
    def write_engine(self) -> Engine:
        """The engine whose transactions write (on SQLite, ``BEGIN IMMEDIATE``)."""
        return self._write_engine

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A write session that commits if the block succeeds and rolls back otherwise."""
        with self.session(write=True) as session:
            yield session
            session.commit()

    def dispose(self) -> None:
        if self.checkpoints is not None:
            self.checkpoints.stop()
        self.engine.dispose()
        if self.write_lock is not None:
            self.write_lock.close()


_SQLITE_CHECK = re.compile(r"CHECK constraint failed: (\w+)")


def violated_check(error: BaseException | None) -> str | None:
    """The name of the CHECK constraint a driver's error reports as violated, else None.

    psycopg names it in the error's diagnostics; SQLite (3.40 on) in the message.
    """
    diag = getattr(error, "diag", None)
    if diag is not None:
        name: str | None = diag.constraint_name if getattr(error, "sqlstate", None) == "23514" else None
        return name
    found = _SQLITE_CHECK.search(str(error))
    return found.group(1) if found else None
