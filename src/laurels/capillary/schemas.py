"""Seed 003's request body, what its create requires, and the Capillary response envelopes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, WithJsonSchema

from laurels.capillary.envelope import Status
from laurels.capillary.issue import REWARDS_MAX
from laurels.issuance.service import QUANTITY_MAX
from laurels.kit import schema as js
from laurels.kit.validation import INT32_MAX, require_fields
from laurels.rewards.schemas import CatalogFieldsIn, documented
from laurels.rewards.vocabulary import DATE_ALIASES, TEXT_MAX


class CapillaryRewardIn(CatalogFieldsIn):
    """Seed 003's request body. Numbers may be strings; unknown fields are ignored."""

    name: Any = documented(
        "Default-language name (languageSpecificInfo wins when both given).",
        {"type": ["string", "null"], "maxLength": TEXT_MAX},
    )
    description: Any = documented("Default-language description.", {"type": ["string", "null"]})
    brandId: Any = documented("Brand id (required on create; ignored on update).", js.digits(1, INT32_MAX))


# Seed 003's create needs these (startTime and endTime under any of their aliases). The
# native create needs others (rewards.rules.REQUIRED_ON_CREATE), so this is the dialect's.
REQUIRED_CATALOG_CREATE = ("type", "redemptionType", "startTime", "endTime", "languageSpecificInfo", "brandId")


def require_create_fields(body: Mapping[str, Any]) -> None:
    """Refuse a create body without every field seed 003 requires, listing each one missing."""
    # Dates count as given under any alias; a top-level name stands in for the languages.
    present = dict(body)
    for canonical, aliases in DATE_ALIASES.items():
        present[canonical] = next((body[a] for a in aliases if body.get(a) is not None), None)
    if present.get("languageSpecificInfo") is None:
        present["languageSpecificInfo"] = body.get("name")
    require_fields(present, REQUIRED_CATALOG_CREATE)


def _create_schema(schema: js.JsonSchema, model: type) -> None:
    # What require_create_fields takes: start and end under any of their names, and the
    # languages (or a top-level name standing in for them).
    js.required("type", "redemptionType", "brandId")(schema, model)
    schema["allOf"] = [
        {"anyOf": [{"required": [alias]} for alias in aliases]}
        for aliases in (
            ("startTime", "startDate", "startDateTime"),
            ("endTime", "endDate", "endDateTime"),
            ("languageSpecificInfo", "name"),
        )
    ]
    properties = schema.get("properties", {})
    for field in ("startTime", "startDate", "startDateTime", "endTime", "endDate", "endDateTime", "name"):
        # Null counts as absent, and one of each group is required: a value given is not null.
        if field in properties:
            properties[field] = js.without_null(properties[field])


class CapillaryRewardCreate(CapillaryRewardIn):
    """Seed 003's create body: type, redemptionType, start, end, languageSpecificInfo (or name) and brandId."""

    model_config = ConfigDict(extra="ignore", json_schema_extra=_create_schema)


class RewardEnvelope(BaseModel):
    status: Status
    reward: dict[str, Any] | None


class RewardsEnvelope(BaseModel):
    status: Status
    rewards: list[dict[str, Any]]
    pagination: dict[str, int]


_PAYMENT_CONFIG: js.JsonSchema = {
    "type": "object",
    "properties": {
        "paymentMode": {"type": "string", "enum": ["POINTS", "FREE", "CASH", "POINTS_CASH", "CONV_RATIO"]},
        "id": {"type": "integer", "minimum": 1, "maximum": 2147483647},
    },
    "description": "Which of the reward's paymentConfigs, by paymentMode or id; optional when it has one.",
}


def _recorded_object(description: str) -> dict[str, Any]:
    return {"type": "object", "description": description}


class CapillaryIssue(BaseModel):
    """Capillary's "Issue user reward" body (docs/capillary.md). Name the customer by one of mobile,
    email (or emailId) and externalId; brand and transactionNumber are required."""

    model_config = ConfigDict(json_schema_extra=js.required("brand", "transactionNumber"))

    mobile: Annotated[str | None, WithJsonSchema({"type": "string", "pattern": "^\\+?[0-9][0-9 -]{4,24}$"})] = None
    email: Annotated[str | None, WithJsonSchema({"type": "string", "maxLength": 254})] = None
    emailId: Annotated[str | None, WithJsonSchema({"type": "string", "maxLength": 254})] = None
    externalId: Annotated[str | None, WithJsonSchema(js.name(128))] = None
    brand: Annotated[str | None, WithJsonSchema(js.name(255, "The brand's name; the reward must be the brand's."))] = (
        None
    )
    transactionNumber: Annotated[
        str | None,
        WithJsonSchema(
            {
                "type": "string",
                "pattern": "^[\\x21-\\x7e]{1,255}$",
                "description": "Your transaction's number: a retry with the same number answers the first answer.",
            }
        ),
    ] = None
    notes: Annotated[str | None, WithJsonSchema(js.prose(4000, nullable=False))] = None
    rewardOwnershipRO: Annotated[
        dict[str, Any] | None,
        WithJsonSchema(
            {
                "type": "object",
                "properties": {"ownerType": js.name(64), "ownerId": js.name(128)},
                "description": "Who the issuance is for (recorded; filters the issuals).",
            }
        ),
    ] = None
    quantity: Annotated[
        int | None, WithJsonSchema(js.integer(1, QUANTITY_MAX, "Units of the path's reward (default 1)."))
    ] = None
    paymentConfig: Annotated[dict[str, Any] | None, WithJsonSchema(_PAYMENT_CONFIG)] = None
    tender: Annotated[
        dict[str, Any] | None,
        WithJsonSchema(_recorded_object("How the customer paid (totalAmount, tenders[]): recorded with the issuance.")),
    ] = None
    customFields: Annotated[
        dict[str, Any] | None,
        WithJsonSchema(_recorded_object("Recorded with the issuance; answered back, shown in the issual's details.")),
    ] = None
    fulfillmentDetails: Annotated[
        dict[str, Any] | None,
        WithJsonSchema(_recorded_object("Recorded with the issuance; its status is the issual's fulfillmentStatus.")),
    ] = None
    eventLogId: Annotated[str | None, WithJsonSchema(js.name(255, "Your event's id: recorded, answered back."))] = None
    requestId: Annotated[str | None, WithJsonSchema(js.name(255, "Your request's id: recorded, answered back."))] = None
    rewards: Annotated[
        list[Any] | None,
        WithJsonSchema(
            {
                "type": "array",
                "minItems": 1,
                "maxItems": REWARDS_MAX,
                "items": {
                    "type": "object",
                    "required": ["rewardId"],
                    "properties": {
                        "rewardId": {"type": "integer", "minimum": 1, "maximum": 2147483647},
                        "quantity": js.integer(1, QUANTITY_MAX),
                        "paymentConfig": _PAYMENT_CONFIG,
                    },
                },
                "description": "Several rewards in one transaction, instead of the path's.",
            }
        ),
    ] = None
