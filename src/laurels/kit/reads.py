"""Hot reads on the event loop: no thread hop, no ORM, one statement.

The request path (kit/unit.py) runs a request's database work as one ORM unit,
in one worker thread on PostgreSQL. For the few reads every client makes most —
a reward by id, a page of rewards — even that one unit, the ORM's identity map
and (on PostgreSQL) the hop to the worker cost several times the query. Those
routes are ``async`` and read through :class:`Reads` instead:

- **SQLite**: one connection per event loop, used on the loop itself. Under WAL
  a reader never waits for a writer (it reads the last committed snapshot), and
  a primary-key or index-range select takes tens of microseconds — less than the
  hop to a thread would. The connection is ``query_only``: nothing on this path
  can write.
- **PostgreSQL**: asyncpg connections kept per event loop (``LAURELS_DB_READ_POOL_SIZE``
  per worker, default 8; :class:`_PostgresBackend`), outside any transaction: each statement
  sees every write committed before it, from any worker. asyncpg, not the
  psycopg the ORM uses, because it is the fastest driver for exactly this — a
  prepared statement per query shape, rows decoded in C; psycopg's async
  mode cost twice the CPU per GET in a py-spy profile.

Statements are SQLAlchemy Core, built once in the domain's repository (the
"hot reads" section of rewards, tenancy and customers) and compiled once per
dialect here, parameters converted by their columns' types; they select plain
columns, so rows need no type processing (JSON columns come back as text from
both drivers; the caller decodes them). Each event loop gets its own connections because a test
process runs more than one loop (the test client's and a live server's).
"""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import asyncpg
from sqlalchemy import literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.sql import ClauseElement as Executable

from laurels.config import sqlite_path
from laurels.kit.db import SQLITE_BUSY_TIMEOUT_MS
from laurels.kit.statements import Compiled, Row, compile_for

# SQLite's named style (:name) takes a dict; asyncpg's $1, $2 ... take values in order.
_SQLITE = sqlite.dialect(paramstyle="named")
_POSTGRES: Dialect = postgresql.asyncpg.dialect()  # type: ignore[no-untyped-call]


_PING = select(literal(1))


class _Backend(Protocol):
    async def rows(self, sql: str, params: Any) -> list[Row]: ...

    async def close(self) -> None: ...


class _SQLiteBackend:
    def __init__(self, path: str) -> None:
        # check_same_thread off: the loop's thread opens it and is the only one to use it,
        # but the test client may close it from another.
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        self.conn.execute("PRAGMA query_only=ON")

    async def rows(self, sql: str, params: Any) -> list[Row]:
        return self.conn.execute(sql, params).fetchall()

    async def close(self) -> None:
        self.conn.close()


# Errors after which a connection taken from the idle list is dropped and the read tried on
# the next one: the server closed it (restarted, or killed the backend) while it sat idle.
_GONE = (asyncpg.PostgresConnectionError, asyncpg.exceptions.OperatorInterventionError, OSError)
# The settings of these connections: a name to tell them apart from the ORM's in pg_stat_activity,
# and one plan per prepared statement. asyncpg prepares each statement, and PostgreSQL plans a
# prepared statement afresh at every execution while its generic plan's estimate is dearer than
# the custom plans' — and with the org and the page size unknown it always is, though the plan
# is the same (the org's index, a LIMIT). Planning then cost more than running: PostgreSQL's CPU
# per Capillary per-user list 0.42 against 0.14 ms, per page of rewards 0.16 against 0.09
# (bench/http.py; docs/operations.md). Every statement on this path is an equality lookup on
# an index's leading columns, whose best plan does not depend on the values looked up.
_SETTINGS = {"application_name": "laurels-reads", "plan_cache_mode": "force_generic_plan"}


