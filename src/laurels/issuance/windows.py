"""The windows of reward limits: which span of time a limit counts issuances in, and when it resets.

Seed 003's ``restrictions`` give each limit a window, parsed and normalized by
``laurels.rewards.blocks``: ``windowType`` (FIXED or ROLLING), ``repeatFrequencyType``
(DAYS, WEEKS, MONTHS or NO_LIMIT), ``interval`` (how many of those units; None for
NO_LIMIT), ``weekStartDay`` (WEEKS only) and ``startOfCycle`` (optional). This module
turns one into a :class:`Window` at a given moment. Plain Python: no database, no
clock (the caller passes ``now``), no wire format.

A :class:`Window` is half-open, ``[start, end)``, in aware UTC; None on either side
means unbounded. The calendar is the org's: an IANA time zone, passed as ``tz``.

Local wall-clock times
    Every boundary is a local wall-clock time turned into an instant, and unit
    arithmetic is wall-clock arithmetic ("the next day at the same time", not "24
    hours later"). A DAYS window on a spring-forward day is therefore 23 hours long
    and on a fall-back day 25 (Europe/London, last Sunday of March and of October;
    America/New_York, second Sunday of March and first Sunday of November). A wall
    time a DST change skips (a gap) is the first instant after the gap, the instant
    of the change; a wall time that occurs twice (an overlap) is its first occurrence
    (``fold=0``).

FIXED: calendar windows of ``interval`` days, weeks or months
    "If the limit is set to 3 and repeatFrequencyType to MONTHS, each customer will
    be able to redeem the reward up to 3 times within a calendar month." The windows
    tile all time: every instant is in exactly one, and each ends where the next
    starts. ``end`` is when the limit resets (seed 003's ``resetsAt``).

    Without ``startOfCycle`` the windows follow the calendar, in the org's time zone:

    - DAYS, interval n: they start at local midnight on the days whose count from
      1970-01-01 is a multiple of n (n=1: every day).
    - WEEKS, interval n: they start at local midnight on ``weekStartDay`` (MONDAY
      unless given), on the weeks whose count from the epoch week is a multiple of
      n; the epoch week is the one starting on ``weekStartDay`` that holds
      1970-01-01.
    - MONTHS, interval n: they start at local midnight on the 1st of the months
      whose index, year * 12 + month - 1, is a multiple of n: n=3 gives the calendar
      quarters (January, April, July, October), n=12 calendar years.

    With ``startOfCycle`` the cycles start there instead: the anchor's local wall
    time A (an anchor with an offset is converted to the org's time; one without is
    read in it), and windows ``[A + k * interval units, A + (k + 1) * interval
    units)`` for every integer k, negative too. Each boundary is computed from A
    itself, never from the previous boundary: months keep A's day, clamped to the
    month's last day, and A's time of day, so a cycle anchored on January 31 has
    boundaries on February 28 (29 in a leap year), March 31, April 30 ...

ROLLING: the last ``interval`` days, weeks or months
    An issuance at instant t counts against the limit from t until
    ``rolling_reset(t)``: t plus ``interval`` units, in wall-clock arithmetic (the same
    local time n days, 7n days or n months later). So at ``now`` the window holds the
    issuances of ``(now - interval units, now]``; :func:`window_at` gives it as the
    half-open ``[first instant after now - interval units, now + 1 microsecond)``,
    and ``window_at(rule, now, tz).contains(t)`` is exactly ``t <= now <
    rolling_reset(rule, t, tz)``. As ``now`` advances the start only moves forward,
    so an issuance that has left the window never comes back. The limit resets when
    the oldest issuance it counts leaves the window, which depends on the issuances:
    the engine finds the oldest and asks :func:`rolling_reset`.

NO_LIMIT
    One lifetime window, ``Window(None, None)``: the limit never resets. The parser
    refuses ROLLING with NO_LIMIT; should one arrive it is the lifetime window too.

Choices this module makes where the seed is silent
    - The calendar epoch of DAYS and WEEKS windows without ``startOfCycle`` is
      1970-01-01 (see FIXED); an interval of 1 does not depend on it.
    - With ``startOfCycle``, ``weekStartDay`` plays no part: WEEKS cycles start on
      the anchor's weekday at the anchor's time of day, and DAYS cycles at the
      anchor's time of day, as the anchor says.
    - The anchor counts as the local wall time of its instant: one given as the
      second occurrence of a repeated time starts its cycle at the first
      occurrence, and one read without an offset whose wall time a gap skips is
      the instant the gap ends, so its cycles start at that wall time (03:00, not
      02:30, in America/New_York).
    - ROLLING windows have no cycle: a ``startOfCycle`` plays no part in them.
    - ROLLING counts the issuances up to and including ``now``: one stamped in the
      same microsecond as the check is counted, and one stamped exactly at
      ``rolling_reset`` is not. Hence the microsecond in the window's ends: the
      seed's ``resetsAt`` stays the plain instant, t plus the interval.
    - ROLLING months: when the day does not exist in the target month, the day is
      clamped to the end of the month. With an interval of 1, an issuance on
      January 29, 30 or 31 counts until March 1 at 00:00 (it has been "a month"
      once February is over), and on March 29, 30 and 31 (March 30 and 31 in a
      leap year) the window starts at March 1 00:00. Clamping to the last day at the same time of day, as FIXED
      anchors do, would move the window's start back at each midnight: at March 29
      20:00 it would start on February 28 at 20:00, at March 30 09:00 on February
      28 at 09:00, and an issuance of February 28 at 15:00 would come back into the
      window after it had left.
    - ROLLING in a repeated hour: on its second pass (``fold=1``) the local clock
      counts as stopped at the end of the repeated span, so the window's start
      never steps back when the clock does. An issuance made then counts until the
      end of the span ``interval`` units later.
    - An instant whose arithmetic leaves datetime's range (years 1 to 9999) raises
      OverflowError.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

__all__ = [
    "LIFETIME",
    "Frequency",
    "Weekday",
    "Window",
    "WindowRule",
    "WindowType",
    "rolling_reset",
    "window_at",
]


class WindowType(StrEnum):
    """Seed 003's ``windowType`` (``rewards.vocabulary.WINDOW_TYPES``)."""

    FIXED = "FIXED"
    ROLLING = "ROLLING"


