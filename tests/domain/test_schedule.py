"""Schedule math: local windows across weekends and DST, and working hours for speed to lead."""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.parsing.dates import parse_when
from bot.domain.schedule import (
    Workdays,
    add_working_days,
    due_local_date,
    first_working_day_of_next_week,
    first_working_day_of_week,
    holidays_of,
    is_working_day,
    is_working_time,
    last_working_day_of_week,
    local_instant,
    next_due_instant,
    next_working_day,
    parse_clock,
    parse_working_days,
    with_holidays,
    working_hours_between,
    zone_for,
)
from tests.jobs.factories import utc

NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
TOKYO = ZoneInfo("Asia/Tokyo")
WEEKDAYS = frozenset(range(5))
PLAN = time(8, 30)
NOON = time(12, 0)


def due(now: str, zone: ZoneInfo, at: time = PLAN, until: time | None = NOON) -> date | None:
    return due_local_date(utc(now), zone=zone, at=at, working_days=WEEKDAYS, until=until)


def test_morning_window_opens_at_plan_time_and_closes_at_noon_local():
    # Mon 30 Nov 2026, New York is UTC-5.
    assert due("2026-11-30T13:29:59", NY) is None
    assert due("2026-11-30T13:30:00", NY) == date(2026, 11, 30)
    assert due("2026-11-30T16:00:00", NY) == date(2026, 11, 30)  # 11:00: a late start still sends
    assert due("2026-11-30T16:59:59", NY) == date(2026, 11, 30)
    assert due("2026-11-30T17:00:00", NY) is None  # 12:00
    assert due("2026-11-30T17:05:00", NY) is None  # 12:05


def test_weekends_are_skipped_in_the_reps_own_zone():
    # Sat 28 Nov 08:30 in New York: not a working day.
    assert due("2026-11-28T13:30:00", NY) is None
    # Mon 30 Nov 08:30 in Tokyo is Sun 29 Nov 23:30 UTC: due for Monday.
    assert due("2026-11-29T23:30:00", TOKYO) == date(2026, 11, 30)
    # Fri 27 Nov 23:30 UTC is Sat 08:30 in Tokyo: nothing.
    assert due("2026-11-27T23:30:00", TOKYO) is None


def test_reps_in_different_zones_are_due_at_their_own_0830():
    berlin_0830 = "2026-11-30T07:30:00"
    ny_0830 = "2026-11-30T13:30:00"
    assert due(berlin_0830, BERLIN) == date(2026, 11, 30)
    assert due(berlin_0830, NY) is None
    assert due(ny_0830, NY) == date(2026, 11, 30)
    assert due(ny_0830, BERLIN) is None  # 14:30 in Berlin: past noon


@pytest.mark.parametrize(
    ("zone", "day", "at", "expected_utc"),
    [
        # Spring forward: 02:30 does not exist; it fires once at 03:30 local (same offset jump).
        (NY, date(2026, 3, 8), time(2, 30), "2026-03-08T07:30:00"),
        (BERLIN, date(2026, 3, 29), time(2, 30), "2026-03-29T01:30:00"),
        # Fall back: 01:30 happens twice; the first occurrence is used.
        (NY, date(2026, 11, 1), time(1, 30), "2026-11-01T05:30:00"),
        (BERLIN, date(2026, 10, 25), time(2, 30), "2026-10-25T00:30:00"),
        # 08:30 on the DST days themselves has the new offset.
        (NY, date(2026, 3, 8), PLAN, "2026-03-08T12:30:00"),
        (NY, date(2026, 11, 1), PLAN, "2026-11-01T13:30:00"),
        (BERLIN, date(2026, 3, 29), PLAN, "2026-03-29T06:30:00"),
        (BERLIN, date(2026, 10, 25), PLAN, "2026-10-25T07:30:00"),
    ],
)
def test_local_instant_is_one_instant_across_dst(zone, day, at, expected_utc):
    assert local_instant(day, at, zone) == utc(expected_utc)


def test_a_skipped_wall_time_still_opens_a_window_on_spring_forward():
    every_day = frozenset(range(7))
    # 02:30–02:45 New York does not exist on 8 Mar 2026; the window moves to 03:30–03:45 EDT.
    window = {"zone": NY, "at": time(2, 30), "working_days": every_day, "until": time(2, 45)}
    assert due_local_date(utc("2026-03-08T07:29:00"), **window) is None
    assert due_local_date(utc("2026-03-08T07:30:00"), **window) == date(2026, 3, 8)
    assert due_local_date(utc("2026-03-08T07:44:00"), **window) == date(2026, 3, 8)
    assert due_local_date(utc("2026-03-08T07:45:00"), **window) is None


