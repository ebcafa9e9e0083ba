"""Reference rows with children: loyalty programs (tiers, partner programs) and
segments (partitions). The children are written once too: a :class:`ChildKind`
says what differs (tiers have a rank). Never commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel
from sqlalchemy.orm import Session

from laurels.kit.crud import Kind, flushed
from laurels.kit.errors import InvalidInput
from laurels.kit.validation import INT32_MAX, fold, require_fields
from laurels.reference.models import (
    LoyaltyProgram,
    NamedChild,
    NamedOrgRow,
    Partition,
    PartnerProgram,
    Segment,
    Tier,
)
from laurels.reference.repository import Children
from laurels.reference.schemas import (
    ChildOut,
    LoyaltyProgramCreate,
    LoyaltyProgramOut,
    NamedOut,
    SegmentCreate,
    SegmentOut,
    TierOut,
)
from laurels.reference.service import NamedService, ReferenceCode, check_name, refuse_if_in_use

P = TypeVar("P", bound=NamedOrgRow)


@dataclass(frozen=True, kw_only=True)
class ChildKind(Kind):
    """A kind of child: ``plural`` is its list in the parent's body and answer, ``path`` its route segment."""

    model: type[NamedChild]
    parent_fk: str
    out: type[ChildOut]
    ranked: bool = False  # tiers: a rank, defaulting to one above the parent's highest


TIERS = ChildKind(
    entity="Tier",
    singular="tier",
    plural="tiers",
    path="/tiers",
    id_param="tierId",
    code="TIER",
    codes=ReferenceCode,
    model=Tier,
    parent_fk="program_id",
    out=TierOut,
    ranked=True,
)
PARTNER_PROGRAMS = ChildKind(
    entity="Partner program",
    singular="partnerProgram",
    plural="partnerPrograms",
    path="/partner-programs",
    id_param="partnerProgramId",
    code="PARTNER_PROGRAM",
    codes=ReferenceCode,
    model=PartnerProgram,
    parent_fk="program_id",
    out=ChildOut,
)
PARTITIONS = ChildKind(
    entity="Partition",
    singular="partition",
    plural="partitions",
    path="/partitions",
    id_param="partitionId",
    code="PARTITION",
    codes=ReferenceCode,
    model=Partition,
    parent_fk="segment_id",
    out=ChildOut,
)


def check_rank(value: object, field: str) -> int:
    # A rank lives in an `integer` column: beyond 2^31 - 1 it is refused here, not by the database.
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= INT32_MAX:
        raise InvalidInput(
            f"{field} must be a whole number from 1 to {INT32_MAX}", code=ReferenceCode.INVALID_RANK, field=field
        )
    return value


