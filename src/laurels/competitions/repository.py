from __future__ import annotations

from laurels.competitions.models import Competition
from laurels.kit.repository import OrgScopedRepository


class CompetitionRepository(OrgScopedRepository[Competition]):
    model = Competition
    ident = Competition.competition_id
