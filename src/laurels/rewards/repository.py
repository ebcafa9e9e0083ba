from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, select

from laurels.kit.repository import OrgScopedRepository
from laurels.rewards.models import Reward


class RewardRepository(OrgScopedRepository[Reward]):
    model = Reward
    public_id = Reward.reward_id

    def resolve(self, org_id: str, ident: str, *, for_update: bool = False) -> Reward | None:
        """Find a reward by its string rewardId or, for an all-digit ident, its integer id.

        ``for_update`` locks the row, so concurrent edits of one reward queue
        up and each applies to the result of the one before.
        """
        stmt = select(Reward).where(Reward.org_id == org_id)
        if ident.isdigit() and len(ident) < 19:
            stmt = stmt.where(Reward.id == int(ident))
        else:
            stmt = stmt.where(Reward.reward_id == ident)
        if for_update:
            stmt = stmt.with_for_update()
        return self.session.scalar(stmt)

    def list_page(
        self, org_id: str, *, enabled: bool | None, reward_type: str | None, after: int | None, limit: int
    ) -> list[Reward]:
        filters: Sequence[ColumnElement[bool]] = [
            *([Reward.enabled == enabled] if enabled is not None else []),
            *([Reward.reward_type == reward_type] if reward_type is not None else []),
        ]
        return self.page(org_id, after=after, limit=limit, filters=filters)
