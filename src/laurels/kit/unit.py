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
- on SQLite, read units and :func:`brief` write units skip even that hop and run
  on the event loop (:func:`run_unit_async`): with no network to wait on, a thread
  buys them nothing, and under load handing the GIL between the loop and the unit
  threads cost more than their statements. A process's brief writes that queue
  together run in one transaction, a savepoint each (:class:`_BriefWrites`);
- FastAPI validates and serializes the returned model on the event loop (the
  route is a coroutine to FastAPI), where it costs no hop.

SQLite has one writer at a time. Writers take turns (:attr:`Database.write_lock`)
from their first statement (a batch of brief writes: from just before it begins) to
the moment their connection is back in the pool, in order within a process and by a
file lock between processes, so none waits in SQLite's busy handler, whose back-off
would make a burst of writers wait in ever longer sleeps. Work a route does before
its first statement holds no turn.

A unit may name statements to run last, with its commit
(:func:`run_at_commit`): those that lock a row every request of their kind
updates — a reward-level limit counter, a product's stock. On PostgreSQL
(psycopg) they and the COMMIT go to the server together, in one round trip of
psycopg's pipeline mode, so those rows are locked only while the server
commits, not while answers cross the network and a thread waits for the GIL to
send the next statement. Whatever commits the session, they run first (a
``before_commit`` hook), so no caller can commit a unit without them.

Final statements run in the order of their ``lock_order``, the same for
every unit, after everything else the unit locked, so two units never wait
for each other's final rows in a cycle. Each is refused by a CHECK constraint,
its ``guard``; a refusal in the pipeline arrives at the COMMIT, and only the
constraint it names says which statement it was. So the pipeline carries the
last of them whose guards differ; any before those (a request issuing several
rewards holds several counters) run one by one just before.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import weakref
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio.to_thread
from fastapi.routing import APIRoute
from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from laurels.kit.db import TURN_TAKEN_AHEAD, Database, WriterQueue, violated_check
from laurels.kit.routing import AfterCommit, Handler, lean_handler
from laurels.kit.statements import Prepared

_FINALS = "laurels_final_statements"
_BRIEF = "laurels_brief_unit"
T = TypeVar("T")
E = TypeVar("E", bound=Callable[..., Any])


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
    """Run ``final`` among the unit's last statements, immediately before (PostgreSQL: with) its COMMIT."""
    session.info.setdefault(_FINALS, []).append(final)


def commit(session: Session) -> None:
    """Commit the unit, its final statements first; on PostgreSQL with the COMMIT in one round trip."""
    finals = _take_finals(session)
    if finals and session.connection().dialect.driver == "psycopg":
        # The longest tail whose guards differ goes in the pipeline; any before it, one by one.
        guards: set[str] = set()
        split = len(finals)
        while split > 0 and finals[split - 1].guard not in guards:
            split -= 1
            guards.add(finals[split].guard)
        for final in finals[:split]:
            _run(session, [final], with_commit=False)
        _run(session, finals[split:], with_commit=True)
    else:
        for final in finals:
            _run(session, [final], with_commit=False)
    # After a pipelined COMMIT the driver's transaction is over and this sends nothing.
    session.commit()


def _take_finals(session: Session) -> list[Final]:
    finals: list[Final] = session.info.pop(_FINALS, None) or []
    return sorted(finals, key=lambda f: f.lock_order)


@event.listens_for(Session, "before_commit")
def _finals_first(session: Session) -> None:
    # A commit outside run_unit (the CLI, a test) still runs the final statements, unpipelined.
    for final in _take_finals(session):
        _run(session, [final], with_commit=False)


def _run(session: Session, finals: list[Final], *, with_commit: bool) -> None:
    try:
        if with_commit:
            raw: Any = session.connection().connection.dbapi_connection
            with raw.pipeline():
                for final in finals:
                    final.statement.run(session, final.params)
                raw.commit()
        else:
            for final in finals:
                final.statement.run(session, final.params)
    except Exception as error:
        # In the pipeline psycopg raises its own error, at the commit; elsewhere SQLAlchemy wraps it.
        # The finals run together have distinct guards: the violated one names the statement.
        guard = violated_check(error.orig if isinstance(error, DBAPIError) else error)
        refused = next((f for f in finals if f.guard == guard), None)
        if refused is not None:
            raise refused.refusal() from None
        raise


@event.listens_for(Session, "after_rollback")
def _finals_dropped(session: Session) -> None:
    session.info.pop(_FINALS, None)


class _UnitThreads:
    """The process's unit threads, and how many (one executor per process)."""

    executor: ThreadPoolExecutor | None = None
    size = 0


