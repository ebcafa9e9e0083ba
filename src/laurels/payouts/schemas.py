"""Request and response bodies of reward groups and payout schemes.

Bodies take ``rewards`` and ``rules`` as any JSON and leave them to
:mod:`laurels.payouts.rules`, which names the exact field it refuses
(``rewards[3].rewardId``); the OpenAPI document still shows their shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from laurels.kit.clock import iso_ms
from laurels.payouts.models import PayoutDraft, PayoutScheme, RewardGroup, RewardGroupItem
from laurels.payouts.rules import MAX_GROUP_REWARDS, MAX_RULE_GROUPS, MAX_RULES
from laurels.rewards.models import Reward

NAME_DOC = "1 to 255 characters."

_ITEMS = WithJsonSchema(
    {
        "type": "array",
        "maxItems": MAX_GROUP_REWARDS,
        "description": "The group's rewards, in order; each reward at most once. An item is switched off "
        "(kept, not offered) with enabled: false.",
        "items": {
            "type": "object",
            "required": ["rewardId", "enabled"],
            "properties": {
                "rewardId": {
                    "type": ["string", "integer"],
                    "description": "A reward of the org's catalog: its rewardId or integer id.",
                },
                "enabled": {"type": "boolean"},
            },
        },
    }
)

_RULES = WithJsonSchema(
    {
        "type": "array",
        "maxItems": MAX_RULES,
        "description": "Collection rules. The rule with the lowest priority that matches decides "
        "(equal priorities: the earlier in this list).",
        "items": {
            "type": "object",
            "required": ["priority", "currency", "rewardGroupIds"],
            "properties": {
                "priority": {"type": "integer", "description": "Lower is tried first."},
                "currency": {"type": "string", "description": "ISO 4217 code, e.g. EUR."},
                "countries": {
                    "type": ["array", "null"],
                    "items": {"type": "string"},
                    "description": "ISO 3166-1 alpha-2 codes; empty or absent: every country.",
                },
                "minimumValue": {"type": ["number", "null"], "description": "Inclusive; null: no lower bound."},
                "maximumValue": {"type": ["number", "null"], "description": "Inclusive; null: no upper bound."},
                "rewardGroupIds": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": MAX_RULE_GROUPS,
                    "items": {"type": "string", "format": "uuid"},
                },
            },
        },
    }
)


# ---- reward groups ------------------------------------------------------------


class RewardGroupCreate(BaseModel):
    model_config = ConfigDict(json_schema_extra={"required": ["name", "rewards"]})

    name: str | None = Field(default=None, description=NAME_DOC + " Unique in the org regardless of case.")
    rewards: Annotated[Any, _ITEMS] = None


class RewardGroupUpdate(BaseModel):
    """Fields left out keep their values; ``rewards`` replaces the whole list."""

    name: str | None = Field(default=None, description=NAME_DOC + " Unique in the org regardless of case.")
    rewards: Annotated[Any, _ITEMS] = None


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
    model_config = ConfigDict(json_schema_extra={"required": ["name"]})

    name: str | None = Field(default=None, description=NAME_DOC)
    description: str | None = None


class PayoutSchemeUpdate(BaseModel):
    """Fields left out keep their values; a null description clears it."""

    name: str | None = Field(default=None, description=NAME_DOC)
    description: str | None = None


class DraftCreate(BaseModel):
    rules: Annotated[Any, _RULES] = None
    fromDraftId: str | None = Field(
        default=None,
        description="Start from a copy of this draft's rules (any status; draftId or version); "
        "used when rules is absent.",
    )


class DraftUpdate(BaseModel):
    """Replaces the draft's rules; only while the draft is unpublished."""

    rules: Annotated[Any, _RULES] = None


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
