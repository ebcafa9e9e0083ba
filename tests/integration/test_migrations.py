"""The migrations build exactly the schema the models describe, on both backends, and undo it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, make_url, text
from sqlalchemy.exc import OperationalError

import laurels.models  # noqa: F401  (registers every table)
from laurels.kit import migrate
from laurels.kit.db import Base, Database


def test_database_is_at_head(db: Database) -> None:
    assert migrate.current_revision(db) == migrate.head_revision()
    assert migrate.is_up_to_date(db)


def test_models_and_migrations_agree(db: Database) -> None:
    assert _schema_diff(db) == []


def test_upgrade_is_idempotent(db: Database) -> None:
    assert migrate.upgrade(db) == migrate.head_revision()


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("SQLite pragmas (journal mode, busy timeout, foreign keys): not a PostgreSQL setting")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


# ---- every revision up, down and up again, on a scratch database -------------------------------


@pytest.fixture
def scratch(db: Database, tmp_path: Path) -> Iterator[Database]:
    """An empty database of the configured backend, used only here.

    SQLite: a new file. PostgreSQL: a database named after the configured one plus ``_mig``
    (the test role may create databases), so runs on different databases never collide;
    it is dropped afterwards (and first, if an interrupted run left it behind).
    """
    if db.is_sqlite:
        database = Database(f"sqlite:///{tmp_path / 'scratch.db'}")
        yield database
        database.dispose()
        return
    url = make_url(db.url)
    name = f"{url.database}_mig"
    quoted = db.engine.dialect.identifier_preparer.quote(name)
    with db.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")  # CREATE/DROP DATABASE refuse a transaction
        _drop(conn, quoted)
        conn.execute(text(f"CREATE DATABASE {quoted}"))
    database = Database(url.set(database=name).render_as_string(hide_password=False))
    try:
        yield database
    finally:
        database.dispose()
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            _drop(conn, quoted)


def _drop(conn: Connection, quoted: str) -> None:
    """Drop the scratch database. A plain DROP first: it stops an autovacuum worker that is
    cleaning the fresh tables by itself, where WITH (FORCE) fails on one for a role that is not
    a superuser (PostgreSQL 15: "must be a member of the role whose process is being
    terminated"). FORCE only for sessions an interrupted run left connected."""
    try:
        conn.execute(text(f"DROP DATABASE IF EXISTS {quoted}"))
    except OperationalError:
        conn.execute(text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))


def _schema_diff(db: Database) -> list[object]:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def _tables(db: Database) -> set[str]:
    return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_every_migration_upgrades_downgrades_and_upgrades_again(scratch: Database) -> None:
    """The stairway: each revision applied, undone to the one before, and applied again.

    A downgrade that leaves something behind (a table, an index, a constraint) makes the
    second upgrade fail; one that removes too much makes the final comparison differ.
    """
    script = ScriptDirectory.from_config(migrate.alembic_config())
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    assert revisions, "no migrations found"
    assert revisions[-1] == migrate.head_revision()

    previous: str = "base"
    for revision in revisions:
        assert migrate.upgrade(scratch, revision) == revision
        assert migrate.downgrade(scratch, previous) == (None if previous == "base" else previous)
        assert migrate.upgrade(scratch, revision) == revision
        previous = revision

    assert _schema_diff(scratch) == []
    tables = _tables(scratch)
    assert tables == set(Base.metadata.tables)

    # And all the way down: nothing of the schema is left.
    assert migrate.downgrade(scratch, "base") is None
    assert _tables(scratch) == set()
    # Up once more, in one go, as `laurels db upgrade` runs on a new database.
    assert migrate.upgrade(scratch) == migrate.head_revision()
    assert _tables(scratch) == tables
