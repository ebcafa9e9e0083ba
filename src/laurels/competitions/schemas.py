from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from laurels.competitions.models import Competition
from laurels.kit import schema as js
from laurels.kit.clock import iso_ms
from laurels.kit.types import WireDateTime
from laurels.kit.validation import NAME_MAX

_NAME = js.name(NAME_MAX)
_DESCRIPTION: js.JsonSchema = {"type": ["string", "null"], "description": "Any text; null clears it."}


class CompetitionCreate(BaseModel):
    model_config = ConfigDict(json_schema_extra=js.required("name"))

    competitionId: Annotated[
        str | None,
        WithJsonSchema(js.nullable(js.public_id("Id of your choosing; generated (comp_<uuid>) if absent."))),
    ] = None
    name: Annotated[str | None, WithJsonSchema(_NAME)] = None
    description: Annotated[str | None, WithJsonSchema(_DESCRIPTION)] = None
    startsAt: WireDateTime | None = Field(default=None, description="ISO 8601; UTC when no offset is given.")
    endsAt: WireDateTime | None = Field(default=None, description="ISO 8601; must be after startsAt.")


class CompetitionUpdate(BaseModel):
    """Fields left out keep their values; null clears startsAt or endsAt."""

    name: Annotated[str | None, WithJsonSchema(_NAME)] = None
    description: Annotated[str | None, WithJsonSchema(_DESCRIPTION)] = None
    startsAt: WireDateTime | None = None
    endsAt: WireDateTime | None = Field(default=None, description="Must be after startsAt.")


class CompetitionOut(BaseModel):
    competitionId: str
    name: str
    description: str | None
    startsAt: str | None
    endsAt: str | None
    createdAt: str
    updatedAt: str

    @classmethod
    def of(cls, competition: Competition) -> CompetitionOut:
        return cls(
            competitionId=competition.competition_id,
            name=competition.name,
            description=competition.description,
            startsAt=iso_ms(competition.starts_at) if competition.starts_at else None,
            endsAt=iso_ms(competition.ends_at) if competition.ends_at else None,
            createdAt=iso_ms(competition.created_at),
            updatedAt=iso_ms(competition.updated_at),
        )
