"""Seed 004's Rewards API, served at /v1 and /loyalty/v1."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from laurels.kit import schema as js
from laurels.kit.http import DbSession, Envelope, Message, error_responses, ok
from laurels.kit.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from laurels.kit.unit import UnitRoute
from laurels.rewards.rules import REWARD_TYPES, STATUSES
from laurels.rewards.schemas import RewardCreate, RewardCreated, RewardList, RewardOut, RewardUpdate
from laurels.rewards.service import RewardService
from laurels.tenancy.auth import CatalogReader, CatalogWriter

router = APIRouter(tags=["rewards"], route_class=UnitRoute)

RewardIdPath = Annotated[
    str, Path(description="The reward's rewardId or its integer id.", json_schema_extra=js.exactly(js.ROW_REF))
]


@router.get("/rewards", responses=error_responses(400, 401, 403))
def list_rewards(
    *,
    principal: CatalogReader,
    session: DbSession,
    status: Annotated[str | None, Query(description="active or inactive", json_schema_extra=js.enum(STATUSES))] = None,
    rewardType: Annotated[
        str | None, Query(description="Filter by reward type", json_schema_extra=js.enum(REWARD_TYPES))
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size")] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[
        str | None, Query(description="nextCursor of the previous page", json_schema_extra=js.exactly(js.CURSOR))
    ] = None,
) -> Envelope[RewardList]:
    """List the org's rewards, oldest first, a page at a time."""
    page = RewardService(session).list_page(
        principal.org_id, status=status, reward_type=rewardType, cursor=cursor, limit=limit
    )
    items = [RewardOut.of(r) for r in page.rewards]
    return ok(RewardList(rewards=items, count=len(items), nextCursor=page.next_cursor))


@router.post("/rewards", status_code=201, responses=error_responses(400, 401, 403, 409))
def create_reward(principal: CatalogWriter, session: DbSession, body: RewardCreate) -> Envelope[RewardCreated]:
    """Create a reward; its config is validated for its type and what it references must exist."""
    reward = RewardService(session).create(principal.org_id, principal.key_id, body.model_dump(exclude_unset=True))
    return ok(RewardCreated(reward=RewardOut.of(reward)))


@router.get("/rewards/{rewardId}", responses=error_responses(401, 403, 404))
def get_reward(principal: CatalogReader, session: DbSession, rewardId: RewardIdPath) -> Envelope[RewardOut]:
    """Get a reward by its rewardId (or its integer id)."""
    return ok(RewardOut.of(RewardService(session).get(principal.org_id, rewardId)))


@router.put("/rewards/{rewardId}", responses=error_responses(400, 401, 403, 404))
def update_reward(
    principal: CatalogWriter,
    session: DbSession,
    rewardId: RewardIdPath,
    body: RewardUpdate,
) -> Envelope[RewardOut]:
    """Update any field but rewardType; the config is re-validated against the reward's type."""
    changes = body.model_dump(exclude_unset=True)
    return ok(RewardOut.of(RewardService(session).update(principal.org_id, rewardId, principal.key_id, changes)))


@router.delete("/rewards/{rewardId}", responses=error_responses(401, 403, 404))
def delete_reward(principal: CatalogWriter, session: DbSession, rewardId: RewardIdPath) -> Envelope[Message]:
    """Delete a reward."""
    RewardService(session).delete(principal.org_id, rewardId)
    return ok(Message(message="Reward deleted successfully"))
