"""Native API for reward groups (/v1/reward-groups) and payout schemes (/v1/payout-schemes)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from laurels.issuance.models import Issuance
from laurels.issuance.routes import IdempotencyKey, Issuer, Once, answer_once
from laurels.issuance.schemas import IssuanceOut
from laurels.issuance.service import PAYOUT
from laurels.kit import schema as js
from laurels.kit.clock import utcnow
from laurels.kit.http import DbSession, Envelope, Message, error_responses, ok
from laurels.kit.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from laurels.kit.routing import AfterCommit
from laurels.kit.unit import UnitRoute, brief
from laurels.payouts.schemas import (
    COUNTRIES,
    CURRENCIES,
    DraftCreate,
    DraftCreated,
    DraftOut,
    DraftUpdate,
    OptionOut,
    OptionsOut,
    PaidOut,
    PayoutBody,
    PayoutSchemeCreate,
    PayoutSchemeCreated,
    PayoutSchemeList,
    PayoutSchemeOut,
    PayoutSchemeUpdate,
    PublishDraft,
    RewardGroupCreate,
    RewardGroupCreated,
    RewardGroupList,
    RewardGroupOut,
    RewardGroupUpdate,
    RuleOut,
)
from laurels.payouts.service import GroupView, PayoutSchemeService, RewardGroupService, SchemeView
from laurels.tenancy.auth import GroupsReader, GroupsWriter

# Reward groups and payout schemes are read and changed under these two scopes.

router = APIRouter(route_class=UnitRoute)

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size")]
Cursor = Annotated[
    str | None, Query(description="nextCursor of the previous page", json_schema_extra=js.exactly(js.CURSOR))
]
_GUID: js.JsonSchema = {"type": "string", "format": "uuid"}
RewardGroupIdPath = Annotated[str, Path(description="GUID.", json_schema_extra=js.exactly(_GUID))]
SchemeIdPath = Annotated[str, Path(description="GUID.", json_schema_extra=js.exactly(_GUID))]
DraftIdPath = Annotated[
    str,
    Path(
        description="The draft's draftId (a GUID) or its version (1, 2, 3 ...).",
        json_schema_extra=js.exactly({"anyOf": [_GUID, {"type": "string", "pattern": "^[0-9]{1,9}$"}]}),
    ),
]


def _group(view: GroupView) -> RewardGroupOut:
    return RewardGroupOut.of(view.group, view.items)


def _scheme(view: SchemeView) -> PayoutSchemeOut:
    return PayoutSchemeOut.of(view.scheme, view.drafts)


# ---- reward groups ----------------------------------------------------------------

GROUPS: list[str | Enum] = ["reward groups"]


@router.get("/reward-groups", tags=GROUPS, responses=error_responses(400, 401, 403))
def list_reward_groups(
    principal: GroupsReader, session: DbSession, limit: Limit = DEFAULT_PAGE_SIZE, cursor: Cursor = None
) -> Envelope[RewardGroupList]:
    """Get all reward groups of the org, oldest first, a page at a time."""
    views, following = RewardGroupService(session).list(principal.org_id, cursor=cursor, limit=limit)
    items = [_group(v) for v in views]
    return ok(RewardGroupList(rewardGroups=items, count=len(items), nextCursor=following))


@router.post("/reward-groups", tags=GROUPS, status_code=201, responses=error_responses(400, 401, 403, 409))
def create_reward_group(
    principal: GroupsWriter, session: DbSession, body: RewardGroupCreate
) -> Envelope[RewardGroupCreated]:
    """Add a reward group: a name unique in the org (regardless of case) and rewards of the org's catalog."""
    return ok(
        RewardGroupCreated(rewardGroup=_group(RewardGroupService(session).create(principal.org_id, body.model_dump())))
    )


@router.get("/reward-groups/{rewardGroupId}", tags=GROUPS, responses=error_responses(401, 403, 404))
def get_reward_group(
    principal: GroupsReader, session: DbSession, rewardGroupId: RewardGroupIdPath
) -> Envelope[RewardGroupOut]:
    """Get a reward group."""
    return ok(_group(RewardGroupService(session).get(principal.org_id, rewardGroupId)))


@router.put("/reward-groups/{rewardGroupId}", tags=GROUPS, responses=error_responses(400, 401, 403, 404, 409))
def update_reward_group(
    principal: GroupsWriter, session: DbSession, rewardGroupId: RewardGroupIdPath, body: RewardGroupUpdate
) -> Envelope[RewardGroupOut]:
    """Update a reward group: rename it, or replace its rewards (switch one off with enabled: false)."""
    return ok(
        _group(RewardGroupService(session).update(principal.org_id, rewardGroupId, body.model_dump(exclude_unset=True)))
    )


@router.delete("/reward-groups/{rewardGroupId}", tags=GROUPS, responses=error_responses(400, 401, 403, 404))
def delete_reward_group(
    principal: GroupsWriter, session: DbSession, rewardGroupId: RewardGroupIdPath
) -> Envelope[Message]:
    """Delete a reward group; refused with 400 REWARD_GROUP_IN_USE while a published draft references it."""
    RewardGroupService(session).delete(principal.org_id, rewardGroupId)
    return ok(Message(message="Reward group deleted successfully"))


