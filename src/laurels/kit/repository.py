"""The query shapes every org-scoped resource shares.

Every row that belongs to a tenant has an integer primary key ``id``, an
``org_id`` and a public string id unique within the org. Reads always filter
on ``org_id`` first, so a foreign id simply is not found.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import InstrumentedAttribute, Session

M = TypeVar("M")


class OrgScopedRepository(Generic[M]):
    model: ClassVar[type[Any]]
    public_id: ClassVar[InstrumentedAttribute[str]]

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, org_id: str, public_id: str, *, for_update: bool = False) -> M | None:
        """The row, or None; ``for_update`` locks it until the transaction ends (a no-op on SQLite,
        where write transactions already hold the database's one write lock)."""
        model = self.model
        stmt = select(model).where(model.org_id == org_id, type(self).public_id == public_id)
        if for_update:
            stmt = stmt.with_for_update()
        return self.session.scalar(stmt)

    def get_for_update(self, org_id: str, public_id: str) -> M | None:
        return self.get(org_id, public_id, for_update=True)

    def exists(self, org_id: str, public_id: str) -> bool:
        model = self.model
        stmt = select(model.id).where(model.org_id == org_id, type(self).public_id == public_id)
        return self.session.scalar(stmt) is not None

    def page(
        self, org_id: str, *, after: int | None, limit: int, filters: Sequence[ColumnElement[bool]] = ()
    ) -> list[M]:
        model = self.model
        stmt = select(model).where(model.org_id == org_id, *filters)
        if after is not None:
            stmt = stmt.where(model.id > after)
        stmt = stmt.order_by(model.id).limit(limit)
        return list(self.session.scalars(stmt))

    def add(self, obj: M) -> M:
        self.session.add(obj)
        self.session.flush()
        return obj

    def delete(self, obj: M) -> None:
        self.session.delete(obj)
        self.session.flush()
