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

A unit may name statements to run last, with its commit
(:func:`run_at_commit`): those that lock a row every request of their kind
updates — a reward-level limit counter, a product's stock. On PostgreSQL
(psycopg) they and the COMMIT go to the server together, in one round trip of
psycopg's pipeline mode, so those rows are locked only while the server
commits, not while answers cross the network and a thread waits for the GIL to
send the next statement. Whatever commits the session, they run first (a
``before_commit`` hook), so no caller can commit a unit without them.

Each final statement is refused by one CHECK constraint of its own, its
``guard``; a refusal in the pipeline arrives at the COMMIT, and the constraint
it names says which statement it was. So a unit holds one final statement per
guard: naming a second runs the first at once, unpipelined. They run in the
order of their ``lock_order``, the same for every unit, so two units never
wait for each other's final rows in a cycle.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from fastapi.routing import APIRoute
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from laurels.kit.db import violated_check
from laurels.kit.statements import Prepared

_FINALS = "laurels_final_statements"


@dataclass(frozen=True)
class Final:
    """One of a unit's last statements.

    ``guard`` is the CHECK constraint that refuses it, and ``refusal`` the error the request
    answers with then; ``lock_order`` places it among the unit's final statements.
    """

    statement: Prepared
    params: dict[str, Any]
    guard: str
    refusal: Callable[[], Exception]
    lock_order: tuple[int, ...]


def run_at_commit(session: Session, final: Final) -> None:
    """Run ``final`` among the unit's last statements, immediately before (PostgreSQL: with) its COMMIT.

    One named earlier with the same guard (a request that issues several rewards) runs now, and
    the new one takes its place.
    """
    finals: dict[str, Final] = session.info.setdefault(_FINALS, {})
    earlier = finals.pop(final.guard, None)
    if earlier is not None:
        _run(session, [earlier], with_commit=False)
    finals[final.guard] = final


def commit(session: Session) -> None:
    """Commit the unit, its final statements first; on PostgreSQL all in one round trip."""
    finals = _take_finals(session)
    if finals:
        _run(session, finals, with_commit=session.connection().dialect.driver == "psycopg")
    # After a pipelined COMMIT the driver's transaction is over and this sends nothing.
    session.commit()


def _take_finals(session: Session) -> list[Final]:
    finals: dict[str, Final] = session.info.pop(_FINALS, None) or {}
    return sorted(finals.values(), key=lambda f: f.lock_order)


@event.listens_for(Session, "before_commit")
def _finals_first(session: Session) -> None:
    # A commit outside run_unit (the CLI, a test) still runs the final statements, unpipelined.
    finals = _take_finals(session)
    if finals:
        _run(session, finals, with_commit=False)


def _run(session: Session, finals: list[Final], *, with_commit: bool) -> None:
    try:
        if with_commit:
            raw: Any = session.connection().connection.dbapi_connection
            with raw.pipeline():
                for final in finals:
                    final.statement.rows(session, final.params)
                raw.commit()
        else:
            for final in finals:
                final.statement.rows(session, final.params)
    except Exception as error:
        # In the pipeline psycopg raises its own error, at the commit; elsewhere SQLAlchemy wraps it.
        guard = violated_check(error.orig if isinstance(error, DBAPIError) else error)
        refused = next((f for f in finals if f.guard == guard), None)
        if refused is not None:
            raise refused.refusal() from None
        raise


@event.listens_for(Session, "after_rollback")
def _finals_dropped(session: Session) -> None:
    session.info.pop(_FINALS, None)


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
        commit(session)
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
