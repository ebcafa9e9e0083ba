from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Select,
    bindparam,
    cast,
    delete,
    func,
    insert,
    inspect,
    literal_column,
    null,
    or_,
    select,
    tuple_,
    union_all,
)

from laurels.customers.repository import BY_USER_ID, PROFILE_COLUMNS, PROFILE_FIELDS
from laurels.kit.repository import OrgScopedRepository
from laurels.kit.statements import Prepared
from laurels.kit.validation import row_id
from laurels.reference.models import RewardReference
from laurels.rewards.models import Reward
from laurels.tenancy.models import Brand

# ---- hot reads: statements run on the event loop by kit.reads.Reads ------------------------
# They select ids and versions (the per-user list, the customer's profile too); the bodies come
# from rewards.reads' cache of what was rendered per version. Parameters are bound by name when they run.

# A reward by integer id, or by rewardId, in an org.
BY_PK = select(Reward.id, Reward.version).where(Reward.org_id == bindparam("org_id"), Reward.id == bindparam("pk"))
BY_REWARD_ID = select(Reward.id, Reward.version).where(
    Reward.org_id == bindparam("org_id"), Reward.reward_id == bindparam("reward_id")
)
# The same, only if it is the brand's (Capillary addresses rewards under a brand).
BY_PK_IN_BRAND = BY_PK.where(Reward.brand_id == bindparam("brand_id"))
BY_REWARD_ID_IN_BRAND = BY_REWARD_ID.where(Reward.brand_id == bindparam("brand_id"))
# Seed 001's per-user list in one round trip, as rows of (part, id, version, *PROFILE_FIELDS):
# part 0, the enabled rewards LIVE at :now of the brand named :name_key (folded); part 1, that
# brand (its id), there even when none of its rewards is live, so that an unknown brand is told
# apart from one with nothing to show; part 2, the profile of customer :user_id as stored.
# Typed: PostgreSQL types a union's NULLs from the branches before, not after.
_NO_PROFILE = tuple(cast(null(), c.type).label(f) for c, f in zip(PROFILE_COLUMNS, PROFILE_FIELDS, strict=True))
_BRAND_NAMED = (Brand.org_id == bindparam("org_id"), Brand.name_key == bindparam("name_key"))
LIVE_IN_BRAND_NAMED_WITH_PROFILE: CompoundSelect[*tuple[Any, ...]] = union_all(
    select(literal_column("0").label("part"), Reward.id.label("id"), Reward.version.label("version"), *_NO_PROFILE)
    .join(Brand, Brand.id == Reward.brand_id)
    .where(
        *_BRAND_NAMED,
        Reward.org_id == bindparam("org_id"),
        Reward.enabled.is_(True),
        or_(Reward.start_at.is_(None), Reward.start_at <= bindparam("now")),
        or_(Reward.end_at.is_(None), Reward.end_at >= bindparam("now")),
    ),
    select(literal_column("1"), Brand.id, null(), *_NO_PROFILE).where(*_BRAND_NAMED),
    select(literal_column("2"), null(), null(), *PROFILE_COLUMNS).where(*BY_USER_ID),
)


@cache
def page_of(*, by_enabled: bool, by_type: bool, after: bool) -> Select[int, int]:
    """A page of an org's rewards, oldest first: :limit rows, optionally :enabled, :reward_type,
    after id :after. One statement per combination of filters, built once."""
    stmt = select(Reward.id, Reward.version).where(Reward.org_id == bindparam("org_id"))
    if by_enabled:
        stmt = stmt.where(Reward.enabled == bindparam("enabled"))
    if by_type:
        stmt = stmt.where(Reward.reward_type == bindparam("reward_type"))
    if after:
        stmt = stmt.where(Reward.id > bindparam("after"))
    return stmt.order_by(Reward.id).limit(bindparam("limit"))


# A new reward's row, every column but the id it is given. Run past the ORM's unit of work,
# whose flush of one reward was a third of a create's CPU (py-spy of bench/inprocess.py).
_WRITTEN = tuple((attr.key, attr.columns[0]) for attr in inspect(Reward).column_attrs if attr.key != "id")
_INSERT = Prepared(
    insert(Reward).values({column.key: bindparam(column.key) for _, column in _WRITTEN}).returning(Reward.id)
)