class ParentService(NamedService[P]):
    """A named kind whose rows own children; ``children`` lists the kinds of child."""

    children: ClassVar[tuple[ChildKind, ...]]

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._children = {
            kind.plural: Children[NamedChild](
                session, kind.model, getattr(kind.model, kind.parent_fk), (Tier.rank,) if kind.ranked else ()
            )
            for kind in self.children
        }

    def _repo(self, kind: ChildKind) -> Children[NamedChild]:
        return self._children[kind.plural]

    # ---- the parent -----------------------------------------------------------

    def create(self, org_id: str, values: Mapping[str, Any]) -> P:
        """Create the row and the children its body lists."""
        parent = super().create(org_id, values)
        for kind in self.children:
            items = values.get(kind.plural)
            if items is not None:
                self._add(parent, kind, items, nested=True)
        return parent

    def before_delete(self, row: P) -> None:
        for kind in self.children:
            self._repo(kind).delete_all(row.id)

    def render(self, rows: Sequence[P]) -> list[BaseModel]:
        ids = [row.id for row in rows]
        grouped: dict[str, dict[int, list[BaseModel]]] = {}
        for kind in self.children:
            by_parent: dict[int, list[BaseModel]] = defaultdict(list)
            for child in self._repo(kind).of(ids):
                by_parent[getattr(child, kind.parent_fk)].append(kind.out.of(child))
            grouped[kind.plural] = by_parent
        return [
            self.out(
                **NamedOut.of(row).model_dump(), **{plural: found.get(row.id, []) for plural, found in grouped.items()}
            )
            for row in rows
        ]

    # ---- its children -----------------------------------------------------------

    def get_child(
        self, org_id: str, parent_id: int, kind: ChildKind, child_id: int, *, for_update: bool = False
    ) -> NamedChild:
        parent = self.get(org_id, parent_id)
        child = self._repo(kind).get(parent.id, child_id, for_update=for_update)
        if child is None:
            raise kind.missing()
        return child

    def add_child(self, org_id: str, parent_id: int, kind: ChildKind, values: Mapping[str, Any]) -> NamedChild:
        # Locking the parent queues this behind a concurrent delete of it (PostgreSQL).
        parent = self.get(org_id, parent_id, for_update=True)
        [child] = self._add(parent, kind, [values], nested=False)
        return child

    def update_child(
        self, org_id: str, parent_id: int, kind: ChildKind, child_id: int, values: Mapping[str, Any]
    ) -> NamedChild:
        """Rename a child (or re-rank a tier); fields left out keep their values (``values`` holds those given)."""
        child = self.get_child(org_id, parent_id, kind, child_id)
        if "name" in values:
            child.name = check_name(values["name"])
            child.name_key = fold(child.name)
            if self._repo(kind).name_taken(parent_id, child.name_key, other_than=child.id):
                raise kind.taken()
        if isinstance(child, Tier) and "rank" in values:
            child.rank = check_rank(values["rank"], "rank")
        flushed(self._repo(kind).flush, kind.taken())
        return child

    def delete_child(self, org_id: str, parent_id: int, kind: ChildKind, child_id: int) -> None:
        # Locked before the in-use query: a reward write naming the child holds it FOR KEY SHARE until it
        # commits, so this waits and then sees its reference rows (see rewards.references).
        child = self.get_child(org_id, parent_id, kind, child_id, for_update=True)
        refuse_if_in_use(self.refs, org_id, kind, child.id)
        self._repo(kind).delete(child)

    def _add(self, parent: P, kind: ChildKind, items: Sequence[Any], *, nested: bool) -> list[NamedChild]:
        """Check and add children; in a parent's body (``nested``) fields are named like tiers[1].name."""
        repo = self._repo(kind)
        highest = repo.next_rank(parent.id) - 1 if kind.ranked else 0
        seen: set[str] = set()
        made: list[NamedChild] = []
        for index, item in enumerate(items):
            where = f"{kind.plural}[{index}]" if nested else ""
            prefix = f"{where}." if nested else ""
            if not isinstance(item, Mapping):
                raise InvalidInput(f"{where} must be an object", code=ReferenceCode.INVALID_ITEM, field=where)
            require_fields({prefix + "name": item.get("name")}, (prefix + "name",))
            child = kind.model()
            setattr(child, kind.parent_fk, parent.id)
            child.name = check_name(item["name"], prefix + "name")
            child.name_key = fold(child.name)
            if child.name_key in seen or repo.name_taken(parent.id, child.name_key):
                raise kind.taken(prefix + "name")
            seen.add(child.name_key)
            if isinstance(child, Tier):
                given = item.get("rank")
                child.rank = highest + 1 if given is None else check_rank(given, prefix + "rank")
                highest = max(highest, child.rank)
            made.append(child)
        flushed(lambda: repo.add_all(made), kind.taken())
        return made


class LoyaltyProgramService(ParentService[LoyaltyProgram]):
    kind = Kind(
        entity="Loyalty program",
        singular="loyaltyProgram",
        plural="loyaltyPrograms",
        path="/loyalty-programs",
        id_param="programId",
        code="LOYALTY_PROGRAM",
        codes=ReferenceCode,
    )
    model = LoyaltyProgram
    create_body = LoyaltyProgramCreate
    out = LoyaltyProgramOut
    children = (TIERS, PARTNER_PROGRAMS)


class SegmentService(ParentService[Segment]):
    kind = Kind(
        entity="Segment",
        singular="segment",
        plural="segments",
        path="/segments",
        id_param="segmentId",
        code="SEGMENT",
        codes=ReferenceCode,
    )
    model = Segment
    create_body = SegmentCreate
    out = SegmentOut
    children = (PARTITIONS,)
