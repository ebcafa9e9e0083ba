"""Wire values into typed values, for seed 003's fields.

Each ``as_*`` takes one value as a client sent it and the field's wire name
(``restrictions.rewardLevel[0].limit``), and returns the value typed or raises
``InvalidInput`` naming that field. The block parsers (``rewards.blocks``)
are built from these; ``invalid`` is the refusal they, and seed 003's rules
across fields, raise.
"""

from __future__ import annotations

import math
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from laurels.kit.errors import InvalidInput
from laurels.kit.validation import INT32_MAX, INT32_MIN, integer
from laurels.kit.validation import as_datetime as kit_datetime
from laurels.rewards.vocabulary import MAX_AMOUNT, TEXT_MAX, RewardCode


def invalid(message: str, field: str, code: str = RewardCode.INVALID_FIELD) -> InvalidInput:
    return InvalidInput(message, code=code, field=field)


# The vendor's own examples send numbers as strings ("brandId": "61",
# "interval": "30"), so numeric fields accept both.


def as_int(value: Any, field: str, *, minimum: int = INT32_MIN, maximum: int = INT32_MAX) -> int:
    """An integer; 32-bit unless the field says otherwise (its column, or JSON clients, must hold it)."""
    return integer(value, field=field, code=RewardCode.INVALID_FIELD, minimum=minimum, maximum=maximum)


def as_number(value: Any, field: str, *, positive: bool = False) -> float:
    result: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        result = float(value)
    elif isinstance(value, str):
        try:
            result = float(Decimal(value.strip()))
        except InvalidOperation:
            result = None
    if result is None or not math.isfinite(result):
        raise invalid(f"{field} must be a number", field)
    if abs(result) > MAX_AMOUNT:
        raise invalid(f"{field} must be at most {MAX_AMOUNT:.0e}", field)
    if positive and result <= 0:
        raise invalid(f"{field} must be a positive number", field)
    if result < 0:
        raise invalid(f"{field} must not be negative", field)
    return result


def as_text(value: Any, field: str, *, max_length: int | None = TEXT_MAX, blank_is_null: bool = True) -> str | None:
    """A string (numbers are taken as their text); blank means null, as seed 003 says of ``tier``."""
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise invalid(f"{field} must be a string", field)
    if blank_is_null and not value.strip():
        return None
    if max_length is not None and len(value) > max_length:
        raise invalid(f"{field} must be at most {max_length} characters", field)
    return value


def as_bool(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise invalid(f"{field} must be true or false", field)
    return value


def as_datetime(value: Any, field: str) -> datetime:
    return kit_datetime(value, field=field, code=RewardCode.INVALID_FIELD)


def as_enum(
    value: Any, field: str, allowed: tuple[str, ...] | type[StrEnum], code: str = RewardCode.INVALID_FIELD
) -> str:
    options = tuple(allowed) if isinstance(allowed, tuple) else tuple(m.value for m in allowed)
    if not isinstance(value, str) or value not in options:
        raise invalid(f"{field} must be one of: {', '.join(options)}", field, code)
    return value


def as_list(value: Any, field: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise invalid(f"{field} must be an array", field)
    return value


def as_object(value: Any, field: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid(f"{field} must be an object", field)
    return value
