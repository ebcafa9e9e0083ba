"""Request and response bodies of the native customers API."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field, WithJsonSchema

from laurels.customers.models import Customer
from laurels.kit import schema as js
from laurels.kit.clock import iso_ms
from laurels.reference.countries import all_countries, country_by_id

USER_ID_MAX = 128
_INT: dict[str, Any] = {"type": "integer"}
_COUNTRIES = all_countries()


def _list_of(items: dict[str, Any], description: str) -> WithJsonSchema:
    return WithJsonSchema({"type": ["array", "null"], "items": items, "description": description})


def _pairs(first: str, second: str) -> dict[str, Any]:
    return {"type": "object", "required": [first, second], "properties": {first: _INT, second: _INT}}


# Items are checked by the service, so that a bad one is named by its index (labels[1]).
class CustomerUpsert(BaseModel):
    """Fields left out keep their values (a new customer starts with none); null empties a field."""

    tiers: Annotated[
        list[Any] | None,
        _list_of(
            _pairs("loyaltyProgramId", "tierId"), "The customer's tier in each loyalty program (one per program)."
        ),
    ] = None
    labels: Annotated[list[Any] | None, _list_of(_INT, "Label ids.")] = None
    cardSeries: Annotated[
        list[Any] | None,
        _list_of({"type": "string", "minLength": 1, "maxLength": 64}, "Card series codes, matched exactly."),
    ] = None
    segments: Annotated[
        list[Any] | None,
        _list_of(_pairs("segmentId", "partitionId"), "The customer's partition of each segment (one per segment)."),
    ] = None
    partnerPrograms: Annotated[list[Any] | None, _list_of(_INT, "Partner program ids (of any loyalty program).")] = None
    country: Annotated[
        Any,
        WithJsonSchema(
            {
                "anyOf": [
                    {"type": "integer", "minimum": 1, "maximum": len(_COUNTRIES)},
                    {"type": "string", "enum": [c.code for c in _COUNTRIES]},
                    {"type": "null"},
                ],
                "description": "A countryId (see GET /v1/countries) or an ISO 3166-1 alpha-2 code (any case); stored "
                "as the countryId. null clears it.",
                "examples": [7, "AM"],
            }
        ),
    ] = None
    mobile: Annotated[
        str | None,
        WithJsonSchema(
            {
                "anyOf": [{"type": "string", "pattern": "^\\+?[0-9][0-9 -]{4,24}$"}, {"type": "null"}],
                "description": "A phone number, 5 to 20 digits (a leading +, spaces and dashes are dropped); "
                "unique in the org. null clears it.",
            }
        ),
    ] = None
    email: Annotated[
        str | None,
        WithJsonSchema(
            {
                "anyOf": [
                    {"type": "string", "maxLength": 254, "pattern": "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$"},
                    {"type": "null"},
                ],
                "description": "Stored lower-cased; unique in the org. null clears it.",
            }
        ),
    ] = None
    externalId: Annotated[
        str | None,
        WithJsonSchema(
            {"anyOf": [js.name(128), {"type": "null"}], "description": "Unique in the org. null clears it."}
        ),
    ] = None


class TierOfProgram(BaseModel):
    loyaltyProgramId: int
    tierId: int


class PartitionOfSegment(BaseModel):
    segmentId: int
    partitionId: int


class CustomerOut(BaseModel):
    id: int = Field(description="The customer's integer id: customerId in Capillary's issuals paths.")
    userId: str
    mobile: str | None = Field(description="Digits only, as stored.")
    email: str | None = Field(description="Lower-cased, as stored.")
    externalId: str | None
    tiers: list[TierOfProgram]
    labels: list[int]
    cardSeries: list[str]
    segments: list[PartitionOfSegment]
    partnerPrograms: list[int]
    countryId: int | None
    countryCode: str | None = Field(description="ISO 3166-1 alpha-2 code of countryId.")
    createdAt: str
    updatedAt: str

    @classmethod
    def of(cls, customer: Customer) -> CustomerOut:
        country = country_by_id(customer.country_id) if customer.country_id is not None else None
        return cls(
            id=customer.id,
            userId=customer.user_id,
            mobile=customer.mobile,
            email=customer.email,
            externalId=customer.external_id,
            tiers=[TierOfProgram(**t) for t in customer.tiers],
            labels=customer.labels,
            cardSeries=customer.card_series,
            segments=[PartitionOfSegment(**s) for s in customer.segments],
            partnerPrograms=customer.partner_programs,
            countryId=customer.country_id,
            countryCode=country.code if country else None,
            createdAt=iso_ms(customer.created_at),
            updatedAt=iso_ms(customer.updated_at),
        )


class CustomerList(BaseModel):
    customers: list[CustomerOut]
    count: int = Field(description="Number of customers in this page.")
    nextCursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")
