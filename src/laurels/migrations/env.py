"""Alembic environment: runs on the connection laurels.kit.migrate hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

import laurels.models  # noqa: F401  (registers every table on Base.metadata)
from laurels.config import database_url
from laurels.kit.db import Base, Database


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:  # the plain `alembic` command, e.g. for `alembic revision --autogenerate`
    db = Database(database_url())
    with db.engine.connect() as conn:
        _run(conn)
        conn.commit()
