"""The windows of reward limits: worked examples of the rules in issuance.windows, then properties."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from laurels.issuance.windows import (
    LIFETIME,
    Frequency,
    Weekday,
    Window,
    WindowRule,
    WindowType,
    rolling_reset,
    window_at,
)
from laurels.rewards import blocks
from laurels.rewards.vocabulary import FREQUENCIES, WEEKDAYS, WINDOW_TYPES

UTC_ZONE = ZoneInfo("UTC")
LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
SAO_PAULO = ZoneInfo("America/Sao_Paulo")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
MICROSECOND = timedelta(microseconds=1)
HOUR = timedelta(hours=1)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def fixed(frequency: str, interval: int | None = 1, **more: Any) -> WindowRule:
    return WindowRule(WindowType.FIXED, Frequency(frequency), interval, **more)


def rolling(frequency: str, interval: int = 1) -> WindowRule:
    return WindowRule(WindowType.ROLLING, Frequency(frequency), interval)


def anchored(frequency: str, interval: int, anchor: str, tz: ZoneInfo, **more: Any) -> WindowRule:
    entry = {"windowType": "FIXED", "repeatFrequencyType": frequency, "interval": interval, "startOfCycle": anchor}
    return WindowRule.of(entry | more, tz)


def span(rule: WindowRule, now: datetime, tz: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    window = window_at(rule, now, tz)
    return window.start, window.end


def bounded(window: Window) -> tuple[datetime, datetime]:
    assert window.start is not None
    assert window.end is not None
    return window.start, window.end


# ---- the vocabulary ---------------------------------------------------------------


def test_the_enumerations_are_seed_003s_words() -> None:
    assert tuple(WindowType) == WINDOW_TYPES
    assert tuple(Frequency) == FREQUENCIES
    assert tuple(Weekday) == WEEKDAYS


def test_a_rule_is_read_from_what_the_parser_normalizes() -> None:
    parsed = blocks.restrictions(
        {
            "customerLevel": [
                {"kpi": "QUANTITY", "limit": 3, "repeatFrequencyType": "WEEKS", "interval": 2},
                {
                    "kpi": "QUANTITY",
                    "limit": 1,
                    "repeatFrequencyType": "MONTHS",
                    "windowType": "ROLLING",
                    "startOfCycle": "2025-01-15T09:00:00+01:00",
                },
                {"kpi": "REDEMPTION_VALUE", "limit": 100, "repeatFrequencyType": "NO_LIMIT"},
            ]
        }
    )
    assert parsed is not None
    weeks, months, lifetime = (WindowRule.of(entry) for entry in parsed["customerLevel"])
    assert weeks == WindowRule(WindowType.FIXED, Frequency.WEEKS, 2, Weekday.MONDAY, None)
    assert months == WindowRule(WindowType.ROLLING, Frequency.MONTHS, 1, Weekday.MONDAY, utc(2025, 1, 15, 8))
    assert lifetime.frequency is Frequency.NO_LIMIT
    assert lifetime.interval is None


def test_a_start_of_cycle_without_an_offset_is_the_orgs_wall_time() -> None:
    rule = anchored("DAYS", 1, "2025-01-01T00:00:00", NEW_YORK)
    assert rule.start_of_cycle == utc(2025, 1, 1, 5)
    with pytest.raises(ValueError, match="time zone"):
        WindowRule.of({"repeatFrequencyType": "DAYS", "interval": 1, "startOfCycle": "2025-01-01T00:00:00"})


def test_a_rule_refuses_what_it_cannot_draw() -> None:
    with pytest.raises(ValueError, match="interval"):
        fixed("DAYS", 0)
    with pytest.raises(ValueError, match="interval"):
        fixed("MONTHS", None)
    with pytest.raises(ValueError, match="FORTNIGHTS"):
        fixed("FORTNIGHTS")
    with pytest.raises(ValueError, match="aware"):
        fixed("DAYS", start_of_cycle=datetime(2025, 1, 1))


def test_a_naive_moment_is_refused() -> None:
    naive = datetime(2025, 6, 1, 12)
    with pytest.raises(ValueError, match="aware"):
        window_at(fixed("DAYS"), naive, UTC_ZONE)
    with pytest.raises(ValueError, match="aware"):
        rolling_reset(rolling("DAYS"), naive, UTC_ZONE)
    with pytest.raises(ValueError, match="aware"):
        LIFETIME.contains(naive)


# ---- FIXED, on the calendar ---------------------------------------------------------


def test_days_are_local_calendar_days() -> None:
    assert span(fixed("DAYS"), utc(2025, 6, 15, 12), UTC_ZONE) == (utc(2025, 6, 15), utc(2025, 6, 16))
    # 23:30 UTC is already the 16th in London (BST, UTC+1).
    assert span(fixed("DAYS"), utc(2025, 6, 15, 23, 30), LONDON) == (utc(2025, 6, 15, 23), utc(2025, 6, 16, 23))
    assert span(fixed("DAYS"), utc(2025, 6, 16, 3), NEW_YORK) == (utc(2025, 6, 15, 4), utc(2025, 6, 16, 4))


def test_days_of_an_interval_count_from_the_epoch() -> None:
    # 2025-06-15 is day 20254 after 1970-01-01; the 3-day windows start on multiples of 3: day 20253.
    assert span(fixed("DAYS", 3), utc(2025, 6, 15, 12), UTC_ZONE) == (utc(2025, 6, 14), utc(2025, 6, 17))
    assert span(fixed("DAYS", 3), utc(2025, 6, 17), UTC_ZONE) == (utc(2025, 6, 17), utc(2025, 6, 20))


def test_weeks_start_on_the_week_start_day() -> None:
    wednesday = utc(2025, 6, 18, 12)
    assert span(fixed("WEEKS"), wednesday, UTC_ZONE) == (utc(2025, 6, 16), utc(2025, 6, 23))
    sundays = fixed("WEEKS", week_start_day=Weekday.SUNDAY)
    assert span(sundays, wednesday, UTC_ZONE) == (utc(2025, 6, 15), utc(2025, 6, 22))
    assert span(sundays, utc(2025, 6, 15), UTC_ZONE) == (utc(2025, 6, 15), utc(2025, 6, 22))
    assert span(sundays, utc(2025, 6, 15) - MICROSECOND, UTC_ZONE) == (utc(2025, 6, 8), utc(2025, 6, 15))
    # Local midnight: Monday 00:00 in New York is 04:00 UTC in summer.
    assert span(fixed("WEEKS"), wednesday, NEW_YORK) == (utc(2025, 6, 16, 4), utc(2025, 6, 23, 4))


def test_weeks_of_an_interval_count_from_the_epoch_week() -> None:
    # Monday 2025-06-16 is an even number of weeks after Monday 1969-12-29, the epoch week's start.
    fortnights = fixed("WEEKS", 2)
    assert span(fortnights, utc(2025, 6, 18), UTC_ZONE) == (utc(2025, 6, 16), utc(2025, 6, 30))
    assert span(fortnights, utc(2025, 6, 25), UTC_ZONE) == (utc(2025, 6, 16), utc(2025, 6, 30))
    assert span(fortnights, utc(2025, 6, 14), UTC_ZONE) == (utc(2025, 6, 2), utc(2025, 6, 16))


def test_months_quarters_and_years_are_calendar_ones() -> None:
    assert span(fixed("MONTHS"), utc(2024, 2, 10), UTC_ZONE) == (utc(2024, 2, 1), utc(2024, 3, 1))
    assert span(fixed("MONTHS"), utc(2023, 2, 28, 23), UTC_ZONE) == (utc(2023, 2, 1), utc(2023, 3, 1))
    assert span(fixed("MONTHS", 3), utc(2025, 5, 20), UTC_ZONE) == (utc(2025, 4, 1), utc(2025, 7, 1))
    assert span(fixed("MONTHS", 3), utc(2025, 12, 31), UTC_ZONE) == (utc(2025, 10, 1), utc(2026, 1, 1))
    assert span(fixed("MONTHS", 12), utc(2025, 5, 20), UTC_ZONE) == (utc(2025, 1, 1), utc(2026, 1, 1))
    # The local new year: 05:00 UTC in New York (EST).
    assert span(fixed("MONTHS", 12), utc(2025, 5, 20), NEW_YORK) == (utc(2025, 1, 1, 5), utc(2026, 1, 1, 5))


# ---- FIXED, anchored on startOfCycle ----------------------------------------------------


def test_a_monthly_cycle_anchored_on_january_31_clamps_each_month_from_the_anchor() -> None:
    rule = anchored("MONTHS", 1, "2024-01-31T00:00:00+00:00", UTC_ZONE)
    assert span(rule, utc(2024, 2, 10), UTC_ZONE) == (utc(2024, 1, 31), utc(2024, 2, 29))
    # Not accumulated: after February 29 the cycle is back on the 31st, then the 30th.
    assert span(rule, utc(2024, 3, 5), UTC_ZONE) == (utc(2024, 2, 29), utc(2024, 3, 31))
    assert span(rule, utc(2024, 4, 15), UTC_ZONE) == (utc(2024, 3, 31), utc(2024, 4, 30))
    assert span(rule, utc(2025, 2, 28, 12), UTC_ZONE) == (utc(2025, 2, 28), utc(2025, 3, 31))
    # Before the anchor the cycles continue backwards.
    assert span(rule, utc(2023, 2, 10), UTC_ZONE) == (utc(2023, 1, 31), utc(2023, 2, 28))


def test_an_anchor_keeps_its_time_of_day() -> None:
    quarters = anchored("MONTHS", 3, "2025-02-15T09:30:00", LONDON)
    # 09:30 GMT on February 15, 09:30 BST on May 15.
    assert span(quarters, utc(2025, 3, 1), LONDON) == (utc(2025, 2, 15, 9, 30), utc(2025, 5, 15, 8, 30))
    every_other_day = anchored("DAYS", 2, "2025-06-01T06:00:00+00:00", UTC_ZONE)
    assert span(every_other_day, utc(2025, 6, 4, 5), UTC_ZONE) == (utc(2025, 6, 3, 6), utc(2025, 6, 5, 6))
    assert span(every_other_day, utc(2025, 5, 31, 12), UTC_ZONE) == (utc(2025, 5, 30, 6), utc(2025, 6, 1, 6))


def test_an_anchor_with_an_offset_is_converted_to_the_orgs_time() -> None:
    # Midnight UTC is 19:00 the day before in New York: the daily cycles turn at 19:00 local.
    rule = anchored("DAYS", 1, "2025-01-01T00:00:00+00:00", NEW_YORK)
    assert span(rule, utc(2025, 6, 10, 12), NEW_YORK) == (utc(2025, 6, 9, 23), utc(2025, 6, 10, 23))


def test_an_anchored_week_ignores_the_week_start_day() -> None:
    # Wednesday 2025-06-04 15:00: the cycles run Wednesday 15:00 to Wednesday 15:00.
    rule = anchored("WEEKS", 1, "2025-06-04T15:00:00+00:00", UTC_ZONE, weekStartDay="MONDAY")
    assert span(rule, utc(2025, 6, 16, 12), UTC_ZONE) == (utc(2025, 6, 11, 15), utc(2025, 6, 18, 15))


# ---- FIXED, across DST changes ----------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "now", "start", "end", "hours"),
    [
        pytest.param(LONDON, utc(2025, 3, 30, 12), utc(2025, 3, 30), utc(2025, 3, 30, 23), 23, id="london-spring"),
        pytest.param(LONDON, utc(2025, 10, 26, 12), utc(2025, 10, 25, 23), utc(2025, 10, 27), 25, id="london-fall"),
        pytest.param(NEW_YORK, utc(2025, 3, 9, 12), utc(2025, 3, 9, 5), utc(2025, 3, 10, 4), 23, id="ny-spring"),
        pytest.param(NEW_YORK, utc(2025, 11, 2, 12), utc(2025, 11, 2, 4), utc(2025, 11, 3, 5), 25, id="ny-fall"),
        # Sao Paulo's clocks went forward at midnight: the day started at 01:00, the end of the gap.
        pytest.param(SAO_PAULO, utc(2018, 11, 4, 12), utc(2018, 11, 4, 3), utc(2018, 11, 5, 2), 23, id="sp-gap"),
        # Lord Howe Island moves its clocks by half an hour.
        pytest.param(
            LORD_HOWE, utc(2025, 10, 5, 5), utc(2025, 10, 4, 13, 30), utc(2025, 10, 5, 13), 23.5, id="lord-howe"
        ),
    ],
)
def test_a_day_across_a_dst_change_is_its_wall_clock_length(
    tz: ZoneInfo, now: datetime, start: datetime, end: datetime, hours: float
) -> None:
    assert bounded(window_at(fixed("DAYS"), now, tz)) == (start, end)
    assert end - start == timedelta(hours=hours)


def test_a_month_across_a_dst_change_keeps_local_midnight() -> None:
    # March 2025 in London: from 00:00 GMT to 00:00 BST, an hour short of 31 days.
    start, end = bounded(window_at(fixed("MONTHS"), utc(2025, 3, 15), LONDON))
    assert (start, end) == (utc(2025, 3, 1), utc(2025, 3, 31, 23))
    assert end - start == timedelta(days=31) - HOUR


def test_a_boundary_in_a_gap_moves_to_the_end_of_the_gap() -> None:
    # Daily cycles at 02:30 New York time; on March 9 2025 02:30 does not exist (02:00 -> 03:00 EDT).
    rule = anchored("DAYS", 1, "2025-03-01T02:30:00", NEW_YORK)
    assert span(rule, utc(2025, 3, 9, 12), NEW_YORK) == (utc(2025, 3, 9, 7), utc(2025, 3, 10, 6, 30))
    assert span(rule, utc(2025, 3, 9, 7) - MICROSECOND, NEW_YORK) == (utc(2025, 3, 8, 7, 30), utc(2025, 3, 9, 7))


def test_a_boundary_in_a_repeated_hour_is_its_first_occurrence() -> None:
    # Daily cycles at 01:30 New York time; on November 2 2025 01:30 happens at 05:30 and 06:30 UTC.
    rule = anchored("DAYS", 1, "2025-10-01T01:30:00", NEW_YORK)
    first_pass, second_pass = utc(2025, 11, 2, 5, 10), utc(2025, 11, 2, 6, 10)  # both 01:10 local
    assert span(rule, first_pass, NEW_YORK) == (utc(2025, 11, 1, 5, 30), utc(2025, 11, 2, 5, 30))
    assert span(rule, second_pass, NEW_YORK) == (utc(2025, 11, 2, 5, 30), utc(2025, 11, 3, 6, 30))


# ---- ROLLING -------------------------------------------------------------------------------


def test_rolling_days_are_the_last_days_up_to_now() -> None:
    rule, now = rolling("DAYS", 7), utc(2025, 6, 15, 12)
    window = window_at(rule, now, UTC_ZONE)
    assert (window.start, window.end) == (utc(2025, 6, 8, 12) + MICROSECOND, now + MICROSECOND)
    assert window.contains(now)
    assert window.contains(utc(2025, 6, 8, 12) + MICROSECOND)
    assert not window.contains(utc(2025, 6, 8, 12))
    # An issuance exactly a week old has just stopped counting: its reset is now.
    assert rolling_reset(rule, utc(2025, 6, 8, 12), UTC_ZONE) == now
    assert rolling_reset(rule, utc(2025, 6, 10, 9, 45), UTC_ZONE) == utc(2025, 6, 17, 9, 45)


def test_rolling_weeks() -> None:
    rule = rolling("WEEKS", 2)
    assert window_at(rule, utc(2025, 6, 15, 12), UTC_ZONE).start == utc(2025, 6, 1, 12) + MICROSECOND
    assert rolling_reset(rule, utc(2025, 6, 1, 12), UTC_ZONE) == utc(2025, 6, 15, 12)


def test_rolling_days_are_wall_clock_days() -> None:
    # The day before noon BST on March 30 2025 is noon GMT on the 29th: 23 hours earlier.
    rule = rolling("DAYS")
    assert window_at(rule, utc(2025, 3, 30, 11), LONDON).start == utc(2025, 3, 29, 12) + MICROSECOND
    assert rolling_reset(rule, utc(2025, 3, 29, 12), LONDON) == utc(2025, 3, 30, 11)
    assert window_at(rule, utc(2025, 3, 31, 11), LONDON).start == utc(2025, 3, 30, 11) + MICROSECOND


def test_rolling_in_a_repeated_hour_the_clock_stands_at_its_end() -> None:
    rule = rolling("DAYS")
    # 01:10 EST on November 2 2025, the second pass: counted as just before 02:00 local.
    second_pass = utc(2025, 11, 2, 6, 10)
    assert window_at(rule, second_pass, NEW_YORK).start == utc(2025, 11, 1, 6)
    assert rolling_reset(rule, second_pass, NEW_YORK) == utc(2025, 11, 3, 7)
    # The first pass is ordinary wall-clock time.
    first_pass = utc(2025, 11, 2, 5, 10)
    assert window_at(rule, first_pass, NEW_YORK).start == utc(2025, 11, 1, 5, 10) + MICROSECOND
    assert rolling_reset(rule, first_pass, NEW_YORK) == utc(2025, 11, 3, 6, 10)


def test_rolling_months_keep_the_day_and_time() -> None:
    rule = rolling("MONTHS")
    assert window_at(rule, utc(2025, 3, 15, 10), UTC_ZONE).start == utc(2025, 2, 15, 10) + MICROSECOND
    assert rolling_reset(rule, utc(2025, 2, 15, 10), UTC_ZONE) == utc(2025, 3, 15, 10)
    assert rolling_reset(rolling("MONTHS", 3), utc(2025, 10, 30, 8), UTC_ZONE) == utc(2026, 1, 30, 8)
    # In New York the same wall time a month earlier is an hour further away across the spring change.
    assert window_at(rule, utc(2025, 3, 15, 14), NEW_YORK).start == utc(2025, 2, 15, 15) + MICROSECOND


def test_rolling_months_clamp_a_missing_day_to_the_end_of_the_month() -> None:
    rule = rolling("MONTHS")
    # January 29, 30 and 31 are a month old once February is over.
    assert rolling_reset(rule, utc(2025, 1, 31, 12), UTC_ZONE) == utc(2025, 3, 1)
    assert rolling_reset(rule, utc(2025, 1, 29, 12), UTC_ZONE) == utc(2025, 3, 1)
    assert rolling_reset(rule, utc(2024, 1, 29, 12), UTC_ZONE) == utc(2024, 2, 29, 12)
    assert rolling_reset(rule, utc(2024, 1, 30, 12), UTC_ZONE) == utc(2024, 3, 1)
    # On March 29-31 the window starts with March, and stays there until April 1.
    evening, next_morning = utc(2025, 3, 29, 20), utc(2025, 3, 30, 9)
    assert window_at(rule, evening, UTC_ZONE).start == utc(2025, 3, 1)
    assert window_at(rule, next_morning, UTC_ZONE).start == utc(2025, 3, 1)
    assert window_at(rule, utc(2025, 3, 28, 20), UTC_ZONE).start == utc(2025, 2, 28, 20) + MICROSECOND
    assert window_at(rule, utc(2024, 3, 29, 20), UTC_ZONE).start == utc(2024, 2, 29, 20) + MICROSECOND
    # An issuance of February 28 at 15:00 left at March 28 15:00 and does not come back.
    issued = utc(2025, 2, 28, 15)
    assert rolling_reset(rule, issued, UTC_ZONE) == utc(2025, 3, 28, 15)
    assert not window_at(rule, evening, UTC_ZONE).contains(issued)
    assert not window_at(rule, next_morning, UTC_ZONE).contains(issued)


# ---- lifetime ---------------------------------------------------------------------------------


def test_no_limit_is_one_lifetime_window() -> None:
    for rule in (fixed("NO_LIMIT", None), WindowRule(WindowType.ROLLING, Frequency.NO_LIMIT)):
        window = window_at(rule, utc(2025, 6, 1), NEW_YORK)
        assert window == LIFETIME == Window(None, None)
        assert window.contains(utc(1, 1, 1))
        assert window.contains(utc(9999, 12, 31))
        with pytest.raises(ValueError, match="ROLLING"):
            rolling_reset(rule, utc(2025, 6, 1), NEW_YORK)


def test_a_fixed_limit_has_no_rolling_reset() -> None:
    with pytest.raises(ValueError, match="ROLLING"):
        rolling_reset(fixed("DAYS"), utc(2025, 6, 1), UTC_ZONE)


def test_beyond_datetimes_range_is_an_overflow() -> None:
    with pytest.raises(OverflowError):
        window_at(fixed("MONTHS", 12), utc(9999, 12, 30), UTC_ZONE)
    with pytest.raises(OverflowError):
        rolling_reset(rolling("MONTHS"), utc(9999, 12, 15), UTC_ZONE)


# ---- properties ----------------------------------------------------------------------------------

ZONES = [
    "UTC",
    "Europe/London",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "America/Sao_Paulo",
]
FIRST, LAST = datetime(1990, 1, 1, tzinfo=UTC), datetime(2091, 1, 1, tzinfo=UTC)
PROPERTIES = settings(max_examples=300, deadline=None)


@functools.cache
def offset_changes(zone: str) -> tuple[datetime, ...]:
    """The instants between 1990 and 2090 at which the zone's UTC offset changes, so the
    properties can be tried on DST days and not only where random instants fall."""
    tz, changes = ZoneInfo(zone), []
    day, offset = FIRST, FIRST.astimezone(tz).utcoffset()
    while day < LAST:
        later = day + timedelta(days=1)
        if later.astimezone(tz).utcoffset() != offset:
            low, high = day, later
            while high - low > MICROSECOND:
                middle = low + (high - low) // 2
                low, high = (middle, high) if middle.astimezone(tz).utcoffset() == offset else (low, middle)
            changes.append(high)
            offset = later.astimezone(tz).utcoffset()
        day = later
    return tuple(changes)


@st.composite
def zone_and_instant(draw: st.DrawFn) -> tuple[ZoneInfo, datetime]:
    zone = draw(st.sampled_from(ZONES))
    anywhere = st.datetimes(datetime(1990, 1, 1), datetime(2090, 12, 31)).map(lambda t: t.replace(tzinfo=UTC))
    changes = offset_changes(zone)
    if not changes:
        return ZoneInfo(zone), draw(anywhere)
    # Within a day and a half of an offset change, so windows straddle it, and often within
    # two hours, so instants fall in gaps' edges and repeated hours.
    change = draw(st.sampled_from(changes))
    hours = draw(st.sampled_from([36, 2]))
    near = st.integers(-hours * 3600 * 10**6, hours * 3600 * 10**6).map(lambda us: change + timedelta(microseconds=us))
    return ZoneInfo(zone), draw(st.one_of(anywhere, near))


@st.composite
def fixed_rules(draw: st.DrawFn, tz: ZoneInfo) -> WindowRule:
    frequency = draw(st.sampled_from([Frequency.DAYS, Frequency.WEEKS, Frequency.MONTHS]))
    entry: dict[str, Any] = {
        "windowType": "FIXED",
        "repeatFrequencyType": frequency,
        "interval": draw(st.integers(1, 30)),
        "weekStartDay": draw(st.sampled_from(WEEKDAYS)),
    }
    anchor = draw(st.none() | st.datetimes(datetime(1990, 1, 1), datetime(2090, 12, 31)))
    if anchor is not None:
        # Half of the anchors are org-local wall times (gaps and repeated hours among them), half UTC instants.
        local = draw(st.booleans())
        entry["startOfCycle"] = anchor.isoformat() if local else anchor.replace(tzinfo=UTC).isoformat()
    return WindowRule.of(entry, tz)


@st.composite
def fixed_cases(draw: st.DrawFn) -> tuple[WindowRule, datetime, ZoneInfo]:
    tz, now = draw(zone_and_instant())
    return draw(fixed_rules(tz)), now, tz


@st.composite
def rolling_cases(draw: st.DrawFn) -> tuple[WindowRule, datetime, ZoneInfo]:
    tz, now = draw(zone_and_instant())
    rule = rolling(draw(st.sampled_from(["DAYS", "WEEKS", "MONTHS"])), draw(st.integers(1, 30)))
    return rule, now, tz


@PROPERTIES
@given(fixed_cases())
def test_a_moment_falls_in_its_fixed_window(case: tuple[WindowRule, datetime, ZoneInfo]) -> None:
    rule, now, tz = case
    start, end = bounded(window_at(rule, now, tz))
    assert start <= now < end
    assert start < end


@PROPERTIES
@given(fixed_cases())
def test_fixed_windows_tile_time(case: tuple[WindowRule, datetime, ZoneInfo]) -> None:
    rule, now, tz = case
    start, end = bounded(window_at(rule, now, tz))
    assert bounded(window_at(rule, start, tz)) == (start, end)
    assert bounded(window_at(rule, end - MICROSECOND, tz)) == (start, end)
    assert window_at(rule, end, tz).start == end
    assert window_at(rule, start - MICROSECOND, tz).end == start


@PROPERTIES
@given(fixed_cases())
def test_fixed_windows_are_as_long_as_their_interval(case: tuple[WindowRule, datetime, ZoneInfo]) -> None:
    rule, now, tz = case
    start, end = bounded(window_at(rule, now, tz))
    n = rule.interval
    assert n is not None
    # Wall-clock units: longer or shorter than the elapsed ones by the offset changes in between, at most an hour here.
    slack = HOUR
    if rule.frequency is Frequency.DAYS:
        assert abs(end - start - timedelta(days=n)) <= slack
    elif rule.frequency is Frequency.WEEKS:
        assert abs(end - start - timedelta(weeks=n)) <= slack
    else:
        assert timedelta(days=28 * n) - slack <= end - start <= timedelta(days=31 * n) + slack


@PROPERTIES
@given(fixed_cases())
def test_calendar_windows_start_where_the_calendar_says(case: tuple[WindowRule, datetime, ZoneInfo]) -> None:
    rule, now, tz = case
    rule = WindowRule(rule.window_type, rule.frequency, rule.interval, rule.week_start_day, None)
    start, _ = bounded(window_at(rule, now, tz))
    local = start.astimezone(tz)
    moved_by_a_gap = (start - MICROSECOND).astimezone(tz).utcoffset() != local.utcoffset()
    # Local midnight, or the end of a gap that swallowed it (Sao Paulo's clocks went forward at midnight).
    assert local.time() == datetime.min.time() or (moved_by_a_gap and local.hour <= 1)
    n = rule.interval
    assert n is not None
    if rule.frequency is Frequency.DAYS:
        assert (local.date() - datetime(1970, 1, 1).date()).days % n == 0
    elif rule.frequency is Frequency.WEEKS:
        assert local.strftime("%A").upper() == rule.week_start_day
    else:
        assert local.day == 1
        assert (local.year * 12 + local.month - 1) % n == 0


@PROPERTIES
@given(rolling_cases(), st.integers(0, 40 * 24 * 3600 * 10**6))
def test_a_rolling_window_counts_what_has_not_reset(case: tuple[WindowRule, datetime, ZoneInfo], back: int) -> None:
    rule, now, tz = case
    window = window_at(rule, now, tz)
    start, end = bounded(window)
    assert start <= now < end == now + MICROSECOND
    assert window.contains(now)
    # Counted exactly while issued by now and not yet reset, on both sides of the start.
    for issued in (
        start,
        start - MICROSECOND,
        start + MICROSECOND,
        now,
        now + MICROSECOND,
        now - timedelta(microseconds=back),
    ):
        reset = rolling_reset(rule, issued, tz)
        assert reset > issued
        assert window.contains(issued) == (issued <= now < reset)


@PROPERTIES
@given(rolling_cases(), st.integers(-3 * 3600 * 10**6, 3 * 3600 * 10**6))
def test_an_issuance_stops_counting_at_its_reset(case: tuple[WindowRule, datetime, ZoneInfo], around: int) -> None:
    rule, issued, tz = case
    reset = rolling_reset(rule, issued, tz)
    for now in (reset - MICROSECOND, reset, reset + timedelta(microseconds=around)):
        assert window_at(rule, now, tz).contains(issued) == (issued <= now < reset)


@PROPERTIES
@given(rolling_cases(), st.integers(0, 3 * 24 * 3600 * 10**6))
def test_a_rolling_window_never_moves_back(case: tuple[WindowRule, datetime, ZoneInfo], later: int) -> None:
    rule, now, tz = case
    start, _ = bounded(window_at(rule, now, tz))
    later_start, _ = bounded(window_at(rule, now + timedelta(microseconds=later), tz))
    assert start <= later_start