class Frequency(StrEnum):
    """Seed 003's ``repeatFrequencyType`` (``rewards.vocabulary.FREQUENCIES``)."""

    DAYS = "DAYS"
    WEEKS = "WEEKS"
    MONTHS = "MONTHS"
    NO_LIMIT = "NO_LIMIT"


class Weekday(StrEnum):
    """Seed 003's ``weekStartDay`` (``rewards.vocabulary.WEEKDAYS``), in ``date.weekday()`` order."""

    MONDAY = "MONDAY"
    TUESDAY = "TUESDAY"
    WEDNESDAY = "WEDNESDAY"
    THURSDAY = "THURSDAY"
    FRIDAY = "FRIDAY"
    SATURDAY = "SATURDAY"
    SUNDAY = "SUNDAY"


_WEEKDAY_NUMBER = {day: number for number, day in enumerate(Weekday)}
_EPOCH = date(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class Window:
    """``[start, end)`` in aware UTC; None is unbounded on that side."""

    start: datetime | None
    end: datetime | None

    def contains(self, t: datetime) -> bool:
        _require_aware(t, "t")
        return (self.start is None or self.start <= t) and (self.end is None or t < self.end)


LIFETIME = Window(None, None)


@dataclass(frozen=True)
class WindowRule:
    """How one limit draws its window: seed 003's restriction without its KPI and count.

    ``interval`` is at least 1 (NO_LIMIT has none and ignores it); ``week_start_day``
    matters only for WEEKS without ``start_of_cycle``; ``start_of_cycle`` is aware.
    Strings are accepted for the enumerations and converted.
    """

    window_type: WindowType
    frequency: Frequency
    interval: int | None = None
    week_start_day: Weekday = Weekday.MONDAY
    start_of_cycle: datetime | None = None

    def __post_init__(self) -> None:
        # Frozen, so the conversions go through object.__setattr__; they also refuse unknown words.
        object.__setattr__(self, "window_type", WindowType(self.window_type))
        object.__setattr__(self, "frequency", Frequency(self.frequency))
        object.__setattr__(self, "week_start_day", Weekday(self.week_start_day))
        if self.frequency is not Frequency.NO_LIMIT and (
            isinstance(self.interval, bool) or not isinstance(self.interval, int) or self.interval < 1
        ):
            raise ValueError(f"a {self.frequency} window needs an interval of at least 1, not {self.interval!r}")
        if self.start_of_cycle is not None:
            _require_aware(self.start_of_cycle, "start_of_cycle")

    @classmethod
    def of(cls, entry: Mapping[str, Any], tz: ZoneInfo | None = None) -> WindowRule:
        """The rule of one restriction as ``rewards.blocks`` normalizes it.

        A ``startOfCycle`` without an offset is a wall time in ``tz``, the org's zone
        (ValueError without one); the parser's output always has an offset.
        """
        anchor = entry.get("startOfCycle")
        start_of_cycle = None
        if anchor is not None:
            start_of_cycle = anchor if isinstance(anchor, datetime) else datetime.fromisoformat(anchor)
            if start_of_cycle.tzinfo is None:
                if tz is None:
                    raise ValueError("a startOfCycle without an offset needs the org's time zone")
                start_of_cycle = _resolve(start_of_cycle, tz)
        return cls(
            window_type=WindowType(entry.get("windowType") or WindowType.FIXED),
            frequency=Frequency(entry.get("repeatFrequencyType") or Frequency.NO_LIMIT),
            interval=entry.get("interval"),
            week_start_day=Weekday(entry.get("weekStartDay") or Weekday.MONDAY),
            start_of_cycle=start_of_cycle,
        )


def window_at(rule: WindowRule, now: datetime, tz: ZoneInfo) -> Window:
    """The window a limit counts in at ``now``: the FIXED window holding ``now``, the
    ROLLING window ending with ``now``, or the lifetime window. ``now`` must be aware."""
    _require_aware(now, "now")
    if rule.frequency is Frequency.NO_LIMIT:
        return LIFETIME
    if rule.window_type is WindowType.ROLLING:
        start = _first_instant_after(_earlier(rule, _wall_for_window(now, tz)), tz)
        return Window(start, now.astimezone(UTC) + _MICROSECOND)
    return _fixed_window(rule, now.astimezone(UTC), tz)


def rolling_reset(rule: WindowRule, oldest_counted: datetime, tz: ZoneInfo) -> datetime:
    """When an issuance at ``oldest_counted`` stops counting against a ROLLING limit.

    ``oldest_counted`` plus the interval in wall-clock arithmetic (the module's
    docstring has the details), in UTC: from then on ``window_at`` no longer holds
    it. A FIXED limit resets at its window's ``end``; a lifetime one never.
    """
    _require_aware(oldest_counted, "oldest_counted")
    if rule.window_type is not WindowType.ROLLING or rule.frequency is Frequency.NO_LIMIT:
        raise ValueError(f"only a ROLLING window of days, weeks or months resets by issuance, not {rule}")
    return _resolve(_later(rule, _wall_for_issuance(oldest_counted, tz)), tz)


# ---- FIXED windows -------------------------------------------------------------
# Boundary k of a limit is a wall time; _resolve turns it into an instant. The window
# at now is the k with boundary(k) <= now < boundary(k + 1), found from a guess made
# on wall times and corrected on instants (they differ by the offsets in between).


@dataclass(frozen=True)
class _StepGrid:
    """Boundaries ``base + k * step`` in wall-clock time: DAYS and WEEKS."""

    base: datetime
    step: timedelta

    def index_near(self, wall: datetime) -> int:
        return (wall - self.base) // self.step

    def boundary(self, k: int) -> datetime:
        return self.base + k * self.step


@dataclass(frozen=True)
class _MonthGrid:
    """Boundaries ``months * k`` months after month index ``base``, on ``day`` (clamped to
    the month's last day) at ``clock``: MONTHS."""

    base: int
    months: int
    day: int
    clock: time

    def index_near(self, wall: datetime) -> int:
        return (_month_index(wall) - self.base) // self.months

    def boundary(self, k: int) -> datetime:
        year, month = _year_month(self.base + k * self.months)
        return datetime.combine(date(year, month, min(self.day, monthrange(year, month)[1])), self.clock)


def _grid(rule: WindowRule, tz: ZoneInfo) -> _StepGrid | _MonthGrid:
    n = _interval(rule)
    anchor = None if rule.start_of_cycle is None else _wall(rule.start_of_cycle, tz)
    if rule.frequency is Frequency.MONTHS:
        if anchor is None:
            return _MonthGrid(base=0, months=n, day=1, clock=time())
        return _MonthGrid(base=_month_index(anchor), months=n, day=anchor.day, clock=anchor.time())
    if anchor is None:
        epoch = _EPOCH
        if rule.frequency is Frequency.WEEKS:
            epoch -= timedelta(days=(epoch.weekday() - _WEEKDAY_NUMBER[rule.week_start_day]) % 7)
        anchor = datetime.combine(epoch, time())
    return _StepGrid(base=anchor, step=_step(rule))


def _fixed_window(rule: WindowRule, now: datetime, tz: ZoneInfo) -> Window:
    grid = _grid(rule, tz)
    k = grid.index_near(_wall(now, tz))
    start, end = _resolve(grid.boundary(k), tz), _resolve(grid.boundary(k + 1), tz)
    while start > now:
        k -= 1
        start, end = _resolve(grid.boundary(k), tz), start
    # A gap as long as a window (a skipped day) leaves an empty window; this skips it too.
    while end <= now:
        k += 1
        start, end = end, _resolve(grid.boundary(k + 1), tz)
    return Window(start, end)


# ---- ROLLING arithmetic ----------------------------------------------------------
# _later moves an issuance's wall time to its reset, _earlier moves now's back to the
# window's start. Each is the other's exact inverse (x _later <= y iff x <= y _earlier),
# which is what makes window_at and rolling_reset agree to the microsecond.


def _later(rule: WindowRule, wall: datetime) -> datetime:
    if rule.frequency is not Frequency.MONTHS:
        return wall + _step(rule)
    index = _month_index(wall) + _interval(rule)
    year, month = _year_month(index)
    if wall.day <= monthrange(year, month)[1]:
        return wall.replace(year=year, month=month)
    year, month = _year_month(index + 1)
    return datetime(year, month, 1)


def _earlier(rule: WindowRule, wall: datetime) -> datetime:
    if rule.frequency is not Frequency.MONTHS:
        return wall - _step(rule)
    index = _month_index(wall) - _interval(rule)
    year, month = _year_month(index)
    if wall.day <= monthrange(year, month)[1]:
        return wall.replace(year=year, month=month)
    # No day of that month is an interval away yet: the window starts after all of it.
    year, month = _year_month(index + 1)
    return datetime(year, month, 1) - _MICROSECOND


def _wall_for_issuance(t: datetime, tz: ZoneInfo) -> datetime:
    end = _repeat_end(t, tz)
    return _wall(t, tz) if end is None else end


def _wall_for_window(now: datetime, tz: ZoneInfo) -> datetime:
    # One microsecond short of the span's end: an issuance made on the second pass
    # (its wall time is the end) must still be counted until its own reset.
    end = _repeat_end(now, tz)
    return _wall(now, tz) if end is None else end - _MICROSECOND


# ---- wall times and instants ---------------------------------------------------------


def _wall(t: datetime, tz: ZoneInfo) -> datetime:
    """The local wall time of an instant, naive."""
    return t.astimezone(tz).replace(tzinfo=None, fold=0)


def _resolve(wall: datetime, tz: ZoneInfo) -> datetime:
    """The instant of a local wall time, in UTC: its first occurrence, or the end of the gap it falls in."""
    instant = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if _wall(instant, tz) == wall:
        return instant
    # In a gap, fold=0 reads the wall time with the offset before the change, which lands
    # after the change, and fold=1 with the offset after it, which lands before.
    return _change_between(wall.replace(tzinfo=tz, fold=1).astimezone(UTC), instant, tz)


def _first_instant_after(wall: datetime, tz: ZoneInfo) -> datetime:
    """The first instant whose wall time is later than ``wall``."""
    instant = _resolve(wall, tz)
    return instant + _MICROSECOND if _wall(instant, tz) == wall else instant


def _repeat_end(t: datetime, tz: ZoneInfo) -> datetime | None:
    """If ``t`` is on the second pass through a repeated span of wall time, the wall time the span ends at."""
    local = t.astimezone(tz)
    first = local.replace(fold=0)
    if not local.fold or _offset(first) == _offset(local):
        return None
    change = _change_between(first.astimezone(UTC), t.astimezone(UTC), tz)
    return (change + _offset(first)).replace(tzinfo=None)


def _change_between(before: datetime, after: datetime, tz: ZoneInfo) -> datetime:
    """The first instant after ``before`` with another UTC offset than ``before``'s,
    given that ``after`` has one; the two are hours apart, so one change lies between.
    zoneinfo lists no transitions, so this bisects, to the microsecond."""
    offset = _offset(before.astimezone(tz))
    while after - before > _MICROSECOND:
        middle = before + (after - before) // 2
        if _offset(middle.astimezone(tz)) == offset:
            before = middle
        else:
            after = middle
    return after


def _offset(local: datetime) -> timedelta:
    offset = local.utcoffset()
    if offset is None:
        raise ValueError(f"{local!r} has no UTC offset")
    return offset


# ---- units -------------------------------------------------------------------------------


def _interval(rule: WindowRule) -> int:
    # NO_LIMIT, the one frequency without an interval, is the lifetime window before any arithmetic.
    if rule.interval is None:
        raise ValueError(f"a {rule.frequency} window has no interval")
    return rule.interval


def _step(rule: WindowRule) -> timedelta:
    n = _interval(rule)
    return timedelta(weeks=n) if rule.frequency is Frequency.WEEKS else timedelta(days=n)


def _month_index(wall: datetime) -> int:
    return wall.year * 12 + wall.month - 1


def _year_month(index: int) -> tuple[int, int]:
    year, month = divmod(index, 12)
    if not MINYEAR <= year <= MAXYEAR:
        raise OverflowError(f"year {year} is out of range")
    return year, month + 1


def _require_aware(t: datetime, name: str) -> None:
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, not {t!r}")
