"""Integer ids are never handed out twice (SQLite AUTOINCREMENT); brand names are
unique in the org regardless of case (brands.name_key)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23

SQLite without AUTOINCREMENT gives a new row max(id) + 1, so deleting the newest
reward gave its id to the next one, and a client holding the old id silently read
another reward. AUTOINCREMENT is part of a table's CREATE statement, so on SQLite
every table whose primary key is one integer column is rebuilt (batch mode,
``recreate="always"``) with it; the rebuild reflects the table, so columns, data,
indexes, unique constraints and foreign keys come back as they were. PostgreSQL
needs nothing: those columns were created SERIAL, and a sequence never goes back
(``nextval`` is not rolled back and ignores deletes; the sequences are NO CYCLE).

SQLite kept no trace of ids deleted from the end of a table before this upgrade.
So that they are not handed out again, each table's counter starts
``ID_MARGIN`` above its highest id still present (a database with no org yet has
handed nothing out and starts at 1).

Brands get ``name_key`` (the name folded with ``str.casefold``, the rule of every
named row in the catalog), unique per org instead of the exact name. Brands whose
names already differ only in case keep the oldest (lowest id) as it is; each later
one is renamed ``"<name> (brand <id>)"`` (its id and its rewards unchanged), and
the renames are logged.
"""

from __future__ import annotations

import logging
from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ID_MARGIN = 1000
NAME_MAX = 255

log = logging.getLogger("alembic.runtime.migration")


def _fold(name: str) -> str:
    # The catalog's rule, frozen here (laurels.reference.models.fold), so that
    # this migration means the same whatever the code becomes.
    return name.casefold()


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    if sqlite and bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        # Rebuilding a parent table drops it; with foreign keys enforced that
        # would cascade into (or be refused by) its children. The pragma cannot
        # change inside the migration's transaction: laurels.kit.migrate.upgrade
        # turns it off before BEGIN.
        raise RuntimeError("migration 0005 rebuilds tables: run it with PRAGMA foreign_keys=OFF (laurels db upgrade)")

    op.add_column("brands", sa.Column("name_key", sa.Text(), nullable=True))
    _fill_brand_name_keys(bind)
    with op.batch_alter_table(
        "brands", recreate="always" if sqlite else "auto", table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.alter_column("name_key", existing_type=sa.Text(), nullable=False)
        batch_op.drop_constraint("uq_brands_org_id_name", type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_brands_org_id_name_key"), ["org_id", "name_key"])

    if sqlite:
        tables = _integer_pk_tables(bind)
        for table in tables:
            if table != "brands":
                with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": True}):
                    pass
        _seed_sequences(bind, tables)


def downgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    # Renamed duplicates keep their new names: the exact-name constraint holds for them.
    with op.batch_alter_table("brands", recreate="always" if sqlite else "auto") as batch_op:
        batch_op.drop_constraint("uq_brands_org_id_name_key", type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_brands_org_id_name"), ["org_id", "name"])
        batch_op.drop_column("name_key")
    if sqlite:
        for table in _integer_pk_tables(bind):
            if table != "brands":
                with op.batch_alter_table(table, recreate="always"):
                    pass
        bind.exec_driver_sql("DELETE FROM sqlite_sequence")


def _fill_brand_name_keys(bind: sa.Connection) -> None:
    rows = bind.execute(sa.text("SELECT id, org_id, name FROM brands ORDER BY id")).all()
    # Every folded name in each org, so that a rename collides with nothing, present or later.
    taken: dict[str, set[str]] = defaultdict(set)
    for _, org_id, name in rows:
        taken[org_id].add(_fold(name))
    kept: dict[str, set[str]] = defaultdict(set)
    updates = []
    for brand_id, org_id, old_name in rows:
        name, key = old_name, _fold(old_name)
        if key in kept[org_id]:
            name = _rename(old_name, brand_id, taken[org_id])
            key = _fold(name)
            taken[org_id].add(key)
            log.warning(
                "brand %s of org %s renamed %r -> %r: the org has that name already", brand_id, org_id, old_name, name
            )
        kept[org_id].add(key)
        updates.append({"id": brand_id, "name": name, "name_key": key})
    if updates:
        bind.execute(sa.text("UPDATE brands SET name = :name, name_key = :name_key WHERE id = :id"), updates)


def _rename(name: str, brand_id: int, taken: set[str]) -> str:
    attempt = 0
    while True:
        suffix = f" (brand {brand_id})" if attempt == 0 else f" (brand {brand_id}-{attempt})"
        candidate = name[: NAME_MAX - len(suffix)] + suffix
        if _fold(candidate) not in taken:
            return candidate
        attempt += 1


def _integer_pk_tables(bind: sa.Connection) -> dict[str, str]:
    """Tables whose primary key is one integer column that is not a foreign key
    (those SQLite gives AUTOINCREMENT: the test SQLAlchemy applies), with that column."""
    inspector = sa.inspect(bind)
    found = {}
    for table in sorted(inspector.get_table_names()):
        if table == "alembic_version" or table.startswith("sqlite_"):
            continue
        pk = inspector.get_pk_constraint(table)["constrained_columns"]
        if len(pk) != 1:
            continue
        column = next(c for c in inspector.get_columns(table) if c["name"] == pk[0])
        in_fk = any(pk[0] in fk["constrained_columns"] for fk in inspector.get_foreign_keys(table))
        if isinstance(column["type"], sa.Integer) and not in_fk:
            found[table] = pk[0]
    return found


def _seed_sequences(bind: sa.Connection, tables: dict[str, str]) -> None:
    handed_out = bind.execute(sa.text("SELECT EXISTS (SELECT 1 FROM orgs)")).scalar()
    margin = ID_MARGIN if handed_out else 0
    for table, pk in tables.items():
        highest = bind.execute(
            sa.select(sa.func.coalesce(sa.func.max(sa.column(pk)), 0)).select_from(sa.table(table))
        ).scalar_one()
        # The copy made by the rebuild left a row here (under the table's new
        # name) when the table had rows; replace it.
        bind.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = :name"), {"name": table})
        if highest + margin:
            bind.execute(
                sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES (:name, :seq)"),
                {"name": table, "seq": highest + margin},
            )
