"""One request, one unit of work, one thread hop.

The routes and services are synchronous SQLAlchemy code. Left to FastAPI, a
synchronous route and each synchronous dependency would run in a threadpool
thread of its own: six hops for a plain GET, each costing more than the query.
:class:`UnitRoute` runs the whole of a request's database work in one hop:

- every dependency is ``async`` and does no I/O: the API key comes from a
  per-process cache (``tenancy.auth``), the session is created but not yet
  connected (``kit.http.get_session``);
- the route function, then the commit, then the session's close run together
  in one worker thread (:func:`run_unit`), so a transaction begins at the
  route's first statement and ends before the thread is given back — it never
  spans an await, and on SQLite the write lock is never held while waiting;
- FastAPI validates and serializes the returned model on the event loop (the
  route is a coroutine to FastAPI), where it costs no hop.

SQLite has one writer at a time. Within a process, writers queue on a lock
before they begin (:attr:`Database.write_lock`), so at most one of them per
process waits in SQLite's busy handler, whose back-off would otherwise make a
burst of writers wait in ever longer sleeps.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

import anyio.to_thread
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from laurels.kit.db import Database


def size_threadpool(connections: int) -> None:
    """As many worker threads as pooled connections: a unit never waits for a connection.

    Called once per event loop at start-up (the limiter belongs to the loop).
    """
    anyio.to_thread.current_default_thread_limiter().total_tokens = connections


def run_unit(db: Database, session: Session | None, call: Callable[[], Any]) -> Any:
    """Run ``call`` and commit ``session`` in this thread; roll back on any error; always close."""
    if session is None:
        return call()
    with db.writer() if session.info.get("write") else nullcontext():
        try:
            result = call()
            session.commit()
            return result
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


def _unit_endpoint(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)
    async def run(**kwargs: Any) -> Any:
        session = next((v for v in kwargs.values() if isinstance(v, Session)), None)
        db: Database | None = session.info.get("db") if session is not None else None
        call = functools.partial(endpoint, **kwargs)
        if db is None:
            return await run_in_threadpool(call)
        return await run_in_threadpool(run_unit, db, session, call)

    return run


class UnitRoute(APIRoute):
    """An APIRoute whose synchronous endpoint runs as one unit of work in one thread."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = _unit_endpoint(endpoint)
        super().__init__(path, endpoint, **kwargs)