def test_a_repeated_wall_time_is_one_local_date_on_fall_back():
    every_day = frozenset(range(7))
    window = {"zone": NY, "at": time(1, 30), "working_days": every_day, "until": time(3, 0)}
    first = due_local_date(utc("2026-11-01T05:30:00"), **window)  # 01:30 EDT
    second = due_local_date(utc("2026-11-01T06:30:00"), **window)  # 01:30 EST, an hour later
    assert first == second == date(2026, 11, 1)  # one date, so one idempotency key


@pytest.mark.parametrize(
    ("after", "zone", "expected"),
    [
        ("2026-11-27T14:00:00", NY, "2026-11-30T13:30:00"),  # Friday afternoon → Monday 08:30 EST
        ("2026-03-06T14:00:00", NY, "2026-03-09T12:30:00"),  # weekend with spring-forward → EDT
        ("2026-10-23T12:00:00", BERLIN, "2026-10-26T07:30:00"),  # weekend with fall-back → CET
        ("2026-11-30T13:29:00", NY, "2026-11-30T13:30:00"),
        ("2026-11-30T13:30:00", NY, "2026-12-01T13:30:00"),
    ],
)
def test_next_due_instant_across_weekends_and_dst(after, zone, expected):
    assert next_due_instant(utc(after), zone=zone, at=PLAN, working_days=WEEKDAYS) == utc(expected)


def hours(start: str, end: str, zone: ZoneInfo = NY) -> timedelta:
    return working_hours_between(
        utc(start),
        utc(end),
        zone=zone,
        working_days=WEEKDAYS,
        work_start=time(9),
        work_end=time(18),
    )


def test_working_hours_within_one_day():
    assert hours("2026-11-30T15:00:00", "2026-11-30T17:30:00") == timedelta(hours=2, minutes=30)


def test_working_hours_before_opening_and_after_closing_do_not_count():
    # Mon 07:00 → 20:00 New York: only 09:00–18:00 counts.
    assert hours("2026-11-30T12:00:00", "2026-12-01T01:00:00") == timedelta(hours=9)


def test_working_hours_skip_the_weekend():
    # Fri 16:00 → Mon 11:00 New York: 2h on Friday, nothing on the weekend, 2h on Monday.
    assert hours("2026-11-27T21:00:00", "2026-11-30T16:00:00") == timedelta(hours=4)


def test_a_lead_arriving_on_saturday_starts_its_clock_on_monday():
    assert hours("2026-11-28T15:00:00", "2026-11-30T14:00:00") == timedelta(0)
    assert hours("2026-11-28T15:00:00", "2026-11-30T16:00:00") == timedelta(hours=2)


def test_working_hours_across_the_spring_forward_weekend():
    # Fri 17:00 EST → Mon 10:00 EDT: an hour on Friday, an hour on Monday.
    assert hours("2026-03-06T22:00:00", "2026-03-09T14:00:00") == timedelta(hours=2)


def test_working_hours_that_span_a_dst_jump_are_real_hours():
    night_shift = {
        "zone": NY,
        "working_days": frozenset(range(7)),
        "work_start": time(0),
        "work_end": time(6),
    }
    # 00:00–06:00 on 8 Mar loses the 02:00–03:00 hour; on 1 Nov it repeats 01:00–02:00.
    spring = working_hours_between(
        utc("2026-03-08T04:00:00"), utc("2026-03-08T12:00:00"), **night_shift
    )
    autumn = working_hours_between(
        utc("2026-11-01T03:00:00"), utc("2026-11-01T13:00:00"), **night_shift
    )
    assert spring == timedelta(hours=5)
    assert autumn == timedelta(hours=7)


def test_working_hours_never_negative():
    assert hours("2026-11-30T17:00:00", "2026-11-30T15:00:00") == timedelta(0)


def test_is_working_time():
    kwargs = {"zone": BERLIN, "working_days": WEEKDAYS, "work_start": time(9), "work_end": time(18)}
    assert is_working_time(utc("2026-11-30T08:00:00"), **kwargs)  # 09:00 Berlin
    assert not is_working_time(utc("2026-11-30T07:59:00"), **kwargs)
    assert not is_working_time(utc("2026-11-30T17:00:00"), **kwargs)  # 18:00
    assert not is_working_time(utc("2026-11-28T10:00:00"), **kwargs)  # Saturday


