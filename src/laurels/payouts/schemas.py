"""Request and response bodies of reward groups and payout schemes.

Bodies take ``rewards`` and ``rules`` as any JSON and leave them to
:mod:`laurels.payouts.rules`, which names the exact field it refuses
(``rewards[3].rewardId``); the OpenAPI document still shows their shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

import pycountry
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from laurels.issuance.schemas import IssuanceOut
from laurels.kit import schema as js
from laurels.kit.clock import iso_ms
from laurels.kit.validation import DESCRIPTION_MAX, NAME_MAX
from laurels.payouts.models import PayoutDraft, PayoutScheme, RewardGroup, RewardGroupItem
from laurels.payouts.rules import MAX_GROUP_REWARDS, MAX_RULE_GROUPS, MAX_RULES, PRIORITY_MAX, PRIORITY_MIN
from laurels.reference.countries import all_countries
from laurels.rewards.models import Reward

NAME_DOC = "1 to 255 characters on one line."
_NAME = WithJsonSchema(js.name(NAME_MAX, NAME_DOC + " Unique in the org regardless of case."))
_SCHEME_NAME = WithJsonSchema(js.name(NAME_MAX, NAME_DOC))
_DESCRIPTION = WithJsonSchema(js.prose(DESCRIPTION_MAX, "At most 4000 characters; null clears it."))
# What payouts.rules.currency_code and country_code take (either case; upper case here).
CURRENCIES = sorted(c.alpha_3 for c in pycountry.currencies)
COUNTRIES = [c.code for c in all_countries()]


def _items(*, nullable: bool) -> WithJsonSchema:
    return WithJsonSchema(
        {
            "type": ["array", "null"] if nullable else "array",
            "maxItems": MAX_GROUP_REWARDS,
            "description": "The group's rewards, in order; each reward at most once. An item is switched off "
            "(kept, not offered) with enabled: false.",
            "items": {
                "type": "object",
                "required": ["rewardId", "enabled"],
                # payouts.rules refuses keys it does not know: a misspelt one would silently change the group.
                "additionalProperties": False,
                "properties": {
                    "rewardId": {
                        "anyOf": [{"type": "string", "pattern": js.NON_BLANK}, {"type": "integer"}],
                        "description": "A reward of the org's catalog: its rewardId or integer id.",
                    },
                    "enabled": {"type": "boolean"},
                },
            },
        }
    )


def _rules(*, nullable: bool) -> WithJsonSchema:
    return WithJsonSchema(
        {
            "type": ["array", "null"] if nullable else "array",
            "maxItems": MAX_RULES,
            "description": "Collection rules. The rule with the lowest priority that matches decides "
            "(equal priorities: the earlier in this list).",
            "items": {
                "type": "object",
                "required": ["priority", "currency", "rewardGroupIds"],
                "additionalProperties": False,
                "properties": {
                    "priority": js.integer(PRIORITY_MIN, PRIORITY_MAX, "Lower is tried first."),
                    "currency": {"type": "string", "enum": CURRENCIES, "description": "ISO 4217 code, e.g. EUR."},
                    "countries": {
                        "type": ["array", "null"],
                        "maxItems": 1000,
                        "uniqueItems": True,
                        "items": {"type": "string", "enum": COUNTRIES},
                        "description": "ISO 3166-1 alpha-2 codes, each at most once; empty or absent: every country.",
                    },
                    "minimumValue": {
                        "type": ["number", "null"],
                        "minimum": 0,
                        "description": "Inclusive; null: no lower bound. At most maximumValue.",
                    },
                    "maximumValue": {
                        "type": ["number", "null"],
                        "minimum": 0,
                        "description": "Inclusive; null: no upper bound.",
                    },
                    "rewardGroupIds": {
                        "type": "array",
                        "minItems": 1,
                        "maxItems": MAX_RULE_GROUPS,
                        "uniqueItems": True,
                        "items": {"type": "string", "format": "uuid"},
                        "description": "Reward groups of the org, each at most once.",
                    },
                },
            },
        }
    )


# ---- reward groups ------------------------------------------------------------


class RewardGroupCreate(BaseModel):
    model_config = ConfigDict(json_schema_extra=js.required("name", "rewards"))

    name: Annotated[str | None, _NAME] = None
    rewards: Annotated[Any, _items(nullable=False)] = None


class RewardGroupUpdate(BaseModel):
    """Fields left out keep their values; ``rewards`` replaces the whole list."""

    name: Annotated[str | None, _NAME] = None
    rewards: Annotated[Any, _items(nullable=False)] = None


class RewardItemOut(BaseModel):
    rewardId: str = Field(description="The reward's rewardId (also when it was named by its integer id).")
    enabled: bool


class RewardGroupOut(BaseModel):
    rewardGroupId: str = Field(description="GUID, generated.")
    name: str
    rewards: list[RewardItemOut]
    createdAt: str
    updatedAt: str

    @classmethod
    def of(cls, group: RewardGroup, items: Sequence[tuple[RewardGroupItem, Reward]]) -> RewardGroupOut:
        return cls(
            rewardGroupId=group.reward_group_id,
            name=group.name,
            rewards=[RewardItemOut(rewardId=reward.reward_id, enabled=item.enabled) for item, reward in items],
            createdAt=iso_ms(group.created_at),
            updatedAt=iso_ms(group.updated_at),
        )


class RewardGroupCreated(BaseModel):
    message: str = "Reward group created successfully"
    rewardGroup: RewardGroupOut


class RewardGroupList(BaseModel):
    rewardGroups: list[RewardGroupOut]
    count: int
    nextCursor: str | None


# ---- payout schemes -------------------------------------------------------------


class PayoutSchemeCreate(BaseModel):
    model_config = ConfigDict(json_schema_extra=js.required("name"))

    name: Annotated[str | None, _SCHEME_NAME] = None
    description: Annotated[str | None, _DESCRIPTION] = None


class PayoutSchemeUpdate(BaseModel):
    """Fields left out keep their values; a null description clears it."""

    name: Annotated[str | None, _SCHEME_NAME] = None
    description: Annotated[str | None, _DESCRIPTION] = None


class DraftCreate(BaseModel):
    rules: Annotated[Any, _rules(nullable=True)] = None
    fromDraftId: str | None = Field(
        default=None,
        description="Start from a copy of this draft's rules (any status; draftId or version); "
        "used when rules is absent.",
    )


class DraftUpdate(BaseModel):
    """Replaces the draft's rules; only while the draft is unpublished."""

    rules: Annotated[Any, _rules(nullable=False)] = None


