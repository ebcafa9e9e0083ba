"""Native API for issuing, at /v1: seed 004's grant, and the records issuing leaves.

The grant's answer is serialized inside its unit of work, so that the very
bytes sent are what an ``Idempotency-Key`` replays, committed with the
issuance or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Header, Path, Query, Response
from sqlalchemy.orm import Session

from laurels.customers.schemas import USER_ID_MAX
from laurels.issuance.ledger import ADJUSTMENT, Adjustment, LedgerService
from laurels.issuance.models import Issuance
from laurels.issuance.redemption import RedemptionService
from laurels.issuance.schemas import (
    AdjustmentBody,
    AdjustmentOut,
    EntryList,
    EntryOut,
    GrantBody,
    Granted,
    GrantResult,
    IssuanceList,
    IssuanceOut,
    Points,
    PointsEntryList,
    PointsTotals,
    PurchaseBody,
    Purchased,
    ReverseBody,
    points_entry,
)
from laurels.issuance.service import GRANT, KINDS, PURCHASE, IssuanceService
from laurels.kit import schema as js
from laurels.kit.clock import utcnow
from laurels.kit.http import DbSession, Envelope, error_responses, ok
from laurels.kit.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from laurels.kit.routing import AfterCommit, after_commit
from laurels.kit.types import WireDateTime
from laurels.kit.unit import UnitRoute, brief
from laurels.tenancy.auth import require
from laurels.tenancy.scopes import Scope
from laurels.tenancy.service import Principal

router = APIRouter(tags=["issuance"], route_class=UnitRoute)

Issuer = Annotated[Principal, Depends(require(Scope.ISSUANCE_WRITE))]
CustomersReader = Annotated[Principal, Depends(require(Scope.CUSTOMERS_READ))]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size")]
Cursor = Annotated[
    str | None, Query(description="nextCursor of the previous page", json_schema_extra=js.exactly(js.CURSOR))
]
UserIdPath = Annotated[
    str, Path(description="The customer's id in your systems.", json_schema_extra=js.exactly(js.name(USER_ID_MAX)))
]
TransactionIdPath = Annotated[str, Path(json_schema_extra=js.exactly(js.public_id("The issuance's transactionId.")))]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Retries with the same key and body get the first answer (header Idempotent-Replayed: true) "
        "and issue nothing more; the same key with another body is refused (409 IDEMPOTENCY_KEY_REUSED).",
        json_schema_extra=js.exactly({"type": "string", "pattern": "^[\\x21-\\x7e]{1,255}$"}),
    ),
]


@router.post(
    "/rewards/grant",
    status_code=201,
    response_model=Envelope[Granted],
    responses=error_responses(400, 401, 403, 404, 409),
)
@brief
def grant_reward(
    principal: Issuer, session: DbSession, body: GrantBody, idempotency_key: IdempotencyKey = None
) -> AfterCommit[Response]:
    """Grant a reward to a user: bypasses the reward's audience, never its state, limits or inventory."""
    values = body.model_dump()

    def grant() -> Issuance:
        return IssuanceService(session).grant(principal.org_id, values)

    def render(issuance: Issuance) -> str:
        return ok(Granted(result=GrantResult.of(issuance))).model_dump_json(exclude_none=True)

    return answer_once(session, Once(principal.org_id, GRANT, idempotency_key, values), grant, render)


@router.post(
    "/rewards/{rewardId}/purchase",
    status_code=201,
    response_model=Envelope[Purchased],
    responses=error_responses(400, 401, 403, 404, 409),
)
@brief
def purchase_reward(
    principal: Issuer,
    session: DbSession,
    rewardId: Annotated[
        str, Path(description="The reward's rewardId or its integer id.", json_schema_extra=js.exactly(js.ROW_REF))
    ],
    body: PurchaseBody,
    idempotency_key: IdempotencyKey = None,
) -> AfterCommit[Response]:
    """A customer takes a reward and pays for it: its state, audience, limits, inventory and price all hold."""
    values = body.model_dump()

    def purchase() -> Issuance:
        return IssuanceService(session).purchase(principal.org_id, rewardId, values)

    def render(issuance: Issuance) -> str:
        return ok(Purchased(result=IssuanceOut.of(issuance))).model_dump_json(exclude_none=True)

    once = Once(principal.org_id, PURCHASE, idempotency_key, {**values, "rewardId": rewardId})
    return answer_once(session, once, purchase, render)


