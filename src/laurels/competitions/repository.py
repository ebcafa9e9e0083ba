from __future__ import annotations

from sqlalchemy import select

from laurels.competitions.models import Competition
from laurels.kit.repository import OrgScopedRepository
from laurels.rewards.models import Reward


class CompetitionRepository(OrgScopedRepository[Competition]):
    model = Competition
    public_id = Competition.competition_id

    def used_by_rewards(self, competition_pk: int) -> bool:
        stmt = select(Reward.id).where(Reward.competition_pk == competition_pk).limit(1)
        return self.session.scalar(stmt) is not None