class _PostgresBackend:
    """asyncpg connections kept per event loop, handed out first come first served.

    Not asyncpg's pool: its acquire and release (a task and a shield per release, an idle
    timer per connection, a reset query unless told otherwise) were a third of a GET by id's
    CPU in a py-spy profile of ``bench/inprocess.py --paths get`` on PostgreSQL, and it is not
    fair: a read arriving just as a connection is given back took it ahead of the one woken for
    it, and under 64 connections some reads lost that race again and again (bench/http.py, GET
    by id: p99 202 ms against 23 ms once reads queued). Here a read waits on a semaphore with
    one permit per connection, FIFO, and past it a connection is either idle or may be opened.
    These connections only run plain selects outside any transaction and never change session
    state (no SET, LISTEN, advisory locks or cursors), so nothing needs resetting between reads.
    """

    def __init__(self, dsn: str, size: int) -> None:
        self.dsn = dsn
        self._idle: list[asyncpg.Connection] = []
        self._turns = asyncio.Semaphore(size)

    async def rows(self, sql: str, params: Any) -> list[Row]:
        async with self._turns:
            while True:
                kept = bool(self._idle)
                # The most recently used first: under light load the same few stay warm.
                conn = self._idle.pop() if kept else await asyncpg.connect(self.dsn, server_settings=_SETTINGS)
                try:
                    records = await conn.fetch(sql, *params)
                except BaseException as exc:
                    gone = conn.is_closed() or isinstance(exc, _GONE)
                    if isinstance(exc, asyncpg.PostgresError) and not gone:
                        self._idle.append(conn)  # the statement failed; the connection is fine
                        raise
                    # Lost, cancelled mid-statement, or a fault of the driver: its state is unknown.
                    conn.terminate()
                    if gone and kept:
                        continue  # it died while idle: try the next one (a select, so no harm)
                    raise
                self._idle.append(conn)
                return [tuple(record) for record in records]

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for conn in idle:
            await conn.close()


class Reads:
    """Plain-column reads run on the caller's event loop (see the module's docstring)."""

    def __init__(self, url: str, pool_size: int) -> None:
        self.url = url
        self.pool_size = pool_size
        self.sqlite_file = sqlite_path(url)
        if self.sqlite_file is None and make_url(url).get_backend_name() == "sqlite":
            raise ValueError("hot reads need a SQLite file, not an in-memory database")
        self.dialect: Dialect = _SQLITE if self.sqlite_file is not None else _POSTGRES
        self._sql: dict[int, tuple[Executable, Compiled]] = {}
        # Called with each statement's SQL before it runs (tests count statements with it,
        # as SQLAlchemy's before_cursor_execute event does for the engine).
        self.listeners: list[Callable[[str], None]] = []
        self._backends: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Backend] = weakref.WeakKeyDictionary()
        self._last: tuple[asyncio.AbstractEventLoop, _Backend] | None = None

    def compiled(self, stmt: Executable) -> Compiled:
        # Keyed by identity: callers pass statements built once (module constants); the
        # statement is kept beside its SQL so its id cannot be reused by another object.
        held = self._sql.get(id(stmt))
        if held is None or held[0] is not stmt:
            held = (stmt, compile_for(stmt, self.dialect))
            self._sql[id(stmt)] = held
        return held[1]

    def _backend(self) -> _Backend:
        loop = asyncio.get_running_loop()
        last = self._last
        if last is not None and last[0] is loop:
            return last[1]
        backend = self._backends.get(loop)
        if backend is None:
            if self.sqlite_file is not None:
                backend = _SQLiteBackend(str(self.sqlite_file))
            else:
                dsn = make_url(self.url).set(drivername="postgresql").render_as_string(hide_password=False)
                backend = _PostgresBackend(dsn, self.pool_size)
            self._backends[loop] = backend
        # A server has one loop per process: remembering it spares a weak reference per read.
        self._last = (loop, backend)
        return backend

    async def rows(self, stmt: Executable, params: Mapping[str, Any]) -> list[Row]:
        compiled = self.compiled(stmt)
        for listener in self.listeners:
            listener(compiled.sql)
        return await self._backend().rows(compiled.sql, compiled.bind(params))

    async def ping(self) -> bool:
        """Whether the database answers a trivial select."""
        try:
            return await self.rows(_PING, {}) == [(1,)]
        except (TimeoutError, sqlite3.Error, asyncpg.PostgresError, OSError):
            return False

    async def close(self) -> None:
        """Close this event loop's connections (the app's lifespan calls it on shutdown)."""
        loop = asyncio.get_running_loop()
        if self._last is not None and self._last[0] is loop:
            self._last = None
        backend = self._backends.pop(loop, None)
        if backend is not None:
            await backend.close()