@router.get("/issuances", responses=error_responses(400, 401, 403))
def list_issuances(
    principal: CustomersReader,
    session: DbSession,
    *,
    userId: Annotated[str | None, Query(description="Only this customer's")] = None,
    rewardId: Annotated[str | None, Query(description="Only this reward's (rewardId or integer id)")] = None,
    kind: Annotated[str | None, Query(description="How it was issued", json_schema_extra=js.enum(KINDS))] = None,
    issuedFrom: Annotated[WireDateTime | None, Query(description="Issued at or after")] = None,
    issuedTo: Annotated[WireDateTime | None, Query(description="Issued before")] = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
) -> Envelope[IssuanceList]:
    """The org's issuances, newest first."""
    rows, following = IssuanceService(session).issuances(
        principal.org_id,
        cursor=cursor,
        limit=limit,
        user_id=userId,
        reward=rewardId,
        kind=kind,
        since=_aware(issuedFrom),
        until=_aware(issuedTo),
    )
    items = [IssuanceOut.of(r) for r in rows]
    return ok(IssuanceList(issuances=items, count=len(items), nextCursor=following))


@router.get("/issuances/{transactionId}", responses=error_responses(401, 403, 404))
def get_issuance(
    principal: CustomersReader,
    session: DbSession,
    transactionId: TransactionIdPath,
) -> Envelope[IssuanceOut]:
    """One issuance: who, what, when, why, what was delivered, and its state."""
    return ok(IssuanceOut.of(IssuanceService(session).issuance(principal.org_id, transactionId)))


@router.post("/issuances/{transactionId}/redeem", responses=error_responses(401, 403, 404, 409))
@brief
def redeem_issuance(principal: Issuer, session: DbSession, transactionId: TransactionIdPath) -> Envelope[IssuanceOut]:
    """Mark an issued reward used (a code shown at a till), once: again is 409 ALREADY_REDEEMED."""
    return ok(IssuanceOut.of(RedemptionService(session).redeem(principal.org_id, transactionId, utcnow())))


@router.post("/issuances/{transactionId}/reverse", responses=error_responses(400, 401, 403, 404, 409))
@brief
def reverse_issuance(
    principal: Issuer, session: DbSession, transactionId: TransactionIdPath, body: ReverseBody
) -> Envelope[IssuanceOut]:
    """Undo an issuance not redeemed: limits, points, stock, code and entries given back; again changes nothing."""
    undone = RedemptionService(session).reverse(principal.org_id, transactionId, body.model_dump(), utcnow())
    return ok(IssuanceOut.of(undone))


@router.get("/customers/{userId}/rewards", responses=error_responses(400, 401, 403, 404))
def list_customer_rewards(
    principal: CustomersReader,
    session: DbSession,
    userId: UserIdPath,
    limit: Limit = DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
) -> Envelope[IssuanceList]:
    """Every reward the customer was issued, newest first, with what was delivered and its state."""
    rows, following = IssuanceService(session).customer_rewards(principal.org_id, userId, cursor=cursor, limit=limit)
    items = [IssuanceOut.of(r) for r in rows]
    return ok(IssuanceList(issuances=items, count=len(items), nextCursor=following))


@router.get("/customers/{userId}/points", responses=error_responses(401, 403, 404))
def get_points(principal: CustomersReader, session: DbSession, userId: UserIdPath) -> Envelope[Points]:
    """A customer's points balance, what its ledger added and took away, and its latest entries."""
    found = LedgerService(session).balance(principal.org_id, userId)
    return ok(
        Points(
            userId=found.customer.user_id,
            balance=found.balance,
            totals=PointsTotals(credited=found.credited, debited=found.debited),
            entries=[points_entry(e, t) for e, t in found.latest],
        )
    )