def size_threadpool(connections: int) -> None:
    """As many unit threads as pooled connections: a unit never waits for a connection.

    Called once per event loop at start-up (anyio's limiter, for any other synchronous code
    FastAPI runs, belongs to the loop; the units' threads to the process).
    """
    anyio.to_thread.current_default_thread_limiter().total_tokens = connections
    if _UnitThreads.executor is None or _UnitThreads.size != connections:
        previous = _UnitThreads.executor
        _UnitThreads.executor = ThreadPoolExecutor(connections, thread_name_prefix="laurels-unit")
        _UnitThreads.size = connections
        if previous is not None:
            previous.shutdown(wait=False)


async def in_unit_thread(call: Callable[..., T], *args: Any) -> T:
    """``call(*args)`` in one of the process's unit threads.

    The event loop's own executor, not anyio's ``to_thread``: a unit needs no limiter (there are
    as many threads as connections) and no cancellation scope (a unit always runs to its commit
    or rollback), and that machinery cost more CPU per request than the hop itself.
    """
    return await asyncio.get_running_loop().run_in_executor(_UnitThreads.executor, functools.partial(call, *args))


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


def brief(endpoint: E) -> E:
    """Mark a route's unit as brief: a handful of statements, no bulk work, nothing awaited.

    On SQLite a brief unit that writes runs on the event loop, like every read unit there, in a
    batch with the brief writes of its process queued meanwhile (:class:`_BriefWrites`): the
    batch's turn is awaited first (:meth:`WriterQueue.enter_async`), so it never blocks the
    loop waiting for another writer. Units that may run long (bulk uploads, code generation)
    are left unmarked and run in a unit thread, so the loop serves other requests meanwhile.
    """
    setattr(endpoint, _BRIEF, True)
    return endpoint


async def run_unit_async(session: Session | None, call: Callable[[], T], *, brief: bool = False) -> T:
    """:func:`run_unit` where it costs least: on the event loop for SQLite, else in a unit thread.

    SQLite is a library, not a server: a unit's statements are function calls in this process,
    tens of microseconds each, with nothing to wait on but the writer turn, so a thread buys it
    nothing, and under load the loop and the unit threads handing the GIL to each other cost a
    grant more than its statements (bench/issuance.py, SQLite: 1.7-2.1 against 2.3-2.9 ms of CPU
    per grant). So SQLite's read units, and its brief write units once their turn is theirs, run
    on the loop. A PostgreSQL unit waits on the network at every statement:
    it runs in a unit thread, and the loop serves other requests meanwhile.
    """
    db: Database | None = session.info.get("db") if session is not None else None
    if session is None or db is None or not db.is_sqlite:
        return await in_unit_thread(run_unit, session, call)
    if not session.info.get("write"):
        # Under WAL a reader never waits: it reads the last committed snapshot.
        return run_unit(session, call)  # type: ignore[no-any-return]
    turns = db.write_lock
    if not brief or turns is None:
        return await in_unit_thread(run_unit, session, call)
    return await _BriefWrites.of(db, turns).run(session, call)


# A unit of a batch, run: its answer, and its result or the error it raised.
_Outcome = tuple[asyncio.Future[Any], Any, BaseException | None]


