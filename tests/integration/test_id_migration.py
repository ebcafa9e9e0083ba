"""Migration 0005 on a database that already holds data, and the schema it leaves.

On SQLite it rebuilds every integer-primary-key table with AUTOINCREMENT: the
rows, indexes, constraints and foreign keys come back as they were, and no id
handed out before the upgrade is handed out again. On PostgreSQL there is nothing
to rebuild (a sequence never goes back), which the last test checks. On both, it
folds brand names into ``name_key`` and renames names that differed only in case.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from laurels.app import create_app
from laurels.kit import migrate
from laurels.kit.db import Database
from tests.support import make_tenant

BEFORE = "0004"
MIGRATION = "0005"
MARGIN = 1000  # ID_MARGIN of the migration
NOW = datetime(2026, 1, 1, tzinfo=UTC).replace(tzinfo=None).isoformat(sep=" ")


@pytest.fixture
def old_db(db: Database, tmp_path: Path) -> Iterator[Database]:
    """A database of its own at revision 0004: a SQLite file, or on PostgreSQL a schema of
    the test database that the connection's search_path selects."""
    if db.is_sqlite:
        old = Database(f"sqlite:///{tmp_path / 'old.db'}")
        migrate.upgrade(old, BEFORE)
        yield old
        old.dispose()
        return
    schema = f"migration_{uuid.uuid4().hex[:12]}"
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    url = make_url(db.url).update_query_dict({"options": f"-csearch_path={schema}"})
    old = Database(url.render_as_string(hide_password=False))
    try:
        migrate.upgrade(old, BEFORE)
        yield old
    finally:
        old.dispose()
        with db.engine.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")


def _insert(conn: sa.Connection, table: str, **values: Any) -> int:
    columns = ", ".join(values)
    marks = ", ".join(f":{c}" for c in values)
    row_id = conn.execute(sa.text(f"INSERT INTO {table} ({columns}) VALUES ({marks}) RETURNING id"), values)  # noqa: S608 (test data, fixed names)
    return int(row_id.scalar_one())


def _org(conn: sa.Connection) -> str:
    org_id = str(uuid.uuid4())
    conn.execute(
        sa.text("INSERT INTO orgs (id, name, timezone, created_at) VALUES (:id, 'Org', 'UTC', :now)"),
        {"id": org_id, "now": NOW},
    )
    return org_id


def _brand(conn: sa.Connection, org_id: str, name: str) -> int:
    return _insert(conn, "brands", org_id=org_id, name=name, created_at=NOW)


def _reward(conn: sa.Connection, org_id: str, n: int, brand_id: int | None = None) -> int:
    return _insert(
        conn,
        "rewards",
        org_id=org_id,
        reward_id=f"reward-{n}",
        brand_id=brand_id,
        name=f"Reward {n}",
        reward_type="points",
        enabled=True,
        config='{"amount": 5}',
        metadata="{}",
        version=1,
        created_at=NOW,
        updated_at=NOW,
        priority=0,
        catalog="{}",
    )


def _label(conn: sa.Connection, org_id: str, n: int) -> int:
    name = f"Label {n}"
    return _insert(conn, "labels", org_id=org_id, name=name, name_key=name.casefold(), created_at=NOW, updated_at=NOW)


def _integer_pk_tables(conn: sa.Connection) -> dict[str, str]:
    inspector = sa.inspect(conn)
    found = {}
    for table in inspector.get_table_names():
        if table == "alembic_version":
            continue
        pk = inspector.get_pk_constraint(table)["constrained_columns"]
        fk_columns = {c for fk in inspector.get_foreign_keys(table) for c in fk["constrained_columns"]}
        if len(pk) == 1 and pk[0] not in fk_columns:
            column = next(c for c in inspector.get_columns(table) if c["name"] == pk[0])
            if isinstance(column["type"], sa.Integer):
                found[table] = pk[0]
    return found


