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

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Engine, MetaData, Table, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

from laurels.config import DEFAULT_POOL_SIZE, normalize_url

SQLITE_BUSY_TIMEOUT_MS = 30_000

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


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        write = conn.get_execution_options().get("laurels_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


# One connection per worker thread, and as many worker threads as connections
# (kit/unit.py sizes the threadpool from the pool): a request never waits for a
# connection while holding another resource, such as SQLite's write lock.
# Connections older than this are replaced at checkout, instead of pinging every
# checkout: a server-side idle timeout or a failover does not leave a dead one in the pool.
POOL_RECYCLE_SECONDS = 300


def make_engine(url: str, pool_size: int = DEFAULT_POOL_SIZE) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
            pool_size=pool_size,
            max_overflow=0,
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=0, pool_recycle=POOL_RECYCLE_SECONDS)


class WriterQueue:
    """SQLite's one-writer rule kept inside this process, first come first served.

    A ticket lock: writers take a number and go in order, so a burst of writers
    is served like a queue instead of racing in SQLite's busy handler, whose
    growing sleeps let an unlucky writer wait far longer than its turn.
    ``changed`` is notified whenever the queue moves, so a test can watch it.
    """

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self._next = 0
        self._serving = 0

    @property
    def waiting(self) -> int:
        """Writers queued behind the one holding the lock."""
        return max(0, self._next - self._serving - 1)

    def __enter__(self) -> None:
        with self.changed:
            ticket = self._next
            self._next += 1
            self.changed.notify_all()
            self.changed.wait_for(lambda: self._serving == ticket)

    def __exit__(self, *_exc: object) -> None:
        with self.changed:
            self._serving += 1
            self.changed.notify_all()


class Database:
    """One engine per process; sessions are opened per request, command or job."""

    def __init__(self, url: str, pool_size: int = DEFAULT_POOL_SIZE) -> None:
        self.url = normalize_url(url)
        self.pool_size = pool_size
        self.engine = make_engine(self.url, pool_size)
        self._write_engine = self.engine.execution_options(laurels_write=True)
        # PostgreSQL reads run in autocommit: a GET by id is then one statement on the
        # wire instead of BEGIN, SELECT, COMMIT. Each statement still sees every write
        # committed before it; no read path writes. SQLite's BEGIN costs no round trip.
        self._read_engine = (
            self.engine
            if self.engine.dialect.name == "sqlite"
            else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        )
        # SQLite has one writer at a time: this process's writers queue here, in
        # order, rather than in SQLite's busy handler with its growing sleeps.
        self.write_lock: WriterQueue | None = WriterQueue() if self.is_sqlite else None

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def session(self, *, write: bool) -> Session:
        bind = self._write_engine if write else self._read_engine
        return Session(bind=bind, expire_on_commit=False, autoflush=False, info={"db": self, "write": write})

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A write session that commits if the block succeeds and rolls back otherwise."""
        with self.writer(), self.session(write=True) as session:
            yield session
            session.commit()

    @contextmanager
    def writer(self) -> Iterator[None]:
        """Hold this process's turn to write (SQLite only; elsewhere nothing to wait for)."""
        if self.write_lock is None:
            yield
            return
        with self.write_lock:
            yield

    def dispose(self) -> None:
        self.engine.dispose()
