from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from laurels.codepools.models import CodePool, CouponCode
from laurels.kit.repository import OrgScopedRepository
from laurels.rewards.models import Reward

AVAILABLE = "available"
ISSUED = "issued"

# Keep IN lists and multi-row inserts well under SQLite's bound-parameter limit.
_CHUNK = 500


class CodePoolRepository(OrgScopedRepository[CodePool]):
    model = CodePool
    public_id = CodePool.code_pool_id

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

    def existing_codes(self, pool_pk: int, codes: Iterable[str]) -> set[str]:
        codes = list(codes)
        found: set[str] = set()
        for start in range(0, len(codes), _CHUNK):
            chunk = codes[start : start + _CHUNK]
            stmt = select(CouponCode.code).where(CouponCode.pool_id == pool_pk, CouponCode.code.in_(chunk))
            found.update(self.session.scalars(stmt))
        return found

    def insert_codes(self, pool_pk: int, codes: Sequence[str], now: datetime) -> set[str]:
        """Insert codes, skipping any a concurrent upload inserted first; return those inserted."""
        dialect = self.session.get_bind().dialect.name
        stmt_factory = postgresql.insert if dialect == "postgresql" else sqlite.insert
        inserted: set[str] = set()
        for start in range(0, len(codes), _CHUNK):
            rows = [
                {"pool_id": pool_pk, "code": c, "status": AVAILABLE, "created_at": now}
                for c in codes[start : start + _CHUNK]
            ]
            stmt = (
                stmt_factory(CouponCode)
                .values(rows)
                .on_conflict_do_nothing(index_elements=["pool_id", "code"])
                .returning(CouponCode.code)
            )
            inserted.update(self.session.scalars(stmt))
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

    def used_by_rewards(self, pool_pk: int) -> bool:
        stmt = select(Reward.id).where(Reward.code_pool_pk == pool_pk).limit(1)
        return self.session.scalar(stmt) is not None