class _BriefWrites:
    """An event loop's brief SQLite write units, run together under one writer turn and one commit.

    The first unit to arrive takes the turn for all that queue meanwhile. Once it is theirs, they
    run one after another without returning to the loop, in one transaction, each in a savepoint
    of its own: a unit that fails rolls back to its savepoint and the others go on. One COMMIT
    then makes them all durable, and only after it does any of them answer — a refusal too, since
    it may rest on what an earlier unit of the batch wrote: if the batch is undone, every unit
    of it answers with that error instead. The turn is given back when none is left.

    Why: the turn is the one thing no two writers of any process share, so its length bounds
    SQLite's write throughput. Awaiting it unit by unit, each resumed by the loop in its turn,
    held it while the loop went round its other callbacks between units (two workers granting
    kept one core busy between them); and a commit per unit wrote the same pages (a limit's
    counter, the tables' last leaves) once per unit instead of once per batch.

    It holds neither its loop nor its database (the keys it is found by), so both can go.
    """

    def __init__(self, turns: WriterQueue, engine: Engine) -> None:
        self.turns = turns
        self.engine = engine
        self.pending: deque[tuple[contextvars.Context, Session, Callable[[], Any], asyncio.Future[Any]]] = deque()
        self.draining: asyncio.Task[None] | None = None

    @classmethod
    def of(cls, db: Database, turns: WriterQueue) -> _BriefWrites:
        queues = _BRIEF_WRITES.setdefault(db, weakref.WeakKeyDictionary())
        loop = asyncio.get_running_loop()
        queue = queues.get(loop)
        if queue is None:
            queue = queues[loop] = cls(turns, db.write_engine)
        return queue

    def run(self, session: Session, call: Callable[[], T]) -> asyncio.Future[T]:
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[T] = loop.create_future()
        # The unit runs in its request's context, not the draining task's.
        self.pending.append((contextvars.copy_context(), session, call, answer))
        self.turns.joined()
        if self.draining is None:
            # A task of its own, not the first request's coroutine: cancelling a request
            # must not strand the units queued behind it.
            self.draining = loop.create_task(self._drain())
        return answer

    async def _drain(self) -> None:
        try:
            while self.pending:
                try:
                    await self.turns.enter_async()
                except Exception as error:
                    # The turn file cannot be opened or locked: the queued units cannot write,
                    # and trying again at once would spin.
                    self._fail_pending([], error)
                    return
                ahead = TURN_TAKEN_AHEAD.set(True)
                try:
                    self._batch()
                finally:
                    TURN_TAKEN_AHEAD.reset(ahead)
                    self.turns.__exit__()
        finally:
            self.draining = None

    def _batch(self) -> None:
        """Every pending unit in one transaction, a savepoint each; answered once it commits."""
        outcomes: list[_Outcome] = []
        try:
            connection = self.engine.connect()
        except Exception as error:
            self._fail_pending(outcomes, error)
            return
        try:
            connection.begin()
            while self.pending:
                context, session, call, answer = self.pending.popleft()
                if answer.cancelled():
                    continue  # its request is gone before its turn: it never began
                session.bind = connection
                session.join_transaction_mode = "create_savepoint"
                try:
                    outcomes.append((answer, context.run(_turn_taken, session, call), None))
                except BaseException as error:
                    outcomes.append((answer, None, error))
                    if not isinstance(error, Exception):
                        raise  # SystemExit and the like: below, every unit hears of it
                if not connection.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
                    # SQLite rolled the whole transaction back (a full disk, an I/O error): the
                    # units before this one are undone too. Tell them, and go on afresh.
                    _fail(outcomes, RuntimeError("SQLite rolled back the transaction this write was part of"))
                    connection.rollback()
                    connection.begin()
            connection.commit()
        except BaseException as error:
            # A refused COMMIT can leave SQLite's transaction open, and the pool, told it ended,
            # would not roll it back: the connection is dropped, not handed to the next writer.
            connection.invalidate()
            # Those not yet run fail too: a transaction that cannot begin (or begin again) would
            # refuse them the same way, and retrying them at once would spin.
            self._fail_pending(outcomes, error)
            if not isinstance(error, Exception):
                raise
            return
        finally:
            connection.close()
        for answer, result, failure in outcomes:
            if answer.done():
                continue
            if failure is None:
                answer.set_result(result)
            else:
                answer.set_exception(failure)

    def _fail_pending(self, outcomes: list[_Outcome], error: BaseException) -> None:
        """Answer ``error`` to the units run so far and to every unit still queued."""
        _fail(outcomes + [(answer, None, None) for *_unit, answer in self.pending], error)
        self.pending.clear()


def _fail(outcomes: list[_Outcome], error: BaseException) -> None:
    for answer, _result, _error in outcomes:
        if not answer.done():
            answer.set_exception(error)
    outcomes.clear()


# Per database, per event loop (a test may run several).
_Queues = weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _BriefWrites]
_BRIEF_WRITES: weakref.WeakKeyDictionary[Database, _Queues] = weakref.WeakKeyDictionary()


def queued_brief_writes(db: Database) -> int:
    """This process's brief write units queued for their batch's turn, not yet run (tests watch
    it with ``Database.write_lock.changed``: a unit that joins a batch takes no ticket)."""
    return sum(len(queue.pending) for queue in _BRIEF_WRITES.get(db, {}).values())


def _turn_taken(session: Session, call: Callable[[], T]) -> T:
    TURN_TAKEN_AHEAD.set(True)  # in the unit's own copy of its context
    return run_unit(session, call)  # type: ignore[no-any-return]


async def read_unit(db: Database, call: Callable[..., T], *args: Any) -> T:
    """``call(*args)``, which opens a read session of its own on ``db``: on SQLite on the loop, else in a thread."""
    if db.is_sqlite:
        return call(*args)
    return await in_unit_thread(call, *args)


def _unit_endpoint(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    short = getattr(endpoint, _BRIEF, False)

    @functools.wraps(endpoint)
    async def run(**kwargs: Any) -> Any:
        session = next((v for v in kwargs.values() if isinstance(v, Session)), None)
        result = await run_unit_async(session, functools.partial(endpoint, **kwargs), brief=short)
        return result.make() if isinstance(result, AfterCommit) else result

    return run


class UnitRoute(APIRoute):
    """An APIRoute whose synchronous endpoint runs as one unit of work in one thread, and whose
    request handler is lean where it can be (:func:`kit.routing.lean_handler`)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = _unit_endpoint(endpoint)
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Handler:
        standard = super().get_route_handler()
        lean = lean_handler(self, standard)
        return standard if lean is None else lean
