"""Request and response bodies of the native rewards API.

Seed 004's resource (``rewardId``, ``name``, ``rewardType``, ``config``,
``status``, ``metadata`` ...) plus seed 003's catalog blocks under seed 003's
own names, so a reward reads the same whichever vocabulary wrote it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from laurels.kit.clock import iso_ms, utcnow
from laurels.kit.http import Message
from laurels.rewards.catalog import Category, PaymentMode, RedemptionType
from laurels.rewards.lifecycle import state_of
from laurels.rewards.models import Reward
from laurels.rewards.rules import REWARD_TYPES, STATUSES
from laurels.rewards.state import DOCUMENT, to_state

_TYPE_DOC = "points, product, competition_entry, unique_coupon or non_unique_coupon"
_CONFIG_DOC = (
    "Type-specific configuration. points: {amount}; product: {productId, quantity=1}; "
    "competition_entry: {competitionId, entries=1}; unique_coupon: {codePoolId}; "
    "non_unique_coupon: {code, discountType (percentage|fixed), discountValue}."
)


def _doc(description: str, **extra: Any) -> Any:
    return Field(default=None, description=description, json_schema_extra=extra or None)


class CatalogFieldsIn(BaseModel):
    """Seed 003's reward fields. Numbers may be sent as strings, as the vendor's examples do;
    each field is validated by the domain rules, which name the field when they refuse."""

    model_config = ConfigDict(extra="ignore")

    type: Any = _doc("Reward category.", enum=[c.value for c in Category])
    redemptionType: Any = _doc("How the reward is fulfilled.", enum=[r.value for r in RedemptionType])
    startTime: Any = _doc('Start, ISO 8601 or "YYYY-MM-DD HH:MM:SS", UTC. Aliases: startDate, startDateTime.')
    startDate: Any = _doc('Start, "YYYY-MM-DD HH:MM:SS" (UTC).')
    startDateTime: Any = _doc("Start, ISO 8601.")
    endTime: Any = _doc("End (inclusive to the second). Aliases: endDate, endDateTime.")
    endDate: Any = _doc('End, "YYYY-MM-DD HH:MM:SS" (UTC).')
    endDateTime: Any = _doc("End, ISO 8601.")
    enabled: Any = _doc("Whether the reward is switched on (seed 004's status active/inactive).")
    priority: Any = _doc("Lower applies first; default 0.")
    intouchPoints: Any = _doc("Points the reward costs (legacy; prefer paymentConfigs).")
    intouchSeriesId: Any = _doc("Coupon series: the integer id of a code pool (numeric for INTOUCH_REWARD).")
    tier: Any = _doc("Tier classification, at most 255 characters; blank resets it to null.")
    group: Any = _doc("Group name, at most 255 characters.")
    label: Any = _doc("Label, at most 255 characters.")
    tillId: Any = _doc("Till id.")
    programId: Any = _doc("Program id.")
    vendorId: Any = _doc("An existing vendor's id.")
    vendorRedemption: Any = _doc("The vendor's reward; only for vendor flows.")
    communications: Any = _doc("Communication ids.")
    categories: Any = _doc("Existing category ids.")
    geography: Any = _doc("[{countryId}] — see GET /v1/countries.")
    languageSpecificInfo: Any = _doc(
        "Per language: languageCode (unique), name, description, terms, image and thumbnail ids/urls, "
        "enabled, images and videos (at most 10 each), customFields, richContentRO."
    )
    customFields: Any = _doc("Custom field name -> value; names must be defined (scope reward).")
    owners: Any = _doc("[{ownerType, ownerId}]")
    supplementaryCriteriaRO: Any = _doc("Audience: [{loyaltyProgramId, tierIds, partnerProgramIds}]")
    segment: Any = _doc("Audience: [{segmentId, partitionId: [...]}]")
    cardSeries: Any = _doc("Audience: card series codes.")
    labels: Any = _doc("Audience: label ids.")
    groups: Any = _doc("[{groupName, groupRank}]")
    rewardRank: Any = _doc("Rank within its groups.")
    restrictions: Any = _doc(
        "Limits: {rewardLevel: [...], customerLevel: [...]}, each {kpi, windowType, repeatFrequencyType, "
        "interval, weekStartDay, startOfCycle, limit}."
    )
    rewardRevenueMeta: Any = _doc("[{commissionParticipant, commissionRate, cycleStartDate, cycleEndDate}]")
    rewardRevenueDefaults: Any = _doc("[{commissionParticipant, defaultValue}]")
    paymentConfigs: Any = _doc(
        "What it costs: [{paymentMode, points | cash | conversionRatio}].", modes=[m.value for m in PaymentMode]
    )
    orgLevelRestrictions: Any = _doc("Connected orgs: [{orgId, isValid}]")
    createdBy: Any = _doc("Who created it (default: the API key id).")
    lastUpdatedBy: Any = _doc("Who last changed it (default: the API key id).")


class RewardCreate(CatalogFieldsIn):
    # Required fields are checked by the domain rules, so one message can list
    # every missing one ("Missing required fields: name, rewardType, config").
    # Unknown fields are ignored, so a body read back from GET can be sent again.
    model_config = ConfigDict(extra="ignore", json_schema_extra={"required": ["name", "rewardType", "config"]})

    name: str | None = Field(default=None, description="Reward name (the default language's).", max_length=255)
    rewardType: str | None = Field(default=None, description=_TYPE_DOC, json_schema_extra={"enum": list(REWARD_TYPES)})
    config: dict[str, Any] | None = Field(default=None, description=_CONFIG_DOC)
    description: str | None = None
    status: str | None = Field(
        default=None, description="active (default) or inactive", json_schema_extra={"enum": list(STATUSES)}
    )
    metadata: dict[str, Any] | None = Field(default=None, description="Free-form metadata (default {}).")
    rewardId: str | None = Field(
        default=None,
        description="Optional id of your choosing; generated (rew_<uuid>) when absent. 409 if taken.",
    )
    brandId: int | None = Field(
        default=None, description="The brand it belongs to (Capillary addresses rewards per brand)."
    )


class RewardUpdate(CatalogFieldsIn):
    """Any field of create except rewardType; fields left out keep their values."""

    name: str | None = Field(default=None, max_length=255)
    config: dict[str, Any] | None = None
    description: str | None = None
    status: str | None = Field(default=None, json_schema_extra={"enum": list(STATUSES)})
    metadata: dict[str, Any] | None = None
    rewardType: str | None = Field(
        default=None, description="Cannot be changed; accepted only when equal to the current type."
    )


class RewardOut(BaseModel):
    id: int = Field(description="Integer id; addresses the same reward as rewardId.")
    orgId: str
    rewardId: str
    brandId: int | None
    name: str
    description: str | None
    rewardType: str | None = Field(description="null when the redemptionType has no seed 004 equivalent.")
    status: Literal["active", "inactive"]
    config: dict[str, Any]
    metadata: dict[str, Any]
    state: Literal["UPCOMING", "LIVE", "ENDED"]
    type: str | None
    redemptionType: str | None
    startTime: str | None
    endTime: str | None
    enabled: bool
    priority: int
    rewardRank: int | None
    intouchPoints: int | None
    intouchSeriesId: str | None
    tier: str | None
    group: str | None
    label: str | None
    vendorId: int | None
    createdBy: str | None
    lastUpdatedBy: str | None
    tillId: str | None
    programId: str | None
    vendorRedemption: str | None
    communications: list[str]
    categories: list[int]
    geography: list[dict[str, Any]]
    languageSpecificInfo: list[dict[str, Any]]
    customFields: dict[str, Any]
    owners: list[dict[str, Any]]
    supplementaryCriteriaRO: list[dict[str, Any]]
    segment: list[dict[str, Any]]
    cardSeries: list[str]
    labels: list[int]
    groups: list[dict[str, Any]]
    restrictions: dict[str, Any] | None
    rewardRevenueMeta: list[dict[str, Any]]
    rewardRevenueDefaults: list[dict[str, Any]]
    paymentConfigs: list[dict[str, Any]]
    orgLevelRestrictions: list[dict[str, Any]]
    createdAt: str
    updatedAt: str
    orgStatusKey: str

    @classmethod
    def of(cls, reward: Reward) -> RewardOut:
        state = to_state(reward)
        status: Literal["active", "inactive"] = "active" if reward.enabled else "inactive"
        return cls(
            id=reward.id,
            orgId=reward.org_id,
            rewardId=reward.reward_id,
            brandId=reward.brand_id,
            name=reward.name,
            description=reward.description,
            rewardType=reward.reward_type,
            status=status,
            config=reward.config,
            metadata=reward.meta,
            state=state_of(reward.start_at, reward.end_at, utcnow()).value,
            type=reward.category,
            redemptionType=reward.redemption_type,
            startTime=iso_ms(reward.start_at) if reward.start_at else None,
            endTime=iso_ms(reward.end_at) if reward.end_at else None,
            enabled=reward.enabled,
            priority=reward.priority,
            rewardRank=reward.reward_rank,
            intouchPoints=reward.intouch_points,
            intouchSeriesId=reward.intouch_series_id,
            tier=reward.tier,
            group=reward.group_name,
            label=reward.label,
            vendorId=reward.vendor_id,
            createdBy=reward.created_by,
            lastUpdatedBy=reward.last_updated_by,
            createdAt=iso_ms(reward.created_at),
            updatedAt=iso_ms(reward.updated_at),
            orgStatusKey=f"{reward.org_id}#{status}",
            **{f: state[f] for f in DOCUMENT},
        )


class RewardCreated(BaseModel):
    message: str = "Reward created successfully"
    reward: RewardOut


class RewardList(BaseModel):
    rewards: list[RewardOut]
    count: int = Field(description="Number of rewards in this page.")
    nextCursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


__all__ = ["Message", "RewardCreate", "RewardCreated", "RewardList", "RewardOut", "RewardUpdate"]
