"""Seed 001-003's endpoints under /api_gateway/rewards/core."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response

from laurels.capillary.envelope import (
    CREATED,
    FETCHED,
    LISTED,
    UPDATED,
    USER_FETCHED,
    CapillaryError,
    ConnectedError,
    Status,
    status,
)
from laurels.capillary.issuals import COUPON_CASES, issual_detail, issual_item, issue_answer, matches, paging
from laurels.capillary.issue import ISSUE, CapillaryIssueService
from laurels.capillary.reads import RewardDetailReads, UserRewardReads
from laurels.capillary.schemas import (
    CapillaryIssue,
    CapillaryRewardCreate,
    CapillaryRewardIn,
    RewardEnvelope,
    RewardsEnvelope,
    require_create_fields,
)
from laurels.capillary.views import reward_detail, user_reward
from laurels.issuance.routes import CustomersReader, Issuer, Once, answer_once
from laurels.issuance.usage import UsageReader
from laurels.kit import schema as js
from laurels.kit.clock import utcnow
from laurels.kit.http import DbSession, RowIdPath, error_responses
from laurels.kit.routing import AfterCommit, after_commit
from laurels.kit.unit import UnitRoute, brief
from laurels.kit.validation import INT32_MAX, MAX_SAFE_INTEGER
from laurels.rewards.coercion import as_datetime
from laurels.rewards.lifecycle import State
from laurels.rewards.offers import OfferFilters, OfferService
from laurels.rewards.service import RewardService
from laurels.rewards.vocabulary import Category
from laurels.tenancy.auth import CatalogReader, CatalogWriter

router = APIRouter(prefix="/api_gateway/rewards/core", tags=["capillary"], route_class=UnitRoute)

MAX_PAGE = 500
# page * size must stay an offset both databases take; nobody pages a million pages deep.
MAX_PAGE_NUMBER = 1_000_000


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """Error responses in the Capillary envelope (``status.success`` false; see envelope.render)."""
    return error_responses(*sorted({400, *codes}), model=CapillaryError)


RewardIdPath = Annotated[
    str, Path(description="The reward's integer id (or its rewardId).", json_schema_extra=js.exactly(js.ROW_REF))
]
BrandNamePath = Annotated[
    str,
    Path(
        description="The brand's name, any case.",
        json_schema_extra=js.exactly({"type": "string", "minLength": 1, "maxLength": 255, "pattern": js.NON_BLANK}),
    ),
]
# Either of the dates rewards.coercion.as_datetime reads.
_DATE = js.exactly({"type": "string", "format": "date-time"})
_DATE_DOC = 'ISO 8601 or "YYYY-MM-DD HH:MM:SS" (UTC when no offset is given).'


@router.post("/v1/reward/create", response_model=RewardEnvelope, responses=_errors(400, 401, 403, 409))
@brief
def create_reward(principal: CatalogWriter, session: DbSession, body: CapillaryRewardCreate) -> AfterCommit[Response]:
    """Create a reward (seed 003's fields; type, redemptionType, start, end, languageSpecificInfo, brandId required)."""
    fields = body.model_dump(exclude_unset=True)
    require_create_fields(fields)
    reward = RewardService(session).create_catalog(principal.org_id, principal.key_id, fields)

    def answer() -> Response:
        # Rendered after the commit and answered as bytes, as the native create is
        # (docs/architecture.md, "A reward's create").
        created = RewardEnvelope(status=Status(**status(CREATED)), reward=reward_detail(reward))
        return Response(created.model_dump_json(), media_type="application/json")

    return after_commit(answer)


@router.get("/v1/reward/list/brand/{brandId}", responses=_errors(400, 401, 403, 404))
def list_rewards(
    *,
    principal: CatalogReader,
    session: DbSession,
    brandId: RowIdPath,
    status_: Annotated[State | None, Query(alias="status", description="UPCOMING, LIVE or ENDED")] = None,
    type_: Annotated[
        str | None,
        Query(
            alias="type",
            description="POINTS, PHYSICAL_VOUCHER, FREE_VOUCHER, VOUCHER",
            json_schema_extra=js.enum(Category),
        ),
    ] = None,
    name: Annotated[str | None, Query(description="Part of the name, any case")] = None,
    startDate: Annotated[
        str | None, Query(description="Active on or after. " + _DATE_DOC, json_schema_extra=_DATE)
    ] = None,
    endDate: Annotated[
        str | None, Query(description="Active on or before. " + _DATE_DOC, json_schema_extra=_DATE)
    ] = None,
    page: Annotated[int, Query(ge=0, le=MAX_PAGE_NUMBER, description="0-based page")] = 0,
    size: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> RewardsEnvelope:
    """A brand's rewards, oldest first, filtered by state, type, name and active date range."""
    rewards = RewardService(session).brand_page(
        principal.org_id,
        brandId,
        state=status_,
        category=type_,
        name=name,
        active_from=as_datetime(startDate, "startDate") if startDate else None,
        active_to=as_datetime(endDate, "endDate") if endDate else None,
        offset=page * size,
        limit=size,
    )
    return RewardsEnvelope(
        status=Status(**status(LISTED)),
        rewards=[reward_detail(r) for r in rewards],
        pagination={"page": page, "size": size, "count": len(rewards)},
    )


async def reward_detail_reads(request: Request) -> RewardDetailReads:
    reads: RewardDetailReads = request.app.state.reward_detail_reads
    return reads


@router.get("/v1/reward/{rewardId}/brand/{brandId}", response_model=RewardEnvelope, responses=_errors(401, 403, 404))
async def get_reward(
    principal: CatalogReader,
    reads: Annotated[RewardDetailReads, Depends(reward_detail_reads)],
    rewardId: RewardIdPath,
    brandId: RowIdPath,
) -> Response:
    """A reward of a brand, by its id (6001)."""
    return Response(await reads.one(principal.org_id, rewardId, brandId), media_type="application/json")


@router.put("/v1/reward/{rewardId}/brand/{brandId}", responses=_errors(400, 401, 403, 404))
def update_reward(
    principal: CatalogWriter, session: DbSession, rewardId: RewardIdPath, brandId: RowIdPath, body: CapillaryRewardIn
) -> RewardEnvelope:
    """Update a reward; fields left out keep their values; what its state locks is refused (6006)."""
    changes = body.model_dump(exclude_unset=True)
    changes.pop("brandId", None)
    reward = RewardService(session).update_catalog(principal.org_id, rewardId, principal.key_id, changes, brandId)
    return RewardEnvelope(status=Status(**status(UPDATED)), reward={"id": reward.id})


async def user_reward_reads(request: Request) -> UserRewardReads:
    reads: UserRewardReads = request.app.state.user_reward_reads
    return reads


@router.get("/v1/user/reward/brand/{brandName}", response_model=RewardsEnvelope, responses=_errors(400, 401, 403, 404))
async def user_rewards(
    *,
    principal: CatalogReader,
    reads: Annotated[UserRewardReads, Depends(user_reward_reads)],
    brandName: BrandNamePath,
    userId: str | None = None,
    language: str | None = None,
    group: str | None = None,
    label: str | None = None,
    categoryId: int | None = None,
    minPoints: Annotated[float | None, Query(ge=0, le=MAX_SAFE_INTEGER, allow_inf_nan=False)] = None,
    maxPoints: Annotated[float | None, Query(ge=0, le=MAX_SAFE_INTEGER, allow_inf_nan=False)] = None,
    page: Annotated[int, Query(ge=0, le=MAX_PAGE_NUMBER)] = 0,
    size: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> Response:
    """The live rewards of a brand this customer may have, by priority then rank."""
    filters = OfferFilters(group=group, label=label, category_id=categoryId, min_points=minPoints, max_points=maxPoints)
    body = await reads.page(
        principal.org_id, brandName, userId, language=language, filters=filters, page=page, size=size
    )
    return Response(body, media_type="application/json")


@router.get("/v1/user/reward/{rewardId}/brand/{brandName}", responses=_errors(401, 403, 404))
def user_reward_detail(
    *,
    principal: CatalogReader,
    session: DbSession,
    rewardId: RewardIdPath,
    brandName: BrandNamePath,
    userId: str | None = None,
    language: str | None = None,
) -> RewardEnvelope:
    """One reward of a brand for a customer: rewardRestrictions.isValid says whether they may have it (6004 if
    missing or disabled)."""
    usage = UsageReader(session)
    offer = OfferService(session).for_customer(
        principal.org_id, brandName, rewardId, userId, lambda rows: usage.of(principal.org_id, rows, userId, utcnow())
    )
    return RewardEnvelope(status=Status(**status(USER_FETCHED)), reward=user_reward(offer, language))


@router.get(
    "/v1.1/user/rewards/{rewardId}",
    responses={
        **_errors(401, 403, 404),
        400: {
            # DATA_SCOPE_NOT_SUPPORTED (310141) comes in the connected-orgs API's own shape.
            "model": CapillaryError | ConnectedError,
            "description": "Invalid request; DATA-SCOPE ALL answers in the connected-orgs error shape (310141)",
        },
    },
)
def connected_reward(
    principal: CatalogReader,
    session: DbSession,
    rewardId: Annotated[
        str,
        Path(
            description="The reward's integer id.",
            json_schema_extra=js.exactly(js.DIGITS_ID),
        ),
    ],
    data_scope: Annotated[
        str | None,
        Header(
            alias="DATA-SCOPE",
            description="SELF (default) or OTHER, any case; ALL is refused (400, 310141).",
            json_schema_extra=js.enum(("SELF", "OTHER")),
        ),
    ] = None,
    data_scope_org: Annotated[
        str | None,
        Header(
            alias="DATA-SCOPE-ORG",
            description="With OTHER: comma-separated org ids of the connected tree",
            json_schema_extra=js.exactly({"type": "string", "pattern": "^[0-9a-fA-F-]+( *, *[0-9a-fA-F-]+)*$"}),
        ),
    ] = None,
) -> RewardEnvelope:
    """A reward by id across connected orgs, honouring its orgLevelRestrictions."""
    reward = OfferService(session).connected(principal.org_id, rewardId, data_scope, data_scope_org)
    return RewardEnvelope(status=Status(**status(FETCHED)), reward=reward_detail(reward))


# ---- issuing ------------------------------------------------------------------------------


@router.post("/v1/user/reward/{rewardId}/issue", response_model=None, responses=_errors(400, 401, 403, 404, 409))
@brief
def issue_user_reward(
    *,
    principal: Issuer,
    session: DbSession,
    rewardId: RewardIdPath,
    body: CapillaryIssue,
    username: Annotated[str | None, Query(description="The till (store) issuing it, recorded on the issuance.")] = None,
    skip_validation: Annotated[
        bool, Query(description="true: the caller vouches for the customer; the reward's audience is not judged.")
    ] = False,
) -> AfterCommit[Response]:
    """Capillary's "Issue user reward": the customer named by mobile, email or externalId takes the reward (or
    every reward of rewards[]) in one transaction; transactionNumber makes a retry answer the first answer."""
    values = body.model_dump(exclude_none=True)
    number = values.get("transactionNumber")

    def issue() -> str:
        issued = CapillaryIssueService(session).issue(
            principal.org_id, rewardId, values, till=username, trusted=skip_validation, now=utcnow()
        )
        return json.dumps(issue_answer(issued), separators=(",", ":"))

    key = str(number) if number is not None else None
    once = Once(principal.org_id, ISSUE, key, {**values, "path": rewardId, "till": username})
    # Rendered in the unit: Capillary's answer reads the reward's localized details from rows the
    # session loaded, which are not to be read once it is closed.
    return answer_once(session, once, issue, lambda answer: answer, status=200)


CustomerIdPath = Annotated[
    str,
    Path(
        description="The customer's integer id (customerId in Capillary's terms).",
        json_schema_extra=js.exactly(js.DIGITS_ID),
    ),
]


@router.get("/v1/management/customer/{customerId}/issuals", responses=_errors(400, 401, 403, 404))
def customer_issuals(
    *,
    principal: CustomersReader,
    session: DbSession,
    customerId: CustomerIdPath,
    page: Annotated[int, Query(ge=0, le=MAX_PAGE_NUMBER)] = 0,
    size: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    status: Annotated[bool | None, Query(description="true: issued; false: failed (Laurels records none)")] = None,
    redemptionType: Annotated[str | None, Query(description="Comma-separated redemption types")] = None,
    ownerType: str | None = None,
    ownerId: str | None = None,
    groupName: str | None = None,
    rewardId: Annotated[int | None, Query(ge=1, le=MAX_SAFE_INTEGER)] = None,
) -> dict[str, Any]:
    """Every reward issued to the customer, newest first, in Capillary's shape."""
    service = CapillaryIssueService(session)
    customer = service.customer(principal.org_id, _customer_pk(customerId))
    filters = {
        "status": status,
        "redemptionType": [t.strip() for t in redemptionType.split(",") if t.strip()] if redemptionType else None,
        "ownerType": ownerType,
        "ownerId": ownerId,
        "groupName": groupName,
        "rewardId": rewardId,
    }
    rows = [(i, r) for i, r in service.issuals(principal.org_id, customer) if matches(i, r, filters)]
    shown = rows[page * size : (page + 1) * size]
    return {
        "status": {"success": True, "code": 200, "message": "Reward issue transactions fetched successfully"},
        "rewardIssueTransactions": [issual_item(i, r) for i, r in shown],
        "pagingDto": paging(len(rows), page, size, len(shown)),
    }


@router.get("/v1/management/customer/{customerId}/issuals/{rewardTransactionId}", responses=_errors(401, 403, 404))
def customer_issual(
    *,
    principal: CustomersReader,
    session: DbSession,
    customerId: CustomerIdPath,
    rewardTransactionId: Annotated[
        str,
        Path(
            description="The issuance's integer id (the issue API's transactionId).",
            json_schema_extra=js.exactly(js.DIGITS_ID),
        ),
    ],
    coupon_code_case: Annotated[
        str | None, Query(description="LOWER, UPPER (default) or AS_IT_IS", json_schema_extra=js.enum(COUPON_CASES))
    ] = None,
    couponCodeCase: Annotated[
        str | None,
        Query(description="The same, as some of Capillary's samples spell it", json_schema_extra=js.enum(COUPON_CASES)),
    ] = None,
) -> dict[str, Any]:
    """One reward issued to the customer, in Capillary's shape (6004 if it is not theirs)."""
    service = CapillaryIssueService(session)
    customer = service.customer(principal.org_id, _customer_pk(customerId))
    issuance, reward = service.issual(principal.org_id, customer, _customer_pk(rewardTransactionId))
    return {
        "status": [{"success": True, "code": 200, "message": "Reward issue transactions details fetched successfully"}],
        "data": issual_detail(issuance, reward, customer, coupon_code_case or couponCodeCase),
    }


def _customer_pk(digits: str) -> int:
    """An all-digit path id; one past the 32-bit ids Laurels hands out (or not digits) finds nothing,
    and is never sent to the database, whose integer column would refuse it."""
    value = int(digits) if digits.isdigit() and len(digits) <= 10 else 0
    return value if value <= INT32_MAX else 0
