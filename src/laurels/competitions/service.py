"""Competitions whose entries competition_entry rewards grant. Never commits."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from laurels.competitions.models import Competition
from laurels.competitions.repository import CompetitionRepository
from laurels.competitions.schemas import CompetitionCreate, CompetitionUpdate
from laurels.kit import validation
from laurels.kit.clock import utcnow
from laurels.kit.errors import Conflict, InvalidInput, NotFound
from laurels.kit.pagination import decode_cursor, next_cursor
from laurels.kit.validation import public_id, require_fields


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


def _check_window(starts_at: datetime | None, ends_at: datetime | None) -> None:
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        raise InvalidInput("endsAt must be after startsAt", code=CompetitionCode.INVALID_COMPETITION, field="endsAt")


class CompetitionService:
    def __init__(self, session: Session) -> None:
        self.repo = CompetitionRepository(session)

    def get(self, org_id: str, competition_id: str, *, for_update: bool = False) -> Competition:
        competition = self.repo.get(org_id, competition_id, for_update=for_update)
        if competition is None:
            raise NotFound("Competition not found", code=CompetitionCode.COMPETITION_NOT_FOUND)
        return competition

    def list(self, org_id: str, *, cursor: str | None, limit: int) -> tuple[list[Competition], str | None]:
        competitions = self.repo.page(org_id, after=decode_cursor(cursor), limit=limit)
        return competitions, next_cursor([c.id for c in competitions], limit)

    def create(self, org_id: str, body: CompetitionCreate) -> Competition:
        require_fields(body.model_dump(), ("name",))
        competition_id = public_id(
            body.competitionId, prefix="comp", field="competitionId", code=CompetitionCode.INVALID_COMPETITION
        )
        if self.repo.exists(org_id, competition_id):
            raise Conflict("Competition with this ID already exists", code=CompetitionCode.COMPETITION_ALREADY_EXISTS)
        starts_at, ends_at = _utc(body.startsAt), _utc(body.endsAt)
        _check_window(starts_at, ends_at)
        now = utcnow()
        competition = Competition(
            org_id=org_id,
            competition_id=competition_id,
            name=validation.name(body.name, code=CompetitionCode.INVALID_COMPETITION),
            description=body.description,
            starts_at=starts_at,
            ends_at=ends_at,
            created_at=now,
            updated_at=now,
        )
        try:
            return self.repo.add(competition)
        except IntegrityError:
            raise Conflict(
                "Competition with this ID already exists", code=CompetitionCode.COMPETITION_ALREADY_EXISTS
            ) from None

    def update(self, org_id: str, competition_id: str, body: CompetitionUpdate) -> Competition:
        competition = self.get(org_id, competition_id, for_update=True)
        given = body.model_fields_set
        if "name" in given:
            competition.name = validation.name(body.name, code=CompetitionCode.INVALID_COMPETITION)
        if "description" in given:
            competition.description = body.description
        if "startsAt" in given:
            competition.starts_at = _utc(body.startsAt)
        if "endsAt" in given:
            competition.ends_at = _utc(body.endsAt)
        _check_window(competition.starts_at, competition.ends_at)
        if given:
            competition.updated_at = utcnow()
            self.repo.flush()
        return competition

    def delete(self, org_id: str, competition_id: str) -> None:
        competition = self.get(org_id, competition_id, for_update=True)
        try:
            self.repo.delete(competition)
        except IntegrityError:
            # A reward's foreign key to the competition (ON DELETE RESTRICT) refused the delete.
            raise Conflict("Competition is used by a reward", code=CompetitionCode.COMPETITION_IN_USE) from None
