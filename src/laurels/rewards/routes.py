"""Seed 004's Rewards API, served at /v1 and /loyalty/v1."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from laurels.kit import schema as js
from laurels.kit.http import DbSession, Envelope, Message, error_responses, ok
from laurels.kit.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from laurels.kit.routing import AfterCommit, after_commit
from laurels.kit.unit import UnitRoute, brief
from laurels.rewards.reads import RewardReads
from laurels.rewards.rules import REWARD_TYPES, STATUSES
from laurels.rewards.schemas import RewardCreate, RewardCreated, RewardList, RewardOut, RewardUpdate
from laurels.rewards.service import RewardService
from laurels.tenancy.auth import CatalogReader, CatalogWriter

router = APIRouter(tags=["rewards"], route_class=UnitRoute)

RewardIdPath = Annotated[
    str, Path(description="The reward's rewardId or its integer id.", json_schema_extra=js.exactly(js.ROW_REF))
]


async def reward_reads(request: Request) -> RewardReads:
    reads: RewardReads = request.app.state.reward_reads
    return reads


Reads = Annotated[RewardReads, Depends(reward_reads)]


def _json(body: bytes, status: int = 200) -> Response:
    return Response(body, status_code=status, media_type="application/json")


@router.get("/rewards", response_model=Envelope[RewardList], responses=error_responses(400, 401, 403))
async def list_rewards(
    *,
    principal: CatalogReader,
    reads: Reads,
    status: Annotated[str | None, Query(description="active or inactive", json_schema_extra=js.enum(STATUSES))] = None,
    rewardType: Annotated[
        str | None, Query(description="Filter by reward type", json_schema_extra=js.enum(REWARD_TYPES))
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size")] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[
        str | None, Query(description="nextCursor of the previous page", json_schema_extra=js.exactly(js.CURSOR))
    ] = None,
) -> Response:
    """List the org's rewards, oldest first, a page at a time."""
    return _json(await reads.page(principal.org_id, status=status, reward_type=rewardType, cursor=cursor, limit=limit))


@router.post(
    "/rewards",
    status_code=201,
    response_model=Envelope[RewardCreated],
    responses=error_responses(400, 401, 403, 409),
)
@brief
def create_reward(principal: CatalogWriter, session: DbSession, body: RewardCreate) -> AfterCommit[Response]:
    """Create a reward; its config is validated for its type and what it references must exist."""
    reward = RewardService(session).create(principal.org_id, principal.key_id, body.model_dump(exclude_unset=True))
    # The reward was inserted past the session, which never held it: it renders after the commit.
    return after_commit(
        lambda: _json(ok(RewardCreated(reward=RewardOut.of(reward))).model_dump_json().encode(), status=201)
    )


@router.get("/rewards/{rewardId}", response_model=Envelope[RewardOut], responses=error_responses(401, 403, 404))
async def get_reward(principal: CatalogReader, reads: Reads, rewardId: RewardIdPath) -> Response:
    """Get a reward by its rewardId (or its integer id)."""
    return _json(await reads.one(principal.org_id, rewardId))


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
