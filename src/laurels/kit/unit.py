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

SQLite has one writer at a time. Writers take turns (:attr:`Database.write_lock`)
from their first statement to the moment their connection is back in the pool,
in order within a process and by a file lock between processes, so none waits in
SQLite's busy handler, whose back-off would make a burst of writers wait in ever
longer sleeps. Work a route does before its first statement holds no turn.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import anyio.to_thread
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool


def size_threadpool(connections: int) -> None:
    """As many worker threads as pooled connections: a unit never waits for a connection.

    Called once per event loop at start-up (the limiter belongs to the loop).
    """
    anyio.to_thread.current_default_thread_limiter().total_tokens = connections


def run_unit(session: Session | None, call: Callable[[], Any]) -> Any:
    """Run ``call`` and commit ``session`` in this thread; roll back on any error; always close."""
    if session is None:
        return call()
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
        return await run_in_threadpool(run_unit, session, functools.partial(endpoint, **kwargs))

    return run


class UnitRoute(APIRoute):
    """An APIRoute whose synchronous endpoint runs as one unit of work in one thread."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = _unit_endpoint(endpoint)
        super().__init__(path, endpoint, **kwargs)
