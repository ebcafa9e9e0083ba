"""Wire types for Pydantic schemas: the same bounds and parsers the domain rules use.

A schema field typed with one of these refuses, before any database sees it,
what its column cannot hold, and says so in the OpenAPI document.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from laurels.kit.errors import CommonCode
from laurels.kit.validation import (
    DATETIME_FORMS,
    FREE_FORM_MAX_BYTES,
    FREE_FORM_MAX_DEPTH,
    INT32_MAX,
    INT32_MIN,
    parse_datetime,
)

# Integers held by `integer` columns.
Int32 = Annotated[int, Field(ge=INT32_MIN, le=INT32_MAX)]
NonNegativeInt32 = Annotated[int, Field(ge=0, le=INT32_MAX)]
PositiveInt32 = Annotated[int, Field(ge=1, le=INT32_MAX)]


def _datetime(value: Any) -> datetime:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value
    parsed = parse_datetime(value)
    if parsed is None:
        # The error type is the stable code; kit.http renders it with the field's name.
        raise PydanticCustomError(
            CommonCode.INVALID_DATETIME.value, f"must be a date-time: {DATETIME_FORMS}, within years 1-9999"
        )
    return parsed


WireDateTime = Annotated[
    datetime,
    PlainValidator(_datetime),
    WithJsonSchema({"type": "string", "format": "date-time", "description": f"{DATETIME_FORMS}."}),
]

FREE_FORM_DOC = (
    f"Free-form JSON object: at most {FREE_FORM_MAX_DEPTH} levels deep and {FREE_FORM_MAX_BYTES // 1024} KiB as JSON."
)
