"""Every query on reference data.

``ReferenceRepository`` answers what rewards and customers need: which of the
ids (or codes) they name do not exist in the org. Each check is one query with
``IN``, always filtered by org (children through their parent's org), and
returns what is missing, sorted, so the caller can name it in its refusal.

``Children`` holds the queries on tiers, partner programs and partitions;
the top-level rows' CRUD queries are ``kit.repository.OrgScopedRepository``'s.

Locks (PostgreSQL; see ``rewards.references`` for the whole protocol): a reward
write passes ``lock=True`` and the rows it finds are locked ``FOR KEY SHARE``
until its transaction ends, so a concurrent delete (which locks its row
``FOR UPDATE`` first) waits for the reward to commit, or the reward waits for
the delete and then does not find the row. Key-share locks do not conflict with
each other, so reward writes never wait for one another. Rows of a kind are
locked in primary key order (the ORDER BY below), parents before their children
(programs before tiers, segments before partitions), which is the order a
delete takes them in (a program's delete locks the program, then deletes its
tiers): no two transactions lock an overlapping set in opposite orders, so they
cannot deadlock. On SQLite these clauses render nothing; its write transactions
already hold the database's one write lock.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from laurels.kit.repository import Repository
from laurels.kit.validation import row_id, row_ids
from laurels.reference.models import (
    CardSeries,
    Category,
    CustomFieldDefinition,
    Label,
    LoyaltyProgram,
    NamedChild,
    OrgRow,
    Partition,
    PartnerProgram,
    RewardReference,
    Segment,
    Tier,
    Vendor,
)

R = TypeVar("R", bound=OrgRow)
C = TypeVar("C", bound=NamedChild)
K = TypeVar("K", int, str)


@dataclass(frozen=True)
class CustomFieldDef:
    """A custom field definition as reward validation needs it."""

    name: str
    mandatory: bool


def _missing(wanted: Iterable[K], present: Iterable[K]) -> list[K]:
    return sorted(set(wanted) - set(present))


@dataclass(frozen=True)
class _Family:
    """A kind of child and the parent it belongs to an org through."""

    child: type[NamedChild]
    parent_fk: InstrumentedAttribute[int]
    parent: type[OrgRow]

    def owned(self, org_id: str, ids: Collection[int], *, lock: bool = False) -> Select[int, int]:
        """(child id, parent id) of each of the org's children among ``ids``; ``lock`` key-shares
        the children found (only them: the caller has locked the parents it names already)."""
        stmt = (
            select(self.child.id, self.parent_fk)
            .join(self.parent, self.parent.id == self.parent_fk)
            .where(self.parent.org_id == org_id, self.child.id.in_(row_ids(ids)[0]))
        )
        if lock:
            stmt = stmt.order_by(self.child.id).with_for_update(read=True, key_share=True, of=self.child)
        return stmt


def _key_share(stmt: Select[Any], order_by: Any, lock: bool) -> Select[Any]:
    """``stmt`` locking what it finds FOR KEY SHARE, in primary key order (see the module doc)."""
    return stmt.order_by(order_by).with_for_update(read=True, key_share=True) if lock else stmt


_TIERS = _Family(Tier, Tier.program_id, LoyaltyProgram)
_PARTNER_PROGRAMS = _Family(PartnerProgram, PartnerProgram.program_id, LoyaltyProgram)
_PARTITIONS = _Family(Partition, Partition.segment_id, Segment)


class ReferenceRepository(Repository):
    def in_use(self, org_id: str, kind: str, key: Any) -> bool:
        """Whether any of the org's rewards names this piece of reference data (one index probe)."""
        stmt = select(RewardReference.reward_pk).where(
            RewardReference.org_id == org_id, RewardReference.kind == kind, RewardReference.key == str(key)
        )
        return self.session.scalar(stmt.limit(1)) is not None

    def missing_labels(self, org_id: str, ids: Collection[int], *, lock: bool = False) -> list[int]:
        return self._missing_ids(Label, org_id, ids, lock=lock)

    def missing_categories(self, org_id: str, ids: Collection[int], *, lock: bool = False) -> list[int]:
        return self._missing_ids(Category, org_id, ids, lock=lock)

    def missing_vendors(self, org_id: str, ids: Collection[int], *, lock: bool = False) -> list[int]:
        return self._missing_ids(Vendor, org_id, ids, lock=lock)

    def missing_loyalty_programs(self, org_id: str, ids: Collection[int], *, lock: bool = False) -> list[int]:
        return self._missing_ids(LoyaltyProgram, org_id, ids, lock=lock)

    def missing_segments(self, org_id: str, ids: Collection[int], *, lock: bool = False) -> list[int]:
        return self._missing_ids(Segment, org_id, ids, lock=lock)

    def missing_card_series(self, org_id: str, codes: Collection[str], *, lock: bool = False) -> list[str]:
        """Codes compare exactly (uniqueness is case-insensitive, so at most one row can match)."""
        if not codes:
            return []
        stmt = select(CardSeries.code).where(CardSeries.org_id == org_id, CardSeries.code.in_(set(codes)))
        return _missing(codes, self.session.scalars(_key_share(stmt, CardSeries.id, lock)))

    def custom_field_defs(self, org_id: str, scope: str, *, lock: Collection[str] = ()) -> list[CustomFieldDef]:
        """Every definition of the scope (``reward`` or ``issuance``), by name.

        ``lock`` names the definitions to key-share first (those a reward uses); the read that
        follows is a new statement, so under READ COMMITTED it sees a delete we waited for.
        """
        model = CustomFieldDefinition
        owned = (model.org_id == org_id, model.scope == scope)
        if lock:
            self.session.execute(_key_share(select(model.id).where(*owned, model.name.in_(set(lock))), model.id, True))
        stmt = select(model.name, model.mandatory).where(*owned)
        return [CustomFieldDef(name, mandatory) for name, mandatory in self.session.execute(stmt.order_by(model.name))]

    def missing_tiers(
        self, org_id: str, program_id: int, tier_ids: Collection[int], *, lock: bool = False
    ) -> list[int]:
        """Tier ids that are not tiers of that program of the org (a missing program misses them all)."""
        return self._missing_children(_TIERS, org_id, program_id, tier_ids, lock=lock)

    def missing_partner_programs(
        self, org_id: str, program_id: int, ids: Collection[int], *, lock: bool = False
    ) -> list[int]:
        return self._missing_children(_PARTNER_PROGRAMS, org_id, program_id, ids, lock=lock)

    def missing_partitions(
        self, org_id: str, segment_id: int, partition_ids: Collection[int], *, lock: bool = False
    ) -> list[int]:
        return self._missing_children(_PARTITIONS, org_id, segment_id, partition_ids, lock=lock)

    def missing_org_partner_programs(self, org_id: str, ids: Collection[int]) -> list[int]:
        """Partner program ids that belong to none of the org's loyalty programs."""
        if not ids:
            return []
        return _missing(ids, self.session.scalars(_PARTNER_PROGRAMS.owned(org_id, ids)))

    def tier_programs(self, org_id: str, tier_ids: Collection[int]) -> dict[int, int]:
        """The program of each of the org's tiers among ``tier_ids``: {tier id: program id}."""
        return self._parents(_TIERS, org_id, tier_ids)

    def partition_segments(self, org_id: str, partition_ids: Collection[int]) -> dict[int, int]:
        """The segment of each of the org's partitions among ``partition_ids``: {partition id: segment id}."""
        return self._parents(_PARTITIONS, org_id, partition_ids)

    def _missing_ids(self, model: type[OrgRow], org_id: str, ids: Collection[int], *, lock: bool) -> list[int]:
        if not ids:
            return []
        stmt = select(model.id).where(model.org_id == org_id, model.id.in_(row_ids(ids)[0]))
        return _missing(ids, self.session.scalars(_key_share(stmt, model.id, lock)))

    def _missing_children(
        self, family: _Family, org_id: str, parent_id: int, ids: Collection[int], *, lock: bool
    ) -> list[int]:
        if not ids:
            return []
        if row_id(parent_id) is None:
            return sorted(ids)
        stmt = family.owned(org_id, ids, lock=lock).where(family.parent_fk == parent_id)
        return _missing(ids, self.session.scalars(stmt))

    def _parents(self, family: _Family, org_id: str, ids: Collection[int]) -> dict[int, int]:
        return dict(self.session.execute(family.owned(org_id, ids)).all()) if ids else {}