# ---- payout schemes ---------------------------------------------------------------

SCHEMES: list[str | Enum] = ["payout schemes"]


@router.get("/payout-schemes", tags=SCHEMES, responses=error_responses(400, 401, 403))
def list_payout_schemes(
    principal: GroupsReader, session: DbSession, limit: Limit = DEFAULT_PAGE_SIZE, cursor: Cursor = None
) -> Envelope[PayoutSchemeList]:
    """List the org's payout schemes with their drafts, oldest first, a page at a time."""
    views, following = PayoutSchemeService(session).list(principal.org_id, cursor=cursor, limit=limit)
    items = [_scheme(v) for v in views]
    return ok(PayoutSchemeList(payoutSchemes=items, count=len(items), nextCursor=following))


@router.post("/payout-schemes", tags=SCHEMES, status_code=201, responses=error_responses(400, 401, 403))
def create_payout_scheme(
    principal: GroupsWriter, session: DbSession, body: PayoutSchemeCreate
) -> Envelope[PayoutSchemeCreated]:
    """Create a payout scheme, without drafts."""
    return ok(
        PayoutSchemeCreated(
            payoutScheme=_scheme(PayoutSchemeService(session).create(principal.org_id, body.model_dump()))
        )
    )


@router.get("/payout-schemes/{payoutSchemeId}", tags=SCHEMES, responses=error_responses(401, 403, 404))
def get_payout_scheme(
    principal: GroupsReader, session: DbSession, payoutSchemeId: SchemeIdPath
) -> Envelope[PayoutSchemeOut]:
    """Get a payout scheme with its active draft id and every draft."""
    return ok(_scheme(PayoutSchemeService(session).get(principal.org_id, payoutSchemeId)))


@router.put("/payout-schemes/{payoutSchemeId}", tags=SCHEMES, responses=error_responses(400, 401, 403, 404))
def update_payout_scheme(
    principal: GroupsWriter, session: DbSession, payoutSchemeId: SchemeIdPath, body: PayoutSchemeUpdate
) -> Envelope[PayoutSchemeOut]:
    """Rename a payout scheme or change its description."""
    return ok(
        _scheme(
            PayoutSchemeService(session).update(principal.org_id, payoutSchemeId, body.model_dump(exclude_unset=True))
        )
    )


@router.delete("/payout-schemes/{payoutSchemeId}", tags=SCHEMES, responses=error_responses(401, 403, 404))
def delete_payout_scheme(
    principal: GroupsWriter, session: DbSession, payoutSchemeId: SchemeIdPath
) -> Envelope[Message]:
    """Delete a payout scheme and all its drafts (its groups are no longer in use by it)."""
    PayoutSchemeService(session).delete(principal.org_id, payoutSchemeId)
    return ok(Message(message="Payout scheme deleted successfully"))


@router.post(
    "/payout-schemes/{payoutSchemeId}/drafts",
    tags=SCHEMES,
    status_code=201,
    responses=error_responses(400, 401, 403, 404),
)
def create_draft(
    principal: GroupsWriter, session: DbSession, payoutSchemeId: SchemeIdPath, body: DraftCreate
) -> Envelope[DraftCreated]:
    """Create an unpublished draft with collection rules (or a copy of another draft's)."""
    draft = PayoutSchemeService(session).create_draft(principal.org_id, payoutSchemeId, body.model_dump())
    return ok(DraftCreated(draft=DraftOut.of(draft)))


@router.get("/payout-schemes/{payoutSchemeId}/drafts/{draftId}", tags=SCHEMES, responses=error_responses(401, 403, 404))
def get_draft(
    principal: GroupsReader, session: DbSession, payoutSchemeId: SchemeIdPath, draftId: DraftIdPath
) -> Envelope[DraftOut]:
    """Get a draft, by draftId or version."""
    return ok(DraftOut.of(PayoutSchemeService(session).get_draft(principal.org_id, payoutSchemeId, draftId)))


@router.put(
    "/payout-schemes/{payoutSchemeId}/drafts/{draftId}",
    tags=SCHEMES,
    responses=error_responses(400, 401, 403, 404, 409),
)
def update_draft(
    principal: GroupsWriter, session: DbSession, payoutSchemeId: SchemeIdPath, draftId: DraftIdPath, body: DraftUpdate
) -> Envelope[DraftOut]:
    """Replace an unpublished draft's rules; a published or superseded draft answers 409 DRAFT_NOT_EDITABLE."""
    draft = PayoutSchemeService(session).update_draft(
        principal.org_id, payoutSchemeId, draftId, body.model_dump(exclude_unset=True)
    )
    return ok(DraftOut.of(draft))


