"""Alembic, driven from Python so the CLI and the server need no alembic.ini."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from laurels.kit.db import Database

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def is_up_to_date(db: Database) -> bool:
    return current_revision(db) == head_revision()


def upgrade(db: Database, revision: str = "head") -> str | None:
    """Migrate to ``revision`` in one transaction; returns the revision reached."""
    return _migrate(db, command.upgrade, revision)


def downgrade(db: Database, revision: str) -> str | None:
    """Migrate down to ``revision`` (tests use it; the application never downgrades)."""
    return _migrate(db, command.downgrade, revision)


def _migrate(db: Database, step: Callable[[Config, str], None], revision: str) -> str | None:
    config = alembic_config()
    with db.engine.connect() as conn:
        if db.is_sqlite:
            # Batch migrations rebuild tables; with foreign keys enforced that
            # would cascade or fail. The pragma only takes effect outside a
            # transaction, so it is set on the raw connection before BEGIN.
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with conn.execution_options(laurels_write=True).begin():
                config.attributes["connection"] = conn
                step(config, revision)
        finally:
            if db.is_sqlite:
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
    return current_revision(db)
