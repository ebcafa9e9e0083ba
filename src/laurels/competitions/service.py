"""Competitions whose entries competition_entry rewards grant: a CRUD domain (kit.crud). Never commits."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from laurels.competitions.models import Competition
from laurels.competitions.schemas import CompetitionCreate, CompetitionOut, CompetitionUpdate
from laurels.kit import validation
from laurels.kit.crud import CrudService, Kind
from laurels.kit.errors import InvalidInput


class CompetitionCode(StrEnum):
    COMPETITION_NOT_FOUND = "COMPETITION_NOT_FOUND"
    COMPETITION_ALREADY_EXISTS = "COMPETITION_ALREADY_EXISTS"
    COMPETITION_IN_USE = "COMPETITION_IN_USE"
    INVALID_COMPETITION = "INVALID_COMPETITION"


def _utc(value: datetime | None) -> datetime | None:
    """Offset-less timestamps are read as UTC, as everywhere in Laurels."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class CompetitionService(CrudService[Competition]):
    kind = Kind(
        entity="Competition",
        singular="competition",
        plural="competitions",
        path="/competitions",
        id_param="competitionId",
        code="COMPETITION",
        codes=CompetitionCode,
        key_field=None,
        used_by="a reward grants entries to it",
        id_prefix="comp",
        invalid=CompetitionCode.INVALID_COMPETITION,
    )
    model = Competition
    public_id = Competition.competition_id
    create_body = CompetitionCreate
    update_body = CompetitionUpdate
    out = CompetitionOut

    def assign(self, row: Competition, values: Mapping[str, Any]) -> None:
        if "name" in values:
            row.name = validation.name(values["name"], code=CompetitionCode.INVALID_COMPETITION)
        if "description" in values:
            row.description = values["description"]
        if "startsAt" in values:
            row.starts_at = _utc(values["startsAt"])
        if "endsAt" in values:
            row.ends_at = _utc(values["endsAt"])
        if row.starts_at is not None and row.ends_at is not None and row.ends_at <= row.starts_at:
            raise InvalidInput(
                "endsAt must be after startsAt", code=CompetitionCode.INVALID_COMPETITION, field="endsAt"
            )
