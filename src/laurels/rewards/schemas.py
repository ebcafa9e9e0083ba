"""Request and response bodies of the native rewards API.

Seed 004's resource (``rewardId``, ``name``, ``rewardType``, ``config``,
``status``, ``metadata`` ...) plus seed 003's catalog blocks under seed 003's
own names, so a reward reads the same whichever vocabulary wrote it.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from laurels.kit import schema as js
from laurels.kit.clock import iso_ms, utcnow
from laurels.kit.http import Message
from laurels.kit.types import FREE_FORM_DOC
from laurels.kit.validation import DESCRIPTION_MAX, INT32_MAX, INT32_MIN, MAX_SAFE_INTEGER, NAME_MAX
from laurels.rewards.lifecycle import state_of
from laurels.rewards.models import Reward
from laurels.rewards.rules import DISCOUNT_TYPES, REWARD_TYPES, STATUSES, RewardType
from laurels.rewards.state import REDEMPTION_OF, document_of
from laurels.rewards.vocabulary import (
    COMMISSION_PARTICIPANTS,
    FREQUENCIES,
    KPIS,
    MAX_AMOUNT,
    MEDIA_MAX,
    PAYMENT_AMOUNTS,
    TEXT_MAX,
    WEEKDAYS,
    WINDOW_TYPES,
    Category,
    RedemptionType,
)

_TYPE_DOC = "points, product, competition_entry, unique_coupon or non_unique_coupon"
_CONFIG_DOC = (
    "Type-specific configuration. points: {amount}; product: {productId, quantity=1}; "
    "competition_entry: {competitionId, entries=1}; unique_coupon: {codePoolId}; "
    "non_unique_coupon: {code, discountType (percentage|fixed), discountValue}."
)

# ---- the JSON schema of each seed 003 field, as rewards.blocks parses it ------------
# The Python fields stay Any: the catalog rules parse them and name the exact field
# they refuse (languageSpecificInfo[1].name). The document says what those rules take.


def _enum(values: Any, *, nullable: bool = True) -> js.JsonSchema:
    options: list[Any] = [getattr(v, "value", v) for v in values]
    if nullable:
        return {"type": ["string", "null"], "enum": [*options, None]}
    return {"type": "string", "enum": options}


_DATETIME: js.JsonSchema = {"type": ["string", "null"], "format": "date-time"}
_DATETIME_SET: js.JsonSchema = {"type": "string", "format": "date-time"}
# rewards.coercion.as_text: numbers are taken as their text; blank means null.
_TEXT: js.JsonSchema = {"type": ["string", "null"], "maxLength": TEXT_MAX}
_ANY_TEXT: js.JsonSchema = {"type": ["string", "null"]}
_NON_BLANK = js.name(TEXT_MAX)
_REF = js.digits(1, MAX_SAFE_INTEGER, "The integer id of an existing row of the org.")
_AMOUNT: js.JsonSchema = {"type": "number", "minimum": 0, "maximum": MAX_AMOUNT}
_POSITIVE_AMOUNT: js.JsonSchema = {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_AMOUNT}


def _list(items: js.JsonSchema, **bounds: Any) -> js.JsonSchema:
    return {"type": ["array", "null"], "items": items, **bounds}


def _object(required: tuple[str, ...] = (), **properties: js.JsonSchema) -> js.JsonSchema:
    schema: js.JsonSchema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


_MEDIA = _list(
    _object(
        name=_TEXT,
        altText=_ANY_TEXT,
        id=_TEXT,
        url=_ANY_TEXT,
        isExternal={"type": "boolean"},
    ),
    maxItems=MEDIA_MAX,
)
_LANGUAGE = _object(
    ("languageCode", "name"),
    languageCode=_NON_BLANK,
    name=_NON_BLANK,
    description=_ANY_TEXT,
    termNConditions=_ANY_TEXT,
    termNConditionsUrl=_ANY_TEXT,
    imageUrl=_ANY_TEXT,
    thumbnailUrl=_ANY_TEXT,
    termNConditionsId=_TEXT,
    imageId=_TEXT,
    thumbnailId=_TEXT,
    enabled={"type": "boolean"},
    images=_MEDIA,
    videos=_MEDIA,
    customFields=js.free_form("Custom field name -> value; names must be defined (scope reward)."),
    richContentRO={
        "type": ["object", "null"],
        "additionalProperties": _object(("content",), content={"type": "string"}, isEnabled={"type": "boolean"}),
    },
)
_PAYMENT = {
    "oneOf": [
        _object(
            ("paymentMode", *amounts),
            paymentMode={"const": mode.value},
            id=js.digits(1, INT32_MAX),
            points=js.integer(1, MAX_SAFE_INTEGER),
            cash=_POSITIVE_AMOUNT,
            conversionRatio=_POSITIVE_AMOUNT,
        )
        for mode, amounts in PAYMENT_AMOUNTS.items()
    ]
}


def _restriction(*required: str) -> js.JsonSchema:
    return _object(
        ("kpi", "limit", *required),
        kpi={"type": "string", "enum": list(KPIS)},
        limit=js.integer(0, MAX_SAFE_INTEGER),
        windowType={"type": "string", "enum": list(WINDOW_TYPES)},
        repeatFrequencyType={"type": "string", "enum": list(FREQUENCIES)},
        interval=js.integer(1, INT32_MAX),
        weekStartDay={"type": "string", "enum": list(WEEKDAYS)},
        startOfCycle=_DATETIME,
    )


_PARTICIPANT: js.JsonSchema = {"type": "string", "enum": list(COMMISSION_PARTICIPANTS)}

CATALOG_FIELDS: dict[str, js.JsonSchema] = {
    "type": _enum(Category),
    "redemptionType": _enum(RedemptionType),
    "startTime": _DATETIME,
    "startDate": _DATETIME,
    "startDateTime": _DATETIME,
    "endTime": _DATETIME,
    "endDate": _DATETIME,
    "endDateTime": _DATETIME,
    "enabled": {"type": "boolean"},
    "priority": js.nullable(js.digits(0, INT32_MAX)),
    "intouchPoints": js.nullable(js.digits(0, INT32_MAX)),
    "intouchSeriesId": {"type": ["string", "null"], "maxLength": 64},
    "tier": _TEXT,
    "group": _TEXT,
    "label": _TEXT,
    "tillId": _TEXT,
    "programId": _TEXT,
    "vendorId": js.nullable(_REF),
    "vendorRedemption": _TEXT,
    "communications": _list(_NON_BLANK),
    "categories": _list(_REF),
    "geography": _list(_object(("countryId",), countryId=_REF)),
    "languageSpecificInfo": {"type": "array", "minItems": 1, "items": _LANGUAGE},
    "customFields": js.free_form("Custom field name -> value; names must be defined (scope reward)."),
    "owners": _list(_object(ownerType=_TEXT, ownerId=_TEXT)),
    "supplementaryCriteriaRO": _list(
        _object(("loyaltyProgramId",), loyaltyProgramId=_REF, tierIds=_list(_REF), partnerProgramIds=_list(_REF))
    ),
    "segment": _list(
        _object(("segmentId",), segmentId=_REF, partitionId={"anyOf": [_REF, _list(_REF)]}),
    ),
    "cardSeries": _list(_NON_BLANK),
    "labels": _list(_REF),
    "groups": _list(_object(("groupName",), groupName=_NON_BLANK, groupRank=js.nullable(js.integer()))),
    "rewardRank": js.nullable(
        {"anyOf": [js.integer(INT32_MIN, INT32_MAX), {"type": "string", "pattern": "^-?[0-9]{1,9}$"}]}
    ),
    "restrictions": {
        "type": ["object", "null"],
        "properties": {
            "rewardLevel": _list(_restriction()),
            "customerLevel": _list(_restriction("repeatFrequencyType")),
        },
    },
    "rewardRevenueMeta": _list(
        _object(
            ("commissionParticipant", "commissionRate", "cycleStartDate", "cycleEndDate"),
            commissionParticipant=_PARTICIPANT,
            commissionRate=_AMOUNT,
            cycleStartDate=_DATETIME_SET,
            cycleEndDate=_DATETIME_SET,
        )
    ),
    "rewardRevenueDefaults": _list(
        _object(("commissionParticipant",), commissionParticipant=_PARTICIPANT, defaultValue=_AMOUNT)
    ),
    "paymentConfigs": _list(_PAYMENT),
    "orgLevelRestrictions": _list(_object(("orgId",), orgId=_NON_BLANK, isValid={"type": "boolean"})),
    "createdBy": _TEXT,
    "lastUpdatedBy": _TEXT,
}


def documented(description: str, schema: js.JsonSchema | None = None) -> Any:
    """An optional field whose JSON schema is ``schema`` (a field's own, or its CATALOG_FIELDS entry)."""
    return Field(default=None, description=description, json_schema_extra=js.exactly(schema or {}))


def _catalog(field: str, description: str) -> Any:
    return documented(description, CATALOG_FIELDS[field])


class CatalogFieldsIn(BaseModel):
    """Seed 003's reward fields. Numbers may be sent as strings, as the vendor's examples do;
    each field is validated by the domain rules, which name the field when they refuse."""

    model_config = ConfigDict(extra="ignore")

    type: Any = _catalog("type", "Reward category.")
    redemptionType: Any = _catalog("redemptionType", "How the reward is fulfilled.")
    startTime: Any = _catalog(
        "startTime", 'Start, ISO 8601 or "YYYY-MM-DD HH:MM:SS", UTC. Aliases: startDate, startDateTime.'
    )
    startDate: Any = _catalog("startDate", 'Start, "YYYY-MM-DD HH:MM:SS" (UTC).')
    startDateTime: Any = _catalog("startDateTime", "Start, ISO 8601.")
    endTime: Any = _catalog("endTime", "End (inclusive to the second); after the start. Aliases: endDate, endDateTime.")
    endDate: Any = _catalog("endDate", 'End, "YYYY-MM-DD HH:MM:SS" (UTC).')
    endDateTime: Any = _catalog("endDateTime", "End, ISO 8601.")
    enabled: Any = _catalog("enabled", "Whether the reward is switched on (seed 004's status active/inactive).")
    priority: Any = _catalog("priority", "Lower applies first; default 0.")
    intouchPoints: Any = _catalog("intouchPoints", "Points the reward costs (legacy; prefer paymentConfigs).")
    intouchSeriesId: Any = _catalog(
        "intouchSeriesId",
        "Coupon series: the integer id of a code pool (numeric for INTOUCH_REWARD and VENDOR_INTOUCH_REWARD, "
        "required with CART_PROMOTION too, null for the other redemption types).",
    )
    tier: Any = _catalog("tier", "Tier classification, at most 255 characters; blank resets it to null.")
    group: Any = _catalog("group", "Group name, at most 255 characters.")
    label: Any = _catalog("label", "Label, at most 255 characters.")
    tillId: Any = _catalog("tillId", "Till id.")
    programId: Any = _catalog("programId", "Program id.")
    vendorId: Any = _catalog("vendorId", "An existing vendor's id.")
    vendorRedemption: Any = _catalog(
        "vendorRedemption", "The vendor's reward: required for VENDOR_INTOUCH_REWARD, null for internal types."
    )
    communications: Any = _catalog("communications", "Communication ids.")
    categories: Any = _catalog("categories", "Existing category ids.")
    geography: Any = _catalog("geography", "[{countryId}] — see GET /v1/countries.")
    languageSpecificInfo: Any = _catalog(
        "languageSpecificInfo",
        "Per language: languageCode (unique), name, description, terms, image and thumbnail ids/urls, "
        "enabled, images and videos (at most 10 each), customFields, richContentRO.",
    )
    customFields: Any = _catalog("customFields", "Custom field name -> value; names must be defined (scope reward).")
    owners: Any = _catalog("owners", "[{ownerType, ownerId}]")
    supplementaryCriteriaRO: Any = _catalog(
        "supplementaryCriteriaRO",
        "Audience: [{loyaltyProgramId, tierIds, partnerProgramIds}]. A reward names one audience kind at most.",
    )
    segment: Any = _catalog("segment", "Audience: [{segmentId, partitionId: [...]}]")
    cardSeries: Any = _catalog("cardSeries", "Audience: card series codes.")
    labels: Any = _catalog("labels", "Audience: label ids.")
    groups: Any = _catalog("groups", "[{groupName, groupRank}]")
    rewardRank: Any = _catalog("rewardRank", "Rank within its groups.")
    restrictions: Any = _catalog(
        "restrictions",
        "Limits: {rewardLevel: [...], customerLevel: [...]}, each {kpi, windowType, repeatFrequencyType, "
        "interval, weekStartDay, startOfCycle, limit}.",
    )
    rewardRevenueMeta: Any = _catalog(
        "rewardRevenueMeta",
        "[{commissionParticipant, commissionRate, cycleStartDate, cycleEndDate}]; the cycle lies in the future, "
        "within the reward's schedule.",
    )
    rewardRevenueDefaults: Any = _catalog("rewardRevenueDefaults", "[{commissionParticipant, defaultValue}]")
    paymentConfigs: Any = _catalog(
        "paymentConfigs",
        "What it costs: [{paymentMode, points | cash | conversionRatio}], each mode at most once; FREE and "
        "CONV_RATIO alone; required for MILES.",
    )
    orgLevelRestrictions: Any = _catalog("orgLevelRestrictions", "Connected orgs: [{orgId, isValid}]")
    createdBy: Any = _catalog("createdBy", "Who created it (default: the API key id).")
    lastUpdatedBy: Any = _catalog("lastUpdatedBy", "Who last changed it (default: the API key id).")


# ---- seed 004's fields ---------------------------------------------------------------------

_NAME = js.name(NAME_MAX, "Reward name (the default language's).")
_DESCRIPTION = js.prose(DESCRIPTION_MAX)
_STATUS = {**_enum(STATUSES), "description": "active (default) or inactive"}
_METADATA = js.free_form("Free-form metadata (default {}).")
_POSITIVE_COUNT = js.integer(1, INT32_MAX)
_CONFIGS: dict[RewardType, js.JsonSchema] = {
    RewardType.POINTS: _object(
        ("amount",), amount={"type": "number", "exclusiveMinimum": 0, "maximum": MAX_SAFE_INTEGER}
    ),
    RewardType.PRODUCT: _object(("productId",), productId=_NON_BLANK, quantity=_POSITIVE_COUNT),
    RewardType.COMPETITION_ENTRY: _object(("competitionId",), competitionId=_NON_BLANK, entries=_POSITIVE_COUNT),
    RewardType.UNIQUE_COUPON: _object(("codePoolId",), codePoolId=_NON_BLANK),
    RewardType.NON_UNIQUE_COUPON: {
        "oneOf": [
            _object(
                ("code", "discountType", "discountValue"),
                code=_NON_BLANK,
                discountType={"const": kind},
                discountValue={
                    "type": "number",
                    "minimum": 0,
                    "maximum": 100 if kind == "percentage" else MAX_SAFE_INTEGER,
                },
            )
            for kind in DISCOUNT_TYPES
        ]
    },
}
for _config in _CONFIGS.values():
    for _variant in _config.get("oneOf", [_config]):
        # validate_config refuses keys a type does not know.
        _variant["additionalProperties"] = False


def _by_type(schema: js.JsonSchema, _model: type) -> None:
    """rewardType decides what config (and the seed 003 fulfilment fields derived from it) may be."""
    schema["oneOf"] = copy.deepcopy(
        [
            {
                "properties": {
                    "rewardType": {"const": kind.value},
                    "config": _CONFIGS[kind],
                    "redemptionType": {"const": REDEMPTION_OF.get(kind)},
                    **({} if kind is RewardType.UNIQUE_COUPON else {"intouchSeriesId": {"type": "null"}}),
                }
            }
            for kind in RewardType
        ]
    )


def _create_schema(schema: js.JsonSchema, model: type) -> None:
    js.required("name", "rewardType", "config")(schema, model)
    _by_type(schema, model)


class RewardCreate(CatalogFieldsIn):
    # Required fields are checked by the domain rules, so one message can list
    # every missing one ("Missing required fields: name, rewardType, config").
    # Unknown fields are ignored, so a body read back from GET can be sent again.
    model_config = ConfigDict(extra="ignore", json_schema_extra=_create_schema)

    name: str | None = documented("Reward name (the default language's).", _NAME)
    rewardType: str | None = documented(_TYPE_DOC, _enum(REWARD_TYPES, nullable=False))
    config: dict[str, Any] | None = documented(_CONFIG_DOC, {"type": "object"})
    description: str | None = documented("Reward description.", _DESCRIPTION)
    status: str | None = documented("active (default) or inactive; null keeps the default.", _STATUS)
    metadata: dict[str, Any] | None = documented(f"Free-form metadata (default {{}}). {FREE_FORM_DOC}", _METADATA)
    rewardId: str | None = documented(
        "Optional id of your choosing; generated (rew_<uuid>) when absent. 409 if taken.",
        js.nullable(js.public_id("")),
    )
    brandId: int | None = documented(
        "The brand it belongs to (Capillary addresses rewards per brand).", js.nullable(js.integer(1, INT32_MAX))
    )


class RewardUpdate(CatalogFieldsIn):
    """Any field of create except rewardType; fields left out keep their values."""

    name: str | None = documented("Reward name (the default language's).", _NAME)
    config: dict[str, Any] | None = documented(
        _CONFIG_DOC + " Re-validated against the reward's type.", {"type": "object"}
    )
    description: str | None = documented("Reward description; null clears it.", _DESCRIPTION)
    status: str | None = documented("active or inactive; null keeps the current status.", _STATUS)
    metadata: dict[str, Any] | None = documented(f"Free-form metadata; null empties it. {FREE_FORM_DOC}", _METADATA)
    rewardType: str | None = documented(
        "Cannot be changed; accepted only when equal to the current type.", _enum(REWARD_TYPES, nullable=False)
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
        # Built from a stored row, whose every value already has its wire type: constructed,
        # not validated, which is most of the cost of a list page of 50.
        document = document_of(reward)
        status: Literal["active", "inactive"] = "active" if reward.enabled else "inactive"
        return cls.model_construct(
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
            **document,
        )


class RewardCreated(BaseModel):
    message: str = "Reward created successfully"
    reward: RewardOut


class RewardList(BaseModel):
    rewards: list[RewardOut]
    count: int = Field(description="Number of rewards in this page.")
    nextCursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


__all__ = ["Message", "RewardCreate", "RewardCreated", "RewardList", "RewardOut", "RewardUpdate"]
