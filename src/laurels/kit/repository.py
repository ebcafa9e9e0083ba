"""The query shapes every org-scoped resource shares, and the one door to the session.

A repository is the only code that holds a session: services ask repositories
for rows and hand them back to be added, flushed or deleted, and never reach
the session themselves (``tests/unit/test_structure.py`` checks it). The unit
of work around them — begin, commit, roll back — belongs to the request's
boundary (``kit.unit``), the CLI command or the job.

Every row that belongs to a tenant has an integer primary key ``id``, an
``org_id`` and a public string id unique within the org. Reads always filter
on ``org_id`` first, so a foreign id simply is not found.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import InstrumentedAttribute, Session

M = TypeVar("M")
T = TypeVar("T")


class Repository:
    """What every repository offers besides its queries: a row handed to it is written at once."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, obj: T) -> T:
        self.session.add(obj)
        self.session.flush()
        return obj

    def add_all(self, objs: Sequence[Any]) -> None:
        self.session.add_all(objs)
        self.session.flush()

    def insert_skipping_conflicts(self, table: Any, *, key: Sequence[str]) -> postgresql.Insert | sqlite.Insert:
        """An INSERT whose rows that collide on the unique ``key`` are skipped, not an error.

        ``ON CONFLICT (key) DO NOTHING`` on both databases, from each one's own
        dialect; the caller adds values (or a SELECT) and RETURNING, and learns
        from what is returned which rows went in.
        """
        insert = postgresql.insert if self.session.get_bind().dialect.name == "postgresql" else sqlite.insert
        return insert(table).on_conflict_do_nothing(index_elements=list(key))

    def flush(self) -> None:
        """Write what changed on the rows this unit loaded (an IntegrityError surfaces here)."""
        self.session.flush()

    def delete(self, obj: Any) -> None:
        self.session.delete(obj)
        self.session.flush()


class OrgScopedRepository(Repository, Generic[M]):
    """The rows of one model, addressed within an org by ``ident``: a public string id
    (``Product.product_id``) or the integer primary key (reference data)."""

    model: type[Any]
    ident: InstrumentedAttribute[Any]

    def __init__(
        self, session: Session, model: type[M] | None = None, ident: InstrumentedAttribute[Any] | None = None
    ) -> None:
        super().__init__(session)
        # Subclasses name their model and ident as class attributes; generic code passes them.
        # The column is read off the class: a mapped attribute read through an instance is a value.
        if model is not None:
            chosen: type[Any] = model
            self.model = chosen
            self._ident = ident if ident is not None else chosen.id
        else:
            self._ident = type(self).ident

    @property
    def ident_column(self) -> InstrumentedAttribute[Any]:
        return self._ident

    def get(self, org_id: str, ident: Any, *, for_update: bool = False) -> M | None:
        """The row, or None; ``for_update`` locks it until the transaction ends (a no-op on SQLite,
        where write transactions already hold the database's one write lock)."""
        stmt = select(self.model).where(self.model.org_id == org_id, self._ident == ident)
        if for_update:
            stmt = stmt.with_for_update()
        result: M | None = self.session.scalar(stmt)
        return result

    def get_for_update(self, org_id: str, ident: Any) -> M | None:
        return self.get(org_id, ident, for_update=True)

    def exists(self, org_id: str, ident: Any) -> bool:
        stmt = select(self.model.id).where(self.model.org_id == org_id, self._ident == ident)
        return self.session.scalar(stmt) is not None

    def taken(self, org_id: str, key: Mapping[str, Any], *, other_than: int | None) -> bool:
        """Whether another of the org's rows has these values in its unique key columns."""
        model = self.model
        stmt = select(model.id).where(model.org_id == org_id, *(getattr(model, c) == v for c, v in key.items()))
        if other_than is not None:
            stmt = stmt.where(model.id != other_than)
        return self.session.scalar(stmt.limit(1)) is not None

    def page(
        self, org_id: str, *, after: int | None, limit: int, filters: Sequence[ColumnElement[bool]] = ()
    ) -> list[M]:
        """A page of the org's rows in id order, after ``after``. The table needs an index on
        (org_id, id) (migration 0009): without it PostgreSQL walks every org's rows by id."""
        model = self.model
        stmt = select(model).where(model.org_id == org_id, *filters)
        if after is not None:
            stmt = stmt.where(model.id > after)
        stmt = stmt.order_by(model.id).limit(limit)
        return list(self.session.scalars(stmt))
