"""Request and response bodies of the native reference data API.

Create bodies declare their required fields as optional so that the service
reports every missing one at once (``Missing required fields: code, name``);
the OpenAPI document still marks them required.
"""

from __future__ import annotations

from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from laurels.kit.clock import iso_ms
from laurels.kit.validation import INT32_MAX
from laurels.reference.countries import Country
from laurels.reference.models import (
    NAME_MAX,
    CardSeries,
    CustomFieldDefinition,
    NamedOrgRow,
    OrgRow,
    Tier,
)

NAME_DOC = "1 to 255 characters; unique in the org regardless of case."
CODE_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"
CUSTOM_FIELD_SCOPES = ("reward", "issuance")


# ---- bodies ---------------------------------------------------------------


class NamedCreate(BaseModel):
    model_config = ConfigDict(json_schema_extra={"required": ["name"]})

    name: str | None = Field(default=None, description=NAME_DOC)
    description: str | None = None


class NamedUpdate(BaseModel):
    """Fields left out keep their values; a null description clears it."""

    name: str | None = Field(default=None, description=NAME_DOC)
    description: str | None = None


class CardSeriesCreate(BaseModel):
    model_config = ConfigDict(json_schema_extra={"required": ["code", "name"]})

    code: str | None = Field(
        default=None,
        description="What rewards and customers name the series by, e.g. 26NOV2024TRYLEN17: 1 to 64 letters, "
        "digits, _ - or . ; unique in the org regardless of case, and matched exactly.",
        json_schema_extra={"pattern": CODE_PATTERN},
    )
    name: str | None = Field(default=None, description="1 to 255 characters.")
    description: str | None = None


class CardSeriesUpdate(BaseModel):
    """Fields left out keep their values; a null description clears it."""

    code: str | None = Field(default=None, json_schema_extra={"pattern": CODE_PATTERN})
    name: str | None = None
    description: str | None = None


_SCOPE_DOC = "reward: a field rewards carry; issuance: a field issuances carry."


class CustomFieldCreate(BaseModel):
    model_config = ConfigDict(json_schema_extra={"required": ["name", "scope"]})

    name: str | None = Field(
        default=None,
        description="The key rewards use, e.g. CF1; 1 to 255 characters, unique within the scope regardless of case.",
    )
    scope: str | None = Field(
        default=None, description=_SCOPE_DOC, json_schema_extra={"enum": list(CUSTOM_FIELD_SCOPES)}
    )
    mandatory: bool = Field(
        default=False, strict=True, description="Whether every reward (or issuance) must carry the field."
    )
    description: str | None = None


class CustomFieldUpdate(BaseModel):
    """Fields left out keep their values; a null description clears it."""

    name: str | None = None
    scope: str | None = Field(
        default=None, description=_SCOPE_DOC, json_schema_extra={"enum": list(CUSTOM_FIELD_SCOPES)}
    )
    mandatory: bool | None = Field(default=None, strict=True)
    description: str | None = None


_RANK: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": INT32_MAX}


class TierCreate(BaseModel):
    model_config = ConfigDict(json_schema_extra={"required": ["name"]})

    name: str | None = Field(default=None, description="1 to 255 characters; unique in the program regardless of case.")
    rank: int | None = Field(
        default=None,
        strict=True,
        description="Position in the program's ladder, 1 = lowest; default: one above the program's highest.",
        json_schema_extra={"minimum": 1, "maximum": INT32_MAX},
    )


class TierUpdate(BaseModel):
    """Fields left out keep their values."""

    name: str | None = None
    rank: int | None = Field(default=None, strict=True, json_schema_extra={"minimum": 1, "maximum": INT32_MAX})


class ChildCreate(BaseModel):
    """A partner program or a partition."""

    model_config = ConfigDict(json_schema_extra={"required": ["name"]})

    name: str | None = Field(default=None, description="1 to 255 characters; unique in its parent regardless of case.")


def _items(description: str, **properties: dict[str, Any]) -> WithJsonSchema:
    return WithJsonSchema(
        {
            "type": "array",
            "description": description,
            "items": {
                "type": "object",
                "required": ["name"],
                "properties": {"name": {"type": "string", "minLength": 1, "maxLength": NAME_MAX}, **properties},
            },
        }
    )


# Items are checked by the service, so that a bad one is named by its index (tiers[1].name).
class LoyaltyProgramCreate(NamedCreate):
    tiers: Annotated[
        list[Any] | None,
        _items("The program's tiers; a tier without rank ranks one above those before it.", rank=_RANK),
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
