from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, tuple_

from laurels.kit.repository import OrgScopedRepository
from laurels.kit.validation import row_id
from laurels.rewards.models import Reward, RewardReference


class RewardRepository(OrgScopedRepository[Reward]):
    model = Reward
    public_id = Reward.reward_id

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

    def set_references(self, reward: Reward, keys: Collection[tuple[str, Any]]) -> None:
        """Make the reward's reference rows exactly ``keys`` ((kind, key) pairs, keys as rewards name them).

        Only the difference is written, so rows that stay are not touched.
        """
        wanted = {(kind, str(key)) for kind, key in keys}
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
        new = sorted(wanted - held)
        if new:
            rows = [{"reward_pk": reward.id, "org_id": reward.org_id, "kind": k, "key": v} for k, v in new]
            self.session.execute(insert(RewardReference), rows)

    def is_referenced(self, org_id: str, kind: str, key: Any) -> bool:
        """Whether any of the org's rewards names this piece of reference data (one index probe)."""
        stmt = select(RewardReference.reward_pk).where(
            RewardReference.org_id == org_id, RewardReference.kind == kind, RewardReference.key == str(key)
        )
        return self.session.scalar(stmt.limit(1)) is not None