class RewardRepository(OrgScopedRepository[Reward]):
    model = Reward
    ident = Reward.reward_id

    def resolve(self, org_id: str, ident: str, *, for_update: bool = False) -> Reward | None:
        """Find a reward by its string rewardId or, for an all-digit ident, its integer id.

        ``for_update`` locks the row, so concurrent edits of one reward queue
        up and each applies to the result of the one before.
        """
        stmt = select(Reward).where(Reward.org_id == org_id)
        pk = row_id(ident)
        if pk is not None:
            stmt = stmt.where(Reward.id == pk)
        elif ident.isdigit():
            return None
        else:
            stmt = stmt.where(Reward.reward_id == ident)
        if for_update:
            stmt = stmt.with_for_update()
        return self.session.scalar(stmt)

    def insert(self, reward: Reward) -> None:
        """Write a new reward, built in full but not added to the session, and give it its id.

        The instance stays out of the session: nothing in the unit reads it back, and the
        response is rendered from it as it stands. A unique or foreign key it breaks raises
        ``IntegrityError``, as a flush would.
        """
        [(pk,)] = _INSERT.rows(self.session, {column.key: getattr(reward, key) for key, column in _WRITTEN})
        reward.id = int(pk)

    def by_pks(self, org_id: str, pks: Collection[int]) -> list[Reward]:
        """The org's rewards among these integer ids, in no particular order."""
        return list(self.session.scalars(select(Reward).where(Reward.org_id == org_id, Reward.id.in_(pks))))

    def by_int_id(self, org_ids: Sequence[str], reward_pk: int) -> Reward | None:
        """A reward by integer id, if it belongs to one of the given orgs."""
        return self.session.scalar(select(Reward).where(Reward.id == reward_pk, Reward.org_id.in_(org_ids)))

    def brand_page(
        self,
        org_id: str,
        brand_id: int,
        *,
        state: str | None,
        category: str | None,
        name: str | None,
        active_from: datetime | None,
        active_to: datetime | None,
        now: datetime,
        offset: int,
        limit: int,
    ) -> list[Reward]:
        """A brand's rewards, filtered in SQL; the lifecycle state is compared against ``now``."""
        stmt = select(Reward).where(Reward.org_id == org_id, Reward.brand_id == brand_id)
        started = or_(Reward.start_at.is_(None), Reward.start_at <= now)
        not_ended = or_(Reward.end_at.is_(None), Reward.end_at >= now)
        if state == "UPCOMING":
            stmt = stmt.where(Reward.start_at > now)
        elif state == "LIVE":
            stmt = stmt.where(started, not_ended)
        elif state == "ENDED":
            stmt = stmt.where(Reward.end_at < now)
        if category is not None:
            stmt = stmt.where(Reward.category == category)
        if name:
            stmt = stmt.where(func.lower(Reward.name).contains(name.lower(), autoescape=True))
        # The reward's [start, end] overlaps the asked range.
        if active_from is not None:
            stmt = stmt.where(or_(Reward.end_at.is_(None), Reward.end_at >= active_from))
        if active_to is not None:
            stmt = stmt.where(or_(Reward.start_at.is_(None), Reward.start_at <= active_to))
        return list(self.session.scalars(stmt.order_by(Reward.id).offset(offset).limit(limit)))

    def live_for_brand(self, org_id: str, brand_id: int, now: datetime) -> list[Reward]:
        """Enabled rewards of a brand that are LIVE at ``now``: the candidates a customer may see."""
        stmt = select(Reward).where(
            Reward.org_id == org_id,
            Reward.brand_id == brand_id,
            Reward.enabled.is_(True),
            or_(Reward.start_at.is_(None), Reward.start_at <= now),
            or_(Reward.end_at.is_(None), Reward.end_at >= now),
        )
        return list(self.session.scalars(stmt.order_by(Reward.id)))

    def set_references(self, reward: Reward, keys: Collection[tuple[str, Any]], *, new: bool = False) -> None:
        """Make the reward's reference rows exactly ``keys`` ((kind, key) pairs, keys as rewards name them).

        Only the difference is written, so rows that stay are not touched. A ``new``
        reward has none yet, so there is nothing to read first.
        """
        wanted = {(kind, str(key)) for kind, key in keys}
        held: set[tuple[str, str]] = set()
        if not new:
            stmt = select(RewardReference.kind, RewardReference.key).where(RewardReference.reward_pk == reward.id)
            held = {(kind, key) for kind, key in self.session.execute(stmt)}
        gone = held - wanted
        if gone:
            self.session.execute(
                delete(RewardReference).where(
                    RewardReference.reward_pk == reward.id,
                    tuple_(RewardReference.kind, RewardReference.key).in_(sorted(gone)),
                )
            )
        added = sorted(wanted - held)
        if added:
            rows = [{"reward_pk": reward.id, "org_id": reward.org_id, "kind": k, "key": v} for k, v in added]
            self.session.execute(insert(RewardReference), rows)