@router.get("/customers/{userId}/points/entries", responses=error_responses(400, 401, 403, 404))
def list_points_entries(
    principal: CustomersReader,
    session: DbSession,
    userId: UserIdPath,
    limit: Limit = DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
) -> Envelope[PointsEntryList]:
    """A customer's points ledger, newest first."""
    customer, rows, following = LedgerService(session).entries(principal.org_id, userId, cursor=cursor, limit=limit)
    items = [points_entry(e, t) for e, t in rows]
    return ok(PointsEntryList(userId=customer.user_id, entries=items, count=len(items), nextCursor=following))


@router.post(
    "/customers/{userId}/points/adjustments",
    status_code=201,
    response_model=Envelope[AdjustmentOut],
    responses=error_responses(400, 401, 403, 404, 409),
)
@brief
def adjust_points(
    principal: Issuer,
    session: DbSession,
    userId: UserIdPath,
    body: AdjustmentBody,
    idempotency_key: IdempotencyKey = None,
) -> AfterCommit[Response]:
    """Add points to a customer's balance or take them away; never below zero (409 INSUFFICIENT_POINTS)."""
    values = body.model_dump()

    def adjust() -> Adjustment:
        return LedgerService(session).adjust(principal.org_id, userId, values, utcnow())

    def render(adjustment: Adjustment) -> str:
        return ok(AdjustmentOut.of(adjustment)).model_dump_json()

    once = Once(principal.org_id, ADJUSTMENT, idempotency_key, {**values, "userId": userId})
    return answer_once(session, once, adjust, render)


R = TypeVar("R")


@dataclass(frozen=True)
class Once:
    """What makes a request idempotent: the org, the operation, the key the client sent (if it sent
    one) and the request as the key was first used with."""

    org_id: str
    scope: str
    key: str | None
    request: Mapping[str, Any]


def answer_once(
    session: Session, once: Once, act: Callable[[], R], render: Callable[[R], str], status: int = 201
) -> AfterCommit[Response]:
    """What ``act`` did, rendered by ``render``; or, for a key already answered, that first answer
    again, byte for byte, marked ``Idempotent-Replayed: true`` (docs/issuance.md, "Idempotency").
    A keyed answer is remembered in the request's own transaction: committed with what it answers,
    or not at all. An answer no key remembers is rendered after the commit, outside the unit (on
    SQLite, outside the writer turn)."""
    if once.key is None:
        done = act()
        return after_commit(lambda: Response(render(done), status_code=status, media_type="application/json"))
    service = IssuanceService(session)
    first = service.replay(once.org_id, once.scope, once.key, once.request)
    if first is not None and first.body is not None:
        replayed = Response(
            first.body,
            status_code=first.status or status,
            media_type="application/json",
            headers={"Idempotent-Replayed": "true"},
        )
        return after_commit(lambda: replayed)
    answer = render(act())
    service.remember(once.org_id, once.scope, once.key, status, answer)
    return after_commit(lambda: Response(answer, status_code=status, media_type="application/json"))


@router.get("/competitions/{competitionId}/entries", responses=error_responses(400, 401, 403, 404))
def list_competition_entries(
    principal: CustomersReader,
    session: DbSession,
    competitionId: Annotated[str, Path(json_schema_extra=js.exactly(js.public_id("The competition's competitionId.")))],
    limit: Limit = DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
) -> Envelope[EntryList]:
    """The entries customers hold in a competition, oldest first."""
    competition, rows, following = IssuanceService(session).competition_entries(
        principal.org_id, competitionId, cursor=cursor, limit=limit
    )
    items = [EntryOut.of(r) for r in rows]
    return ok(
        EntryList(competitionId=competition.competition_id, entries=items, count=len(items), nextCursor=following)
    )


def _aware(moment: datetime | None) -> datetime | None:
    """Offset-less timestamps are read as UTC, as everywhere in Laurels."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
