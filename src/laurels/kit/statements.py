"""Core statements compiled once per dialect and run on the driver's cursor.

SQLAlchemy's execution layer — cache key, compiled-cache lookup, execution
context, result object — costs more per statement than a primary-key statement
costs the database. The few statements every hot request runs skip it: built
once as Core, compiled once per dialect (``compile_for``), their parameters
converted by their columns' types exactly as SQLAlchemy would, and run on the
DBAPI connection of the session's own transaction (:class:`Prepared`), so they
are part of the unit of work like any other statement. The hot reads
(``kit.reads``) run the same compiled form on their own connections.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple, cast

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement as Executable
from sqlalchemy.sql.compiler import SQLCompiler

Row = tuple[Any, ...]


class Compiled(NamedTuple):
    sql: str
    # Parameter names in the order the SQL takes them (None: by name).
    order: tuple[str, ...] | None
    # Values the statement carries itself (SQLite's LIMIT comes with an OFFSET 0 parameter).
    fixed: dict[str, Any]
    # Each parameter's type conversion for the dialect, where it has one (a datetime
    # becomes SQLite's stored text, exactly as the ORM writes it).
    processors: dict[str, Callable[[Any], Any]]
    # Whether it answers with rows: a SELECT, or a write with RETURNING.
    returns_rows: bool = True

    def bind(self, params: Mapping[str, Any]) -> Mapping[str, Any] | tuple[Any, ...]:
        merged = {**self.fixed, **params} if self.fixed else dict(params)
        for name, process in self.processors.items():
            if name in merged:
                merged[name] = process(merged[name])
        return merged if self.order is None else tuple(merged[name] for name in self.order)


def compile_for(stmt: Executable, dialect: Dialect) -> Compiled:
    """The statement's SQL for ``dialect`` and how its parameters are passed."""
    compiled = cast(SQLCompiler, stmt.compile(dialect=dialect, compile_kwargs={"render_postcompile": True}))
    order = tuple(compiled.positiontup) if compiled.positiontup is not None else None
    processors: dict[str, Callable[[Any], Any]] = {}
    for name, bind in compiled.binds.items():
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            processors[name] = process
    writes = compiled.isinsert or compiled.isupdate or compiled.isdelete
    returns_rows = not writes or bool(compiled.effective_returning)
    fixed = {k: v for k, v in compiled.params.items() if v is not None}
    return Compiled(str(compiled), order, fixed, processors, returns_rows)


class Prepared:
    """A statement run in a session's transaction on the driver's cursor, past SQLAlchemy's execution layer.

    A driver error is raised as SQLAlchemy's wrapper of it (``IntegrityError`` …), as
    ``Session.execute`` would raise it, and the engine's ``before_cursor_execute`` and
    ``after_cursor_execute`` events fire as for any statement, so what listens to them (SQL
    logging, tracing, ``bench/issuance.py``'s capture) still sees every statement.
    """

    __slots__ = ("_compiled", "statement")

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._compiled: dict[str, Compiled] = {}

    def rows(self, session: Session, params: Mapping[str, Any]) -> list[Row]:
        """Run it; the rows it returns (none for a write without RETURNING)."""
        return self._execute(session, params, fetch=True)

    def run(self, session: Session, params: Mapping[str, Any]) -> None:
        """Run it and fetch nothing: what a statement queued in a pipeline must do, since fetching
        would make the driver send the pipeline and wait for it there and then."""
        self._execute(session, params, fetch=False)

    def _execute(self, session: Session, params: Mapping[str, Any], *, fetch: bool) -> list[Row]:
        connection = session.connection()  # begins the session's transaction if it has not
        dialect = connection.dialect
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = compile_for(self.statement, dialect)
        # Whether there are rows is known from the statement: asking psycopg for the cursor's
        # description instead built its columns, 5% of a grant's CPU (py-spy).
        return on_cursor(connection, compiled.sql, compiled.bind(params), fetch=fetch and compiled.returns_rows)

    def first(self, session: Session, params: Mapping[str, Any]) -> Row | None:
        found = self.rows(session, params)
        return found[0] if found else None


def on_cursor(
    connection: Connection, sql: str, bound: Mapping[str, Any] | tuple[Any, ...] = (), *, fetch: bool = False
) -> list[Row]:
    """Run ``sql`` on the DBAPI cursor of ``connection``'s transaction, with the engine's cursor
    events and SQLAlchemy's wrapping of a driver error, as its execution layer would; its rows
    if ``fetch``."""
    dialect = connection.dialect
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    events = connection.dispatch
    try:
        if events.before_cursor_execute:
            events.before_cursor_execute(connection, cursor, sql, bound, None, False)
        cursor.execute(sql, bound)
        if events.after_cursor_execute:
            events.after_cursor_execute(connection, cursor, sql, bound, None, False)
        return cast(list[Row], cursor.fetchall()) if fetch else []
    except dialect.loaded_dbapi.Error as error:
        raise DBAPIError.instance(sql, bound, error, dialect.loaded_dbapi.Error) from error
    finally:
        cursor.close()


def document(value: Any) -> Any:
    """A JSON column's value as read past SQLAlchemy: SQLite and asyncpg hand it over as text."""
    return json.loads(value) if isinstance(value, str) else value