def _sqlite_schema(conn: sa.Connection, table: str) -> dict[str, Any]:
    """What a rebuild must keep: columns, indexes (by what they cover) and foreign keys."""

    def rows(sql: str) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in conn.exec_driver_sql(sql).all()]

    indexes = []
    for _, name, unique, origin, partial in rows(f"PRAGMA index_list('{table}')"):
        covered = tuple(r[2] for r in rows(f"PRAGMA index_info('{name}')"))
        # Indexes the migrations named keep their names; a UNIQUE constraint's is SQLite's own.
        indexes.append((name if origin == "c" else None, unique, origin, partial, covered))
    foreign_keys = [fk[2:] for fk in rows(f"PRAGMA foreign_key_list('{table}')")]
    return {
        "columns": rows(f"PRAGMA table_xinfo('{table}')"),
        "indexes": sorted(indexes, key=repr),
        "foreign_keys": sorted(foreign_keys, key=repr),
    }


def _dump(conn: sa.Connection, tables: list[str]) -> dict[str, list[tuple[Any, ...]]]:
    return {t: [tuple(r) for r in conn.exec_driver_sql(f'SELECT * FROM "{t}" ORDER BY 1').all()] for t in tables}  # noqa: S608


def _seed_0004(old_db: Database) -> tuple[str, int, list[int], list[int]]:
    """An org with a brand, rewards, labels, a pool with codes and a group; the newest
    reward and label deleted. Returns (org id, brand id, reward ids, label ids)."""
    with old_db.unit_of_work() as session:
        conn = session.connection()
        org_id = _org(conn)
        brand = _brand(conn, org_id, "Acme")
        rewards = [_reward(conn, org_id, n, brand) for n in range(1, 4)]
        labels = [_label(conn, org_id, n) for n in range(1, 4)]
        pool = _insert(
            conn, "code_pools", org_id=org_id, code_pool_id="pool-1", name="Pool", created_at=NOW, updated_at=NOW
        )
        for code in ("A", "B"):
            _insert(conn, "coupon_codes", pool_id=pool, code=code, status="available", created_at=NOW)
        group = _insert(
            conn,
            "reward_groups",
            org_id=org_id,
            reward_group_id="group-1",
            name="G",
            name_key="g",
            created_at=NOW,
            updated_at=NOW,
        )
        for position, reward in enumerate(rewards[:2]):
            _insert(conn, "reward_group_items", group_id=group, reward_pk=reward, enabled=True, position=position)
        # The newest reward and label are deleted: without AUTOINCREMENT, 0004 hands their ids out again.
        conn.execute(sa.text("DELETE FROM rewards WHERE id = :id"), {"id": rewards[-1]})
        conn.execute(sa.text("DELETE FROM labels WHERE id = :id"), {"id": labels[-1]})
        assert _label(conn, org_id, 4) == labels[-1]
        conn.execute(sa.text("DELETE FROM labels WHERE id = :id"), {"id": labels[-1]})
    return org_id, brand, rewards, labels


def test_sqlite_rebuild_keeps_everything_and_never_reuses_an_id(old_db: Database) -> None:
    if not old_db.is_sqlite:
        pytest.skip("0005 rebuilds tables only on SQLite; PostgreSQL's sequences never reuse (see the last test)")
    org_id, brand, rewards, labels = _seed_0004(old_db)
    highest_used = {"rewards": rewards[-1], "labels": labels[-1]}

    with old_db.engine.connect() as conn:
        tables = _integer_pk_tables(conn)
        assert {"brands", "rewards", "labels", "code_pools", "coupon_codes", "reward_group_items"} <= set(tables)
        schema_before = {t: _sqlite_schema(conn, t) for t in tables}
        data_before = _dump(conn, list(tables))

    assert migrate.upgrade(old_db, MIGRATION) == MIGRATION

    with old_db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        assert set(_integer_pk_tables(conn)) == set(tables)
        for table in tables:
            sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).scalar_one()
            assert "AUTOINCREMENT" in sql, table
            if table != "brands":  # gained name_key and its unique constraint instead of (org_id, name)
                assert _sqlite_schema(conn, table) == schema_before[table], table
        data_after = _dump(conn, list(tables))
        assert data_after.pop("brands") == [(brand, org_id, "Acme", NOW, "acme")]
        assert data_after == {t: rows for t, rows in data_before.items() if t != "brands"}
        # Every counter starts above the highest id present, by the margin for ids deleted before.
        sequences: dict[str, int] = dict(conn.exec_driver_sql("SELECT name, seq FROM sqlite_sequence").all())
        for table, pk in tables.items():
            present = conn.exec_driver_sql(f'SELECT COALESCE(MAX("{pk}"), 0) FROM "{table}"').scalar_one()  # noqa: S608
            assert sequences[table] == present + MARGIN, table

    # Foreign keys still act: deleting a reward takes it out of its group, an unknown brand is refused.
    with old_db.unit_of_work() as session:
        session.execute(sa.text("DELETE FROM rewards WHERE id = :id"), {"id": rewards[0]})
        items = session.execute(sa.text("SELECT reward_pk FROM reward_group_items")).scalars().all()
        assert items == [rewards[1]]
    with pytest.raises(IntegrityError), old_db.unit_of_work() as session:
        _reward(session.connection(), org_id, 99, brand_id=10_000)

    # At head, through the API: the next ids are above every id ever handed out.
    migrate.upgrade(old_db)
    with TestClient(create_app(old_db), raise_server_exceptions=False) as client:
        tenant = make_tenant(old_db, client)
        label = tenant.data(tenant.post("/v1/labels", json={"name": "After"}), 201)["label"]
        reward = tenant.data(
            tenant.post("/v1/rewards", json={"name": "After", "rewardType": "points", "config": {"amount": 1}}), 201
        )["reward"]
    assert label["id"] > highest_used["labels"]
    assert reward["id"] > highest_used["rewards"]


