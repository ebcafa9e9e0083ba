"""The one error hierarchy.

Every refusal Laurels makes is a :class:`LaurelsError`: it carries the HTTP
status, a stable machine-readable code and a human message. Domain packages
define their codes as ``StrEnum`` members and raise the subclass whose status
fits; the HTTP layer renders each API surface's envelope from these three
values and never decides a status on its own.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, TypeVar

T = TypeVar("T")


class CommonCode(StrEnum):
    VALIDATION_ERROR = "VALIDATION_ERROR"
    INVALID_BODY = "INVALID_BODY"
    BODY_TOO_DEEP = "BODY_TOO_DEEP"
    BODY_TOO_LARGE = "BODY_TOO_LARGE"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    INVALID_CHARACTERS = "INVALID_CHARACTERS"
    INVALID_DATETIME = "INVALID_DATETIME"
    DOCUMENT_TOO_DEEP = "DOCUMENT_TOO_DEEP"
    DOCUMENT_TOO_LARGE = "DOCUMENT_TOO_LARGE"
    MISSING_REQUIRED_FIELDS = "MISSING_REQUIRED_FIELDS"
    INVALID_CURSOR = "INVALID_CURSOR"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    UNAUTHORIZED = "UNAUTHORIZED"
    FORBIDDEN = "FORBIDDEN"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    INTERNAL_ERROR = "INTERNAL_ERROR"


class LaurelsError(Exception):
    status_code: int = 400
    default_code: str = CommonCode.VALIDATION_ERROR

    def __init__(
        self, message: str, *, code: str | None = None, field: str | None = None, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = str(code or self.default_code)
        # The request field the error is about, when there is one; rendered
        # beside the message so clients need not parse it.
        self.field = field
        # What a refusal knows beyond its message (which limit, when it resets), as data.
        self.details = details


class InvalidInput(LaurelsError):
    status_code = 400
    default_code = CommonCode.VALIDATION_ERROR


class Unauthorized(LaurelsError):
    status_code = 401
    default_code = CommonCode.UNAUTHORIZED


class Forbidden(LaurelsError):
    status_code = 403
    default_code = CommonCode.FORBIDDEN


class NotFound(LaurelsError):
    status_code = 404
    default_code = CommonCode.NOT_FOUND


class Conflict(LaurelsError):
    status_code = 409
    default_code = CommonCode.CONFLICT


def found(value: T | None, message: str, code: str) -> T:
    """``value``, or a 404 with this message and code when there is none."""
    if value is None:
        raise NotFound(message, code=code)
    return value