def test_stored_rep_settings_fall_back_to_the_team():
    team = ZoneInfo("UTC")
    assert zone_for("Europe/Berlin", fallback=team) == BERLIN
    assert zone_for(None, fallback=team) is team
    assert zone_for("Mars/Olympus", fallback=team) is team
    assert parse_clock("07:45", fallback=PLAN) == time(7, 45)
    assert parse_clock("7.45", fallback=PLAN) == PLAN
    assert parse_clock(None, fallback=PLAN) == PLAN
    assert parse_working_days("sun, mon,tue", fallback=WEEKDAYS) == frozenset({6, 0, 1})
    assert parse_working_days("monday tuesday", fallback=WEEKDAYS) == frozenset({0, 1})
    assert parse_working_days("funday", fallback=WEEKDAYS) == WEEKDAYS
    assert parse_working_days("", fallback=WEEKDAYS) == WEEKDAYS


# ---- holidays -------------------------------------------------------------------------------

XMAS = date(2026, 12, 25)  # a Friday
BOXING = date(2026, 12, 28)  # the Monday after, off too
OFF = Workdays(range(5), {XMAS, BOXING})


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 12, 24), True),
        (XMAS, False),
        (date(2026, 12, 26), False),  # Saturday
        (BOXING, False),
        (date(2026, 12, 29), True),
    ],
)
def test_a_holiday_is_never_a_working_day(day: date, working: bool) -> None:
    assert is_working_day(day, OFF) is working
    assert is_working_day(day, frozenset(range(5))) is (day.weekday() < 5)


def test_working_day_counts_skip_holidays() -> None:
    assert add_working_days(date(2026, 12, 24), 1, OFF) == date(2026, 12, 29)
    assert next_working_day(XMAS, OFF) == date(2026, 12, 29)
    assert first_working_day_of_next_week(date(2026, 12, 23), OFF) == date(2026, 12, 29)
    assert parse_when("tomorrow", today=date(2026, 12, 24), working_days=OFF) == date(2026, 12, 29)
    assert parse_when("2d", today=date(2026, 12, 23), working_days=OFF) == date(2026, 12, 29)


def test_no_rep_window_opens_on_a_holiday() -> None:
    xmas_0830_ny = utc("2026-12-25T13:30:00")
    assert due_local_date(xmas_0830_ny, zone=NY, at=PLAN, working_days=OFF, until=NOON) is None
    assert due_local_date(xmas_0830_ny, zone=NY, at=PLAN, working_days=WEEKDAYS, until=NOON)
    after = next_due_instant(utc("2026-12-24T14:00:00"), zone=NY, at=PLAN, working_days=OFF)
    assert after == utc("2026-12-29T13:30:00")


def test_working_hours_skip_holidays() -> None:
    hours = {"zone": NY, "work_start": time(9), "work_end": time(18)}
    wait = working_hours_between(
        utc("2026-12-24T23:30:00"), utc("2026-12-29T16:00:00"), working_days=OFF, **hours
    )
    assert wait == timedelta(hours=2)  # only Tue 29 Dec 09:00–11:00
    assert not is_working_time(utc("2026-12-25T16:00:00"), working_days=OFF, **hours)


@pytest.mark.parametrize(
    ("day", "last", "first"),
    [
        (date(2026, 12, 21), date(2026, 12, 24), date(2026, 12, 21)),  # Friday off: Thursday
        (date(2026, 12, 30), date(2027, 1, 1), date(2026, 12, 29)),  # Monday off: Tuesday
        (date(2026, 12, 2), date(2026, 12, 4), date(2026, 11, 30)),
    ],
)
def test_the_weeks_first_and_last_working_days_step_round_holidays(
    day: date, last: date, first: date
) -> None:
    assert last_working_day_of_week(day, OFF) == last
    assert first_working_day_of_week(day, OFF) == first


def test_a_week_with_every_day_off_has_no_first_or_last_day() -> None:
    closed = Workdays(range(5), {date(2026, 12, 28) + timedelta(days=n) for n in range(5)})
    assert last_working_day_of_week(date(2026, 12, 30), closed) is None
    assert first_working_day_of_week(date(2026, 12, 30), closed) is None


def test_holidays_ride_along_with_the_weekdays() -> None:
    days = with_holidays(frozenset({0, 1, 2}), {XMAS})
    assert set(days) == {0, 1, 2} and holidays_of(days) == {XMAS}
    assert holidays_of(with_holidays(days, {BOXING})) == {XMAS, BOXING}
    assert holidays_of(frozenset({0})) == frozenset()