def test_a_fresh_database_starts_its_ids_at_one(tmp_path: Path) -> None:
    fresh = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        migrate.upgrade(fresh)
        with TestClient(create_app(fresh), raise_server_exceptions=False) as client:
            tenant = make_tenant(fresh, client)
            assert tenant.data(tenant.post("/v1/labels", json={"name": "First"}), 201)["label"]["id"] == 1
    finally:
        fresh.dispose()


def test_brand_names_differing_only_in_case_are_made_distinct(old_db: Database) -> None:
    with old_db.unit_of_work() as session:
        conn = session.connection()
        org_id, other_org = _org(conn), _org(conn)
        oldest = _brand(conn, org_id, "Acme")
        later = _brand(conn, org_id, "ACME")
        # Holds the name the later one would get first, so it gets the next.
        squatter = _brand(conn, org_id, f"acme (brand {later})")
        other = _brand(conn, org_id, "Other")
        elsewhere = _brand(conn, other_org, "acme")
        reward = _reward(conn, org_id, 1, brand_id=later)

    migrate.upgrade(old_db, MIGRATION)

    with old_db.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, org_id, name, name_key FROM brands ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [
            (oldest, org_id, "Acme", "acme"),
            (later, org_id, f"ACME (brand {later}-1)", f"acme (brand {later}-1)"),
            (squatter, org_id, f"acme (brand {later})", f"acme (brand {later})"),
            (other, org_id, "Other", "other"),
            (elsewhere, other_org, "acme", "acme"),
        ]
        # The renamed brand keeps its id, so its rewards are still its own.
        assert conn.execute(sa.text("SELECT brand_id FROM rewards WHERE id = :id"), {"id": reward}).scalar() == later
    # The rule is now the database's: a second "acme" in the org is refused whatever the code does.
    with pytest.raises(IntegrityError), old_db.unit_of_work() as session:
        session.execute(
            sa.text("INSERT INTO brands (org_id, name, name_key, created_at) VALUES (:org, 'aCmE', 'acme', :now)"),
            {"org": org_id, "now": NOW},
        )


def test_every_integer_id_comes_from_a_counter_that_never_goes_back(db: Database) -> None:
    """The test database at head: AUTOINCREMENT on SQLite, a non-cycling sequence on PostgreSQL."""
    with db.engine.connect() as conn:
        tables = _integer_pk_tables(conn)
        assert {"brands", "rewards", "labels", "code_pools", "loyalty_tiers", "reward_groups"} <= set(tables)
        for table, pk in tables.items():
            if db.is_sqlite:
                sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).scalar_one()
                assert "AUTOINCREMENT" in sql, (table, sql)
                continue
            # SERIAL and IDENTITY columns both own a sequence; nextval never hands a value out
            # twice (it is not rolled back and ignores deletes) unless the sequence cycles.
            sequence = conn.execute(sa.text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table, "c": pk}).scalar()
            assert sequence is not None, f"{table}.{pk} draws from no sequence"
            cycles = conn.execute(
                sa.text("SELECT seqcycle FROM pg_sequence WHERE seqrelid = CAST(:s AS regclass)"), {"s": sequence}
            ).scalar_one()
            assert cycles is False, sequence
