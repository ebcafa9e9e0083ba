"""Field checks that several domains share; plain Python, no ORM or HTTP."""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from laurels.kit.errors import CommonCode, InvalidInput

# Client-chosen ids: readable, URL-safe, and never all digits, because an
# all-digit path segment addresses a resource by its integer id.
PUBLIC_ID_PATTERN = re.compile(r"^(?!\d+$)[A-Za-z0-9_.:-]{1,64}$")


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


def text(value: Any, *, field: str, code: str, max_length: int, required: bool = True) -> str:
    """A non-blank string of at most ``max_length`` characters."""
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > max_length:
        qualifier = "a non-empty string" if required else "a string"
        raise InvalidInput(f"{field} must be {qualifier} of at most {max_length} characters", code=code, field=field)
    return value


# Integer primary keys are 32-bit on PostgreSQL; a larger number names no row.
MAX_ROW_ID = 2**31 - 1


def row_id(value: str | int) -> int | None:
    """``value`` as an integer row id, or None if it cannot be one (not digits, or too large)."""
    if isinstance(value, str):
        if not (value.isascii() and value.isdigit()):
            return None
        value = int(value)
    return value if 0 < value <= MAX_ROW_ID else None


def row_ids(values: Collection[int]) -> tuple[set[int], set[int]]:
    """Split ids into those that could name a row and those that cannot (so are surely missing)."""
    possible = {v for v in values if row_id(v) is not None}
    return possible, set(values) - possible
