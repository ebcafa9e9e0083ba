"""Hot reads on the event loop: no thread hop, no ORM, one statement.

The request path (kit/unit.py) runs a request's database work as one unit in
one worker thread. For the few reads every client makes most — a reward by id,
a page of rewards — even that one hop, the ORM's identity map and the GIL
hand-offs between the loop and the worker cost several times the query. Those
routes are ``async`` and read through :class:`Reads` instead:

- **SQLite**: one connection per event loop, used on the loop itself. Under WAL
  a reader never waits for a writer (it reads the last committed snapshot), and
  a primary-key or index-range select takes tens of microseconds — less than the
  hop to a thread would. The connection is ``query_only``: nothing on this path
  can write.
- **PostgreSQL**: a pool of psycopg async connections per event loop
  (``LAURELS_DB_READ_POOL_SIZE`` per worker, default 8), in autocommit: each
  statement sees every write committed before it, from any worker.

Statements are SQLAlchemy Core, built in the domain's repository and compiled
once per dialect here; they select plain columns (integers, text), so rows need
no type processing. Each event loop gets its own connections because a test
process runs more than one loop (the test client's and a live server's).
"""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from psycopg_pool import AsyncConnectionPool
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.sql import ClauseElement as Executable

from laurels.config import sqlite_path
from laurels.kit.db import SQLITE_BUSY_TIMEOUT_MS

Row = tuple[Any, ...]

# SQLite's named style (:name) takes a dict as psycopg's pyformat (%(name)s) does.
_SQLITE = sqlite.dialect(paramstyle="named")
_POSTGRES: Dialect = postgresql.psycopg.dialect()  # type: ignore[no-untyped-call]


def compiled_sql(stmt: Executable, dialect: Dialect) -> tuple[str, dict[str, Any]]:
    """The statement's SQL for ``dialect``, with bind parameters by name, and the values it fixes.

    The fixed values are those the statement carries itself (SQLite's ``LIMIT``
    comes with an ``OFFSET 0`` parameter, for one); callers supply the rest.
    """
    compiled = stmt.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    return str(compiled), {k: v for k, v in compiled.params.items() if v is not None}


class _Backend(Protocol):
    async def rows(self, sql: str, params: Mapping[str, Any]) -> list[Row]: ...

    async def close(self) -> None: ...


class _SQLiteBackend:
    def __init__(self, path: str) -> None:
        # check_same_thread off: the loop's thread opens it and is the only one to use it,
        # but the test client may close it from another.
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        self.conn.execute("PRAGMA query_only=ON")

    async def rows(self, sql: str, params: Mapping[str, Any]) -> list[Row]:
        return self.conn.execute(sql, params).fetchall()

    async def close(self) -> None:
        self.conn.close()


class _PostgresBackend:
    def __init__(self, conninfo: str, size: int) -> None:
        self.pool = AsyncConnectionPool(
            conninfo, min_size=1, max_size=size, open=False, kwargs={"autocommit": True}, check=None
        )
        self._opened = False

    async def rows(self, sql: str, params: Mapping[str, Any]) -> list[Row]:
        if not self._opened:
            await self.pool.open()
            self._opened = True
        async with self.pool.connection() as conn:
            cursor = await conn.execute(sql, params)
            return await cursor.fetchall()

    async def close(self) -> None:
        await self.pool.close()


class Reads:
    """Plain-column reads run on the caller's event loop (see the module's docstring)."""

    def __init__(self, url: str, pool_size: int) -> None:
        self.url = url
        self.pool_size = pool_size
        self.sqlite_file = sqlite_path(url)
        if self.sqlite_file is None and make_url(url).get_backend_name() == "sqlite":
            raise ValueError("hot reads need a SQLite file, not an in-memory database")
        self.dialect: Dialect = _SQLITE if self.sqlite_file is not None else _POSTGRES
        self._sql: dict[int, tuple[Executable, str, dict[str, Any]]] = {}
        # Called with each statement's SQL before it runs (tests count statements with it,
        # as SQLAlchemy's before_cursor_execute event does for the engine).
        self.listeners: list[Callable[[str], None]] = []
        self._backends: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Backend] = weakref.WeakKeyDictionary()

    def _compiled(self, stmt: Executable) -> tuple[Executable, str, dict[str, Any]]:
        # Keyed by identity: callers pass statements built once (module constants); the
        # statement is kept beside its SQL so its id cannot be reused by another object.
        held = self._sql.get(id(stmt))
        if held is None or held[0] is not stmt:
            held = (stmt, *compiled_sql(stmt, self.dialect))
            self._sql[id(stmt)] = held
        return held

    def _backend(self) -> _Backend:
        loop = asyncio.get_running_loop()
        backend = self._backends.get(loop)
        if backend is None:
            if self.sqlite_file is not None:
                backend = _SQLiteBackend(str(self.sqlite_file))
            else:
                conninfo = make_url(self.url).set(drivername="postgresql").render_as_string(hide_password=False)
                backend = _PostgresBackend(conninfo, self.pool_size)
            self._backends[loop] = backend
        return backend

    async def rows(self, stmt: Executable, params: Mapping[str, Any]) -> list[Row]:
        _, sql, fixed = self._compiled(stmt)
        for listener in self.listeners:
            listener(sql)
        return await self._backend().rows(sql, {**fixed, **params} if fixed else params)

    async def close(self) -> None:
        """Close this event loop's connections (the app's lifespan calls it on shutdown)."""
        backend = self._backends.pop(asyncio.get_running_loop(), None)
        if backend is not None:
            await backend.close()