@router.delete(
    "/payout-schemes/{payoutSchemeId}/drafts/{draftId}",
    tags=SCHEMES,
    responses=error_responses(401, 403, 404, 409),
)
def delete_draft(
    principal: GroupsWriter, session: DbSession, payoutSchemeId: SchemeIdPath, draftId: DraftIdPath
) -> Envelope[Message]:
    """Delete an unpublished draft; published ones are kept (409 DRAFT_NOT_EDITABLE)."""
    PayoutSchemeService(session).delete_draft(principal.org_id, payoutSchemeId, draftId)
    return ok(Message(message="Draft deleted successfully"))


@router.post(
    "/payout-schemes/{payoutSchemeId}/drafts/{draftId}/publish",
    tags=SCHEMES,
    responses=error_responses(400, 401, 403, 404, 409),
)
def publish_draft(
    principal: GroupsWriter,
    session: DbSession,
    payoutSchemeId: SchemeIdPath,
    draftId: DraftIdPath,
    body: PublishDraft | None = None,
) -> Envelope[PayoutSchemeOut]:
    """Publish a draft: it becomes the scheme's one active draft, and the active one before it is kept
    as history (superseded). Every reward group it names must still exist. The body is optional."""
    view = PayoutSchemeService(session).publish(
        principal.org_id, payoutSchemeId, draftId, None if body is None else body.model_dump(exclude_unset=True)
    )
    return ok(_scheme(view))


@router.get("/payout-schemes/{payoutSchemeId}/options", tags=SCHEMES, responses=error_responses(400, 401, 403, 404))
def get_options(
    *,
    principal: GroupsReader,
    session: DbSession,
    payoutSchemeId: SchemeIdPath,
    # Required, but checked by the service (payouts.rules.parse_query), so that one refusal lists every missing one.
    value: Annotated[
        str | None,
        Query(
            description="The payout's value, zero or more in plain decimal notation, e.g. 25 or 25.50.",
            json_schema_extra=js.exactly(
                {"type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?$", **js.REQUIRED_PARAMETER}
            ),
        ),
    ] = None,
    currency: Annotated[
        str | None,
        Query(
            description="ISO 4217 code, e.g. EUR (any case).",
            json_schema_extra=js.exactly({"type": "string", "enum": CURRENCIES, **js.REQUIRED_PARAMETER}),
        ),
    ] = None,
    country: Annotated[
        str | None,
        Query(
            description="The recipient's country, ISO 3166-1 alpha-2 (any case).",
            json_schema_extra=js.exactly({"type": "string", "enum": COUNTRIES, **js.REQUIRED_PARAMETER}),
        ),
    ] = None,
) -> Envelope[OptionsOut]:
    """The rewards a recipient may choose from: the active draft's first matching rule (lowest priority,
    then list order) and the enabled, LIVE rewards of its groups, in order. Nothing offered: an empty list
    and a reason (NO_ACTIVE_DRAFT, NO_RULE_MATCHES or NO_AVAILABLE_REWARDS)."""
    options = PayoutSchemeService(session).options(
        principal.org_id, payoutSchemeId, value=value, currency=currency, country=country
    )
    draft = options.draft
    rewards = [
        OptionOut(
            rewardId=o.reward.reward_id,
            id=o.reward.id,
            name=o.reward.name,
            description=o.reward.description,
            rewardType=o.reward.reward_type,
            rewardGroupId=o.reward_group_id,
        )
        for o in options.rewards
    ]
    rule = draft.rules[options.rule_index] if draft is not None and options.rule_index is not None else None
    return ok(
        OptionsOut(
            payoutSchemeId=options.scheme.payout_scheme_id,
            draftId=draft.draft_id if draft else None,
            version=draft.version if draft else None,
            ruleIndex=options.rule_index,
            rule=RuleOut.model_validate(rule) if rule is not None else None,
            reason=options.reason.value if options.reason else None,
            rewards=rewards,
            count=len(rewards),
        )
    )


@router.post(
    "/payout-schemes/{payoutSchemeId}/payouts",
    tags=SCHEMES,
    status_code=201,
    response_model=Envelope[PaidOut],
    responses=error_responses(400, 401, 403, 404, 409),
)
@brief
def pay_out(
    principal: Issuer,
    session: DbSession,
    payoutSchemeId: SchemeIdPath,
    body: PayoutBody,
    idempotency_key: IdempotencyKey = None,
) -> AfterCommit[Response]:
    """Issue the reward a recipient chose, if it is among the scheme's options for their value, currency and
    country (409 REWARD_NOT_OFFERED; NO_ACTIVE_DRAFT when nothing is published)."""
    values = body.model_dump()

    def pay_out() -> Issuance:
        return PayoutSchemeService(session).pay_out(principal.org_id, payoutSchemeId, values, utcnow())

    def render(issuance: Issuance) -> str:
        return ok(PaidOut(result=IssuanceOut.of(issuance))).model_dump_json(exclude_none=True)

    once = Once(principal.org_id, PAYOUT, idempotency_key, {**values, "scheme": payoutSchemeId})
    return answer_once(session, once, pay_out, render)
