"""Opaque keyset cursors: a page continues after the last integer id it showed."""

from __future__ import annotations

import base64
import binascii

from laurels.kit.errors import CommonCode, InvalidInput
from laurels.kit.validation import MAX_ROW_ID

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, value = raw.partition(":")
        if prefix != "id":
            raise ValueError(raw)
        last_id = int(value)
        if not 0 <= last_id <= MAX_ROW_ID:
            raise ValueError(raw)
        return last_id
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput(
            "cursor is not a cursor this API returned", code=CommonCode.INVALID_CURSOR, field="cursor"
        ) from None


def next_cursor(ids: list[int], limit: int) -> str | None:
    """A cursor for the following page, or None when this page is the last."""
    return encode_cursor(ids[-1]) if len(ids) == limit and ids else None
