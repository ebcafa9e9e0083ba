"""Field checks that several domains share; plain Python, no ORM or HTTP."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from laurels.kit.errors import CommonCode, InvalidInput

T = TypeVar("T")

# Client-chosen ids: readable, URL-safe, and never all digits, because an
# all-digit path segment addresses a resource by its integer id.
PUBLIC_ID_PATTERN = re.compile(r"^(?!\d+$)[A-Za-z0-9_.:-]{1,64}$")


def fold(value: str) -> str:
    """The case-insensitive key of a name or code ("STRASSE" and "Straße" fold alike)."""
    return value.casefold()


def require_fields(payload: Mapping[str, Any], names: Sequence[str]) -> None:
    """Refuse, listing every required field that is absent or null, in the given order."""
    missing = [name for name in names if payload.get(name) is None]
    if missing:
        raise InvalidInput(
            "Missing required fields: " + ", ".join(missing),
            code=CommonCode.MISSING_REQUIRED_FIELDS,
            field=missing[0],
        )


def public_id(value: str | None, *, prefix: str, field: str, code: str) -> str:
    """The client's id if it is a valid one, else a fresh ``<prefix>_<uuid>``."""
    if value is None:
        return f"{prefix}_{uuid.uuid4()}"
    if not PUBLIC_ID_PATTERN.match(value):
        raise InvalidInput(
            f"{field} must be 1 to 64 letters, digits or _ . : - and not all digits", code=code, field=field
        )
    return value


# The request guard (kit/guard.py) already refuses NUL and the other C0 controls
# in every string; a name or code is also one line.
_LINE_BREAKS = re.compile("[\t\n\r]")


def text(value: Any, *, field: str, code: str, max_length: int, required: bool = True) -> str:
    """A string of at most ``max_length`` characters. A required one is a name or a code:
    non-blank and on one line (no TAB, LF or CR); an optional one is prose."""
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > max_length:
        qualifier = "a non-empty string" if required else "a string"
        raise InvalidInput(f"{field} must be {qualifier} of at most {max_length} characters", code=code, field=field)
    if required and _LINE_BREAKS.search(value):
        raise InvalidInput(f"{field} must be one line, without tabs or line breaks", code=code, field=field)
    return value


# Every name and description is bounded alike, whatever it names (String(NAME_MAX) and Text columns).
NAME_MAX = 255
DESCRIPTION_MAX = 4000


def name(value: Any, *, code: str, field: str = "name") -> str:
    """A name: non-blank, on one line, at most ``NAME_MAX`` characters."""
    return text(value, field=field, code=code, max_length=NAME_MAX)


def description(value: Any, *, code: str, field: str = "description") -> str | None:
    """Prose of at most ``DESCRIPTION_MAX`` characters; None clears it."""
    if value is None:
        return None
    return text(value, field=field, code=code, max_length=DESCRIPTION_MAX, required=False)


# Integer primary keys are 32-bit on PostgreSQL; a larger number names no row.
MAX_ROW_ID = 2**31 - 1
# Integers stored in an `integer` column (stock, priority, ranks, points prices kept in columns).
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
# Integers kept inside JSON documents (limits, amounts): exact in every JSON client,
# JavaScript's included, and in a PostgreSQL bigint.
MAX_SAFE_INTEGER = 2**53 - 1


def integer(value: Any, *, field: str, code: str, minimum: int = INT32_MIN, maximum: int = INT32_MAX) -> int:
    """An integer in [minimum, maximum]; digits in a string are taken (vendors' examples send "30").

    A float is taken only when it is integral and in range, so ``1e30`` is refused
    rather than stored as an approximation.
    """
    result: int | None = None
    if isinstance(value, bool):
        result = None
    elif isinstance(value, int):
        result = value
    elif isinstance(value, float) and value.is_integer() and minimum <= value <= maximum:
        result = int(value)
    elif isinstance(value, str) and value.strip().lstrip("-").isascii() and value.strip().lstrip("-").isdigit():
        digits = value.strip()
        # Bounded before int() so a million-digit string is not converted at all.
        result = int(digits) if len(digits) <= 20 else maximum + 1
    if result is None:
        raise InvalidInput(f"{field} must be an integer", code=code, field=field)
    if result < minimum:
        raise InvalidInput(f"{field} must be at least {minimum}", code=code, field=field)
    if result > maximum:
        raise InvalidInput(f"{field} must be at most {maximum}", code=code, field=field)
    return result


# ---- date-times ---------------------------------------------------------------
# One parser for every date the service reads, body or query, either dialect.

DATETIME_FORMS = '"YYYY-MM-DD HH:MM:SS" or ISO 8601 (UTC when no offset is given)'


def parse_datetime(value: Any) -> datetime | None:
    """``value`` as an aware UTC datetime, or None if it is not one this service reads.

    Accepts ISO 8601 (what ``datetime.fromisoformat`` reads) and "YYYY-MM-DD HH:MM:SS";
    never a bare number or an epoch. A time whose UTC conversion falls outside years
    1-9999 is not a date-time either.
    """
    if not isinstance(value, str):
        return None
    raw = value.strip()
    # A date needs its dashes: "3" or "1700000000" is not a date, however ISO's basic format reads it.
    if len(raw) < 10 or raw[4] != "-" or raw[7] != "-":
        return None
    try:
        parsed = datetime.fromisoformat(raw)
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def as_datetime(value: Any, *, field: str, code: str = CommonCode.INVALID_DATETIME) -> datetime:
    parsed = parse_datetime(value)
    if parsed is None:
        raise InvalidInput(
            f"{field} must be a date-time: {DATETIME_FORMS}, within years 1-9999", code=code, field=field
        )
    return parsed


# ---- free-form documents -------------------------------------------------------
# metadata, custom fields, rich content: stored as given, so bounded as given.

FREE_FORM_MAX_DEPTH = 32
FREE_FORM_MAX_BYTES = 64 * 1024


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def free_form(value: T, *, field: str) -> T:
    """A free-form JSON document, refused if nested deeper than 32 levels or larger than 64 KiB."""
    if _depth(value) > FREE_FORM_MAX_DEPTH:
        raise InvalidInput(
            f"{field} is nested deeper than {FREE_FORM_MAX_DEPTH} levels",
            code=CommonCode.DOCUMENT_TOO_DEEP,
            field=field,
        )
    size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())
    if size > FREE_FORM_MAX_BYTES:
        raise InvalidInput(
            f"{field} is {size} bytes as JSON; at most {FREE_FORM_MAX_BYTES} are allowed",
            code=CommonCode.DOCUMENT_TOO_LARGE,
            field=field,
        )
    return value


def row_id(value: str | int) -> int | None:
    """``value`` as an integer row id, or None if it cannot be one (not digits, or too large)."""
    if isinstance(value, str):
        # Ten digits hold every 32-bit id; a longer string is not converted at all.
        if not (value.isascii() and value.isdigit()) or len(value) > 10:
            return None
        value = int(value)
    return value if 0 < value <= MAX_ROW_ID else None


def row_ids(values: Collection[int]) -> tuple[set[int], set[int]]:
    """Split ids into those that could name a row and those that cannot (so are surely missing)."""
    possible = {v for v in values if row_id(v) is not None}
    return possible, set(values) - possible
