from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import JSON, String, Table, bindparam, delete, func, literal, select, true
from sqlalchemy.dialects import postgresql

from laurels.codepools.models import AVAILABLE, CodePool, CouponCode
from laurels.kit.repository import OrgScopedRepository

# Codes per insert statement: bounds the size of one statement's parameter
# (up to 10,000 codes of 128 characters, about 1.3 MB), not a transaction.
_BATCH = 10_000
# The table, not the ORM entity: an ORM insert would take the batch's one
# parameter dict for a row to insert.
_CODES = cast(Table, CouponCode.__table__)


class CodePoolRepository(OrgScopedRepository[CodePool]):
    model = CodePool
    ident = CodePool.code_pool_id

    def get_locked(self, org_id: str, code_pool_id: str) -> CodePool | None:
        """The pool, locked against a concurrent delete until the transaction ends.

        ``FOR NO KEY UPDATE`` on PostgreSQL: code uploads to one pool queue
        behind each other and behind a delete, but not behind a reward being
        created that references the pool (its foreign key takes only a key
        share lock). SQLite has no row locks; its write transactions are
        serialized already.
        """
        stmt = (
            select(CodePool)
            .where(CodePool.org_id == org_id, CodePool.code_pool_id == code_pool_id)
            .with_for_update(key_share=True)
        )
        return self.session.scalar(stmt)

    def get_by_pk(self, org_id: str, pool_pk: int) -> CodePool | None:
        """A pool by its integer id, which is also its coupon series id."""
        stmt = select(CodePool).where(CodePool.org_id == org_id, CodePool.id == pool_pk)
        return self.session.scalar(stmt)

    def counts(self, pool_pks: Sequence[int]) -> dict[int, tuple[int, int]]:
        """(available, total) code counts for each pool, in one query."""
        if not pool_pks:
            return {}
        available = func.count().filter(CouponCode.status == AVAILABLE)
        stmt = (
            select(CouponCode.pool_id, available, func.count())
            .where(CouponCode.pool_id.in_(pool_pks))
            .group_by(CouponCode.pool_id)
        )
        found = {pool: (int(avail), int(total)) for pool, avail, total in self.session.execute(stmt).all()}
        return {pk: found.get(pk, (0, 0)) for pk in pool_pks}

    def has_available(self, pool_pk: int) -> bool:
        stmt = select(CouponCode.id).where(CouponCode.pool_id == pool_pk, CouponCode.status == AVAILABLE).limit(1)
        return self.session.scalar(stmt) is not None

    def insert_codes(self, pool_pk: int, codes: Sequence[str], now: datetime) -> set[str]:
        """Insert codes in order, skipping any the pool holds already; return those inserted.

        A code skipped was in the pool before, or was added by a concurrent
        upload since: either way ``ON CONFLICT DO NOTHING`` on the pool's
        unique (pool_id, code) decides, never a read beforehand.

        Each batch is one statement with one parameter, the batch's codes as
        an array, which the database unpacks itself (``unnest`` on
        PostgreSQL, ``json_each`` on SQLite) and inserts in array order, so
        ids follow upload order. The statement text is the same for every
        batch and is compiled once. Binding each code as its own parameter
        instead (an ORM ``insert().values(rows)`` per 500 rows) compiled a new
        statement for every chunk: a 100,000-code request spent 20-30 s in
        SQLAlchemy's compiler, all of it inside the write transaction, which
        on SQLite locked every other writer out.
        """
        if self.session.get_bind().dialect.name == "postgresql":
            array = bindparam("codes", type_=postgresql.ARRAY(String))
            source = func.unnest(array).table_valued("value", with_ordinality="position").render_derived()
            position = source.c.position
        else:
            source = func.json_each(bindparam("codes", type_=JSON)).table_valued("value", "key")
            position = source.c.key
        rows = (
            select(literal(pool_pk), source.c.value, literal(AVAILABLE), literal(now, CouponCode.created_at.type))
            # SQLite reads "SELECT ... ON CONFLICT" as a join's ON unless the SELECT has a WHERE.
            .where(true())
            .order_by(position)
        )
        stmt = (
            self.insert_skipping_conflicts(_CODES, key=("pool_id", "code"))
            .from_select(["pool_id", "code", "status", "created_at"], rows)
            .returning(_CODES.c.code)
        )
        inserted: set[str] = set()
        for start in range(0, len(codes), _BATCH):
            batch = list(codes[start : start + _BATCH])
            inserted.update(self.session.execute(stmt, {"codes": batch}).scalars())
        return inserted

    def page_codes(self, pool_pk: int, *, status: str | None, after: int | None, limit: int) -> list[CouponCode]:
        stmt = select(CouponCode).where(CouponCode.pool_id == pool_pk)
        if status is not None:
            stmt = stmt.where(CouponCode.status == status)
        if after is not None:
            stmt = stmt.where(CouponCode.id > after)
        return list(self.session.scalars(stmt.order_by(CouponCode.id).limit(limit)))

    def delete_codes(self, pool_pk: int) -> None:
        """Delete every code of a pool (the foreign key cascades too; this does not rely on it)."""
        self.session.execute(delete(CouponCode).where(CouponCode.pool_id == pool_pk))
