"""Request and response bodies of the native reference data API.

Create bodies declare their required fields as optional so that the service
reports every missing one at once (``Missing required fields: code, name``);
the OpenAPI document still marks them required.
"""

from __future__ import annotations

from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from laurels.kit import schema as js
from laurels.kit.clock import iso_ms
from laurels.kit.validation import DESCRIPTION_MAX, INT32_MAX, NAME_MAX
from laurels.reference.countries import Country
from laurels.reference.models import (
    CardSeries,
    CustomFieldDefinition,
    NamedOrgRow,
    OrgRow,
    Tier,
)

NAME_DOC = "1 to 255 characters on one line; unique in the org regardless of case."
CODE_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"
CUSTOM_FIELD_SCOPES = ("reward", "issuance")

_DESCRIPTION = js.prose(DESCRIPTION_MAX, "At most 4000 characters; null clears it.")
_CODE: js.JsonSchema = {
    "type": "string",
    "pattern": CODE_PATTERN,
    "description": "What rewards and customers name the series by, e.g. 26NOV2024TRYLEN17: 1 to 64 letters, "
    "digits, _ - or . ; unique in the org regardless of case, and matched exactly.",
}
_SCOPE: js.JsonSchema = {
    "type": "string",
    "enum": list(CUSTOM_FIELD_SCOPES),
    "description": "reward: a field rewards carry; issuance: a field issuances carry.",
}
_RANK: js.JsonSchema = js.integer(
    1, INT32_MAX, "Position in the program's ladder, 1 = lowest; default: one above the program's highest."
)


def _name(description: str = NAME_DOC) -> WithJsonSchema:
    return WithJsonSchema(js.name(NAME_MAX, description))


Description = Annotated[str | None, WithJsonSchema(_DESCRIPTION)]


# ---- bodies ---------------------------------------------------------------


class NamedCreate(BaseModel):
    model_config = ConfigDict(json_schema_extra=js.required("name"))

    name: Annotated[str | None, _name()] = None
    description: Description = None


class NamedUpdate(BaseModel):
    """Fields left out keep their values; a null description clears it."""

    name: Annotated[str | None, _name()] = None
    description: Description = None


class CardSeriesCreate(BaseModel):
    model_config = ConfigDict(json_schema_extra=js.required("code", "name"))

    code: Annotated[str | None, WithJsonSchema(_CODE)] = None
    name: Annotated[str | None, _name("1 to 255 characters on one line.")] = None
    description: Description = None


class CardSeriesUpdate(BaseModel):
    """Fields left out keep their values; a null description clears it."""

    code: Annotated[str | None, WithJsonSchema(_CODE)] = None
    name: Annotated[str | None, _name("1 to 255 characters on one line.")] = None
    description: Description = None


_FIELD_NAME_DOC = "The key rewards use, e.g. CF1; 1 to 255 characters, unique within the scope regardless of case."


class CustomFieldCreate(BaseModel):
    model_config = ConfigDict(json_schema_extra=js.required("name", "scope"))

    name: Annotated[str | None, _name(_FIELD_NAME_DOC)] = None
    scope: Annotated[str | None, WithJsonSchema(_SCOPE)] = None
    mandatory: bool = Field(
        default=False, strict=True, description="Whether every reward (or issuance) must carry the field."
    )
    description: Description = None


class CustomFieldUpdate(BaseModel):
    """Fields left out keep their values; a null description clears it."""

    name: Annotated[str | None, _name(_FIELD_NAME_DOC)] = None
    scope: Annotated[str | None, WithJsonSchema(_SCOPE)] = None
    mandatory: Annotated[
        bool | None, WithJsonSchema({"type": "boolean", "description": "Whether every reward must carry the field."})
    ] = Field(default=None, strict=True)
    description: Description = None


_CHILD_NAME = "1 to 255 characters on one line; unique in its parent regardless of case."


class TierCreate(BaseModel):
    model_config = ConfigDict(json_schema_extra=js.required("name"))

    name: Annotated[str | None, _name("1 to 255 characters on one line; unique in the program regardless of case.")] = (
        None
    )
    rank: Annotated[int | None, WithJsonSchema(js.nullable(_RANK))] = Field(default=None, strict=True)


