"""Time, in one place, so every timestamp Laurels writes is aware and in UTC.

Rules that compare with "now" (a reward's state, "must be in the future") all
read :func:`utcnow`, so tests can set the clock with :func:`frozen_at`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

_frozen: datetime | None = None


def utcnow() -> datetime:
    return _frozen if _frozen is not None else datetime.now(UTC)


@contextmanager
def frozen_at(moment: datetime) -> Iterator[None]:
    """Hold the process clock at ``moment`` (tests only: it is process-wide)."""
    global _frozen  # noqa: PLW0603  (one clock for the whole process is the point)
    previous, _frozen = _frozen, moment.astimezone(UTC)
    try:
        yield
    finally:
        _frozen = previous


def iso_ms(value: datetime) -> str:
    """Render as the seeds do: ``2025-10-01T10:00:00.000Z``."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
