"""Native CRUD for competitions, at /v1/competitions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from laurels.competitions.schemas import (
    CompetitionCreate,
    CompetitionCreated,
    CompetitionList,
    CompetitionOut,
    CompetitionUpdate,
)
from laurels.competitions.service import CompetitionService
from laurels.kit import schema as js
from laurels.kit.http import DbSession, Envelope, Message, error_responses, ok
from laurels.kit.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from laurels.kit.unit import UnitRoute
from laurels.tenancy.auth import CatalogReader, CatalogWriter

router = APIRouter(tags=["competitions"], route_class=UnitRoute)

CompetitionIdPath = Annotated[str, Path(json_schema_extra=js.exactly(js.public_id("The competition's competitionId.")))]
Cursor = Annotated[
    str | None, Query(description="nextCursor of the previous page", json_schema_extra=js.exactly(js.CURSOR))
]


@router.get("/competitions", responses=error_responses(400, 401, 403))
def list_competitions(
    principal: CatalogReader,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
) -> Envelope[CompetitionList]:
    """List the org's competitions, oldest first."""
    competitions, following = CompetitionService(session).list(principal.org_id, cursor=cursor, limit=limit)
    items = [CompetitionOut.of(c) for c in competitions]
    return ok(CompetitionList(competitions=items, count=len(items), nextCursor=following))


@router.post("/competitions", status_code=201, responses=error_responses(400, 401, 403, 409))
def create_competition(
    principal: CatalogWriter, session: DbSession, body: CompetitionCreate
) -> Envelope[CompetitionCreated]:
    """Create a competition."""
    competition = CompetitionService(session).create(principal.org_id, body)
    return ok(CompetitionCreated(competition=CompetitionOut.of(competition)))


@router.get("/competitions/{competitionId}", responses=error_responses(401, 403, 404))
def get_competition(
    principal: CatalogReader, session: DbSession, competitionId: CompetitionIdPath
) -> Envelope[CompetitionOut]:
    """Get a competition."""
    return ok(CompetitionOut.of(CompetitionService(session).get(principal.org_id, competitionId)))


@router.put("/competitions/{competitionId}", responses=error_responses(400, 401, 403, 404))
def update_competition(
    principal: CatalogWriter, session: DbSession, competitionId: CompetitionIdPath, body: CompetitionUpdate
) -> Envelope[CompetitionOut]:
    """Update a competition; fields left out keep their values."""
    return ok(CompetitionOut.of(CompetitionService(session).update(principal.org_id, competitionId, body)))


@router.delete("/competitions/{competitionId}", responses=error_responses(401, 403, 404, 409))
def delete_competition(
    principal: CatalogWriter, session: DbSession, competitionId: CompetitionIdPath
) -> Envelope[Message]:
    """Delete a competition; refused with 409 COMPETITION_IN_USE while a reward grants entries to it."""
    CompetitionService(session).delete(principal.org_id, competitionId)
    return ok(Message(message="Competition deleted successfully"))