class TierUpdate(BaseModel):
    """Fields left out keep their values."""

    name: Annotated[str | None, _name("1 to 255 characters on one line; unique in the program regardless of case.")] = (
        None
    )
    rank: Annotated[int | None, WithJsonSchema(_RANK)] = Field(default=None, strict=True)


class ChildCreate(BaseModel):
    """A partner program or a partition."""

    model_config = ConfigDict(json_schema_extra=js.required("name"))

    name: Annotated[str | None, _name(_CHILD_NAME)] = None


def _items(description: str, **properties: dict[str, Any]) -> WithJsonSchema:
    return WithJsonSchema(
        {
            "type": ["array", "null"],
            "description": description + " Names unique in it regardless of case.",
            "items": {
                "type": "object",
                "required": ["name"],
                "properties": {"name": js.name(NAME_MAX), **properties},
            },
        }
    )


# Items are checked by the service, so that a bad one is named by its index (tiers[1].name).
class LoyaltyProgramCreate(NamedCreate):
    tiers: Annotated[
        list[Any] | None,
        _items(
            "The program's tiers; a tier without rank ranks one above those before it.",
            rank=js.nullable(js.integer(1, INT32_MAX)),
        ),
    ] = None
    partnerPrograms: Annotated[list[Any] | None, _items("The program's partner programs.")] = None


class SegmentCreate(NamedCreate):
    partitions: Annotated[list[Any] | None, _items("The segment's partitions.")] = None


# ---- responses -------------------------------------------------------------


class RowOut(BaseModel):
    id: int = Field(description="What rewards and customers reference.")
    name: str
    description: str | None
    createdAt: str
    updatedAt: str

    @classmethod
    def of(cls, row: Any) -> Self:
        raise NotImplementedError

    @staticmethod
    def common(row: OrgRow) -> dict[str, Any]:
        return {
            "id": row.id,
            "name": row.name,
            "description": row.description,
            "createdAt": iso_ms(row.created_at),
            "updatedAt": iso_ms(row.updated_at),
        }


class NamedOut(RowOut):
    @classmethod
    def of(cls, row: NamedOrgRow) -> Self:
        return cls(**cls.common(row))


class CardSeriesOut(RowOut):
    code: str

    @classmethod
    def of(cls, row: CardSeries) -> Self:
        return cls(code=row.code, **cls.common(row))


class CustomFieldOut(RowOut):
    scope: str = Field(json_schema_extra={"enum": list(CUSTOM_FIELD_SCOPES)})
    mandatory: bool

    @classmethod
    def of(cls, row: CustomFieldDefinition) -> Self:
        return cls(scope=row.scope, mandatory=row.mandatory, **cls.common(row))


class ChildOut(BaseModel):
    """A partner program or a partition."""

    id: int
    name: str

    @classmethod
    def of(cls, child: Any) -> Self:
        return cls(id=child.id, name=child.name)


class TierOut(ChildOut):
    rank: int

    @classmethod
    def of(cls, child: Tier) -> Self:
        return cls(id=child.id, name=child.name, rank=child.rank)


class LoyaltyProgramOut(NamedOut):
    tiers: list[TierOut] = Field(description="Lowest rank first.")
    partnerPrograms: list[ChildOut]


class SegmentOut(NamedOut):
    partitions: list[ChildOut]


class CountryOut(BaseModel):
    countryId: int = Field(description="1-based position in the ISO 3166-1 list sorted by alpha-2 code.")
    code: str = Field(description="ISO 3166-1 alpha-2.", examples=["AD"])
    alpha3: str = Field(examples=["AND"])
    numeric: str = Field(description="ISO 3166-1 numeric, three digits.", examples=["020"])
    name: str

    @classmethod
    def of(cls, country: Country) -> CountryOut:
        return cls(
            countryId=country.country_id,
            code=country.code,
            alpha3=country.alpha3,
            numeric=country.numeric,
            name=country.name,
        )


class CountryList(BaseModel):
    countries: list[CountryOut]
    count: int
