from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, select

from laurels.kit.repository import OrgScopedRepository
from laurels.rewards.models import Reward


class RewardRepository(OrgScopedRepository[Reward]):
    model = Reward
    public_id = Reward.reward_id

    def resolve(self, org_id: str, ident: str) -> Reward | None:
        """Find a reward by its string rewardId or, for an all-digit ident, its integer id."""
        reward = self.get(org_id, ident)
        if reward is None and ident.isdigit() and len(ident) < 19:
            reward = self.session.scalar(select(Reward).where(Reward.org_id == org_id, Reward.id == int(ident)))
        return reward

    def list_page(
        self, org_id: str, *, enabled: bool | None, reward_type: str | None, after: int | None, limit: int
    ) -> list[Reward]:
        filters: Sequence[ColumnElement[bool]] = [
            *([Reward.enabled == enabled] if enabled is not None else []),
            *([Reward.reward_type == reward_type] if reward_type is not None else []),
        ]
        return self.page(org_id, after=after, limit=limit, filters=filters)