class PublishDraft(BaseModel):
    expectedActiveDraftId: str | None = Field(
        default=None,
        description="When given, publish only if this is still the scheme's active draft (null: only if none "
        "is); otherwise 409 ACTIVE_DRAFT_CHANGED. Guards against two people publishing over each other.",
    )


class RuleOut(BaseModel):
    priority: int
    currency: str
    countries: list[str]
    minimumValue: int | float | None
    maximumValue: int | float | None
    rewardGroupIds: list[str]


class DraftOut(BaseModel):
    draftId: str = Field(description="GUID, generated.")
    version: int = Field(description="1, 2, 3 … in the order drafts were created; also addresses the draft.")
    status: Literal["draft", "published", "superseded"]
    rules: list[RuleOut]
    createdAt: str
    updatedAt: str
    publishedAt: str | None
    supersededAt: str | None

    @classmethod
    def of(cls, draft: PayoutDraft) -> DraftOut:
        return cls(
            draftId=draft.draft_id,
            version=draft.version,
            status=draft.status,
            rules=[RuleOut.model_validate(rule) for rule in draft.rules],
            createdAt=iso_ms(draft.created_at),
            updatedAt=iso_ms(draft.updated_at),
            publishedAt=iso_ms(draft.published_at) if draft.published_at else None,
            supersededAt=iso_ms(draft.superseded_at) if draft.superseded_at else None,
        )


class DraftCreated(BaseModel):
    message: str = "Draft created successfully"
    draft: DraftOut


class PayoutSchemeOut(BaseModel):
    payoutSchemeId: str = Field(description="GUID, generated.")
    name: str
    description: str | None
    activeDraftId: str | None = Field(description="The published draft that options evaluate; null if none.")
    drafts: list[DraftOut] = Field(description="Every draft, by version: unpublished, active and superseded.")
    createdAt: str
    updatedAt: str

    @classmethod
    def of(cls, scheme: PayoutScheme, drafts: Sequence[PayoutDraft]) -> PayoutSchemeOut:
        return cls(
            payoutSchemeId=scheme.payout_scheme_id,
            name=scheme.name,
            description=scheme.description,
            activeDraftId=next((d.draft_id for d in drafts if d.active), None),
            drafts=[DraftOut.of(d) for d in drafts],
            createdAt=iso_ms(scheme.created_at),
            updatedAt=iso_ms(scheme.updated_at),
        )


class PayoutSchemeCreated(BaseModel):
    message: str = "Payout scheme created successfully"
    payoutScheme: PayoutSchemeOut


class PayoutSchemeList(BaseModel):
    payoutSchemes: list[PayoutSchemeOut]
    count: int
    nextCursor: str | None


class OptionOut(BaseModel):
    rewardId: str
    id: int = Field(description="The reward's integer id.")
    name: str
    description: str | None
    rewardType: str | None
    rewardGroupId: str = Field(description="The group it is offered through (its first, if in several).")


class OptionsOut(BaseModel):
    payoutSchemeId: str
    draftId: str | None = Field(description="The active draft evaluated; null when there is none.")
    version: int | None
    ruleIndex: int | None = Field(description="Position in the draft's rules of the rule that decided.")
    rule: RuleOut | None
    reason: Literal["NO_ACTIVE_DRAFT", "NO_RULE_MATCHES", "NO_AVAILABLE_REWARDS"] | None = Field(
        description="Why rewards is empty; null when it is not."
    )
    rewards: list[OptionOut]
    count: int


class PayoutBody(BaseModel):
    model_config = ConfigDict(json_schema_extra=js.required("userId", "value", "currency", "country", "rewardId"))

    userId: Annotated[
        str | None, WithJsonSchema(js.name(128, "The recipient; an unknown userId becomes a customer."))
    ] = None
    value: Annotated[
        str | float | None,
        WithJsonSchema(
            {
                "description": "The payout's value, zero or more: a number or plain decimal digits, e.g. 25.50.",
                "oneOf": [{"type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?$"}, {"type": "number", "minimum": 0}],
            }
        ),
    ] = None
    currency: Annotated[
        str | None, WithJsonSchema({"type": "string", "enum": CURRENCIES, "description": "ISO 4217."})
    ] = None
    country: Annotated[
        str | None, WithJsonSchema({"type": "string", "enum": COUNTRIES, "description": "ISO 3166-1 alpha-2."})
    ] = None
    rewardId: Annotated[
        str | int | None,
        WithJsonSchema(
            {
                "description": "The chosen reward: its rewardId, or its integer id.",
                "oneOf": [js.ROW_REF, {"type": "integer", "minimum": 1}],
            }
        ),
    ] = None


class PaidOut(BaseModel):
    message: str = "Payout issued successfully"
    result: IssuanceOut