class Children(Repository, Generic[C]):
    """Queries on the children of one kind (tiers, partner programs, partitions).

    Callers check first that the parent is the org's; these queries then
    filter by parent only.
    """

    def __init__(
        self,
        session: Session,
        model: type[C],
        parent_fk: InstrumentedAttribute[int],
        order: Sequence[InstrumentedAttribute[int]] = (),
    ) -> None:
        super().__init__(session)
        self.model = model
        self.parent_fk = parent_fk
        self.order = (*order, model.id)

    def of(self, parent_ids: Collection[int]) -> list[C]:
        """The children of these parents, in display order."""
        if not parent_ids:
            return []
        stmt = select(self.model).where(self.parent_fk.in_(set(parent_ids))).order_by(*self.order)
        return list(self.session.scalars(stmt))

    def get(self, parent_id: int, child_id: int, *, for_update: bool = False) -> C | None:
        """The parent's child, or None; ``for_update`` locks it until the transaction ends (to delete it:
        a reward write naming it holds a key-share lock that this waits for, see the module doc)."""
        stmt = select(self.model).where(self.parent_fk == parent_id, self.model.id == child_id)
        if for_update:
            stmt = stmt.with_for_update()
        return self.session.scalar(stmt)

    def name_taken(self, parent_id: int, name_key: str, *, other_than: int | None = None) -> bool:
        stmt = select(self.model.id).where(self.parent_fk == parent_id, self.model.name_key == name_key)
        if other_than is not None:
            stmt = stmt.where(self.model.id != other_than)
        return self.session.scalar(stmt.limit(1)) is not None

    def delete_all(self, parent_id: int) -> None:
        """Delete every child of the parent; the foreign key cascades too, this does not rely on it."""
        self.session.execute(delete(self.model).where(self.parent_fk == parent_id))

    def next_rank(self, parent_id: int) -> int:
        """One above the parent's highest child in display order (1 for its first): a new tier's rank."""
        highest = self.session.scalar(select(func.max(self.order[0])).where(self.parent_fk == parent_id))
        return (highest or 0) + 1
