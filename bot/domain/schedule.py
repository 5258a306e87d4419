"""When a rep-local job is due: local dates, DST-safe instants, working days and hours. Pure.

A working day is one of someone's working weekdays that is not a holiday. Holidays ride along
with the weekdays in `Workdays`, so every clock counted in working days (relative dates, snooze
spans, the speed-to-lead window, the rep jobs' windows) skips them without a second argument.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FRIDAY = 4
_CLOCK = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
# Far enough to get past a long run of holidays (a closed fortnight at year end, say).
_SEARCH_DAYS = 60


class Workdays(frozenset[int]):
    """Working weekdays (Mon=0) that also know the dates off: a holiday is never a working day.

    It is a set of weekday numbers like any other, so code that only asks "is Monday a working
    weekday?" keeps working; code that asks about a date uses `is_working_day`.
    """

    holidays: frozenset[date]

    def __new__(cls, weekdays: Iterable[int] = (), holidays: Iterable[date] = ()) -> Workdays:
        days = super().__new__(cls, weekdays)
        days.holidays = frozenset(holidays)
        return days

    def __repr__(self) -> str:
        return f"Workdays({sorted(self)}, holidays={sorted(self.holidays)})"


def holidays_of(working_days: Collection[int]) -> frozenset[date]:
    """The holidays a set of working days carries (none for a plain set of weekdays)."""
    return getattr(working_days, "holidays", frozenset())


def with_holidays(working_days: Collection[int], holidays: Iterable[date]) -> Workdays:
    """The same weekdays, with `holidays` added to any they already carry."""
    return Workdays(working_days, holidays_of(working_days) | frozenset(holidays))


def zone_for(name: str | None, *, fallback: ZoneInfo) -> ZoneInfo:
    """The rep's IANA zone; the team zone when Slack gave none or one this system does not know."""
    if not name:
        return fallback
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return fallback


def parse_clock(text: str | None, *, fallback: time) -> time:
    """A stored `HH:MM`, or the fallback when it is missing or malformed."""
    match = _CLOCK.fullmatch((text or "").strip())
    if not match:
        return fallback
    return time(int(match.group(1)), int(match.group(2)))


def parse_working_days(text: str | None, *, fallback: frozenset[int]) -> frozenset[int]:
    """Weekday numbers (Mon=0) from a stored `mon,tue,…`; the fallback when empty or unreadable."""
    words = [word[:3] for word in re.split(r"[\s,;]+", (text or "").strip().lower()) if word]
    if not words or any(word not in WEEKDAY_NAMES for word in words):
        return fallback
    return frozenset(WEEKDAY_NAMES.index(word) for word in words)


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock `at` on `day` in `zone`.

    A wall time skipped by spring-forward maps to the same time after the jump (02:30 becomes
    03:30); a repeated one on fall-back maps to its first occurrence. Either way exactly one
    instant, so a daily job fires once.
    """
    # fold=0 gives both behaviours under PEP 495: the pre-transition offset is used.
    return datetime.combine(day, at).replace(tzinfo=zone, fold=0).astimezone(UTC)


def due_local_date(
    now: datetime,
    *,
    zone: ZoneInfo,
    at: time,
    working_days: Collection[int],
    until: time | None = None,
) -> date | None:
    """The local date a daily job is due for at `now`, or None outside its window.

    The window opens at `at` local time on a working day and stays open until `until` (end of
    the local day when None), so a late start still serves that day; callers deduplicate by
    the returned date.
    """
    local_day = now.astimezone(zone).date()
    if local_day.weekday() not in working_days or local_day in holidays_of(working_days):
        return None
    start = local_instant(local_day, at, zone)
    if until is None:
        end = local_instant(local_day + timedelta(days=1), time(0), zone)
    else:
        nominal = datetime.combine(local_day, until) - datetime.combine(local_day, at)
        # A window that starts in a DST gap is moved forward whole, so it never comes out empty.
        end = max(local_instant(local_day, until, zone), start + nominal)
    return local_day if start <= now < end else None


def next_due_instant(
    after: datetime, *, zone: ZoneInfo, at: time, working_days: Collection[int]
) -> datetime:
    """The first UTC instant strictly after `after` when a daily job at local `at` opens."""
    if not working_days:
        raise ValueError("needs at least one working day")
    day = after.astimezone(zone).date() - timedelta(days=1)
    for offset in range(_SEARCH_DAYS + 1):
        candidate_day = day + timedelta(days=offset)
        if not is_working_day(candidate_day, working_days):
            continue
        candidate = local_instant(candidate_day, at, zone)
        if candidate > after:
            return candidate
    raise ValueError("no working day in the next two months: check the holidays")


def working_hours_between(
    start: datetime,
    end: datetime,
    *,
    zone: ZoneInfo,
    working_days: Collection[int],
    work_start: time,
    work_end: time,
) -> timedelta:
    """Working time elapsed from `start` to `end`, counting only working hours on working days in `zone`."""
    if end <= start:
        return timedelta(0)
    total = timedelta(0)
    day = start.astimezone(zone).date()
    last = end.astimezone(zone).date()
    while day <= last:
        if is_working_day(day, working_days):
            opens = max(local_instant(day, work_start, zone), start)
            closes = min(local_instant(day, work_end, zone), end)
            if closes > opens:
                total += closes - opens
        day += timedelta(days=1)
    return total


def is_working_time(
    now: datetime,
    *,
    zone: ZoneInfo,
    working_days: Collection[int],
    work_start: time,
    work_end: time,
) -> bool:
    """True when `now` falls inside working hours on a working day in `zone`."""
    day = now.astimezone(zone).date()
    if not is_working_day(day, working_days):
        return False
    return local_instant(day, work_start, zone) <= now < local_instant(day, work_end, zone)


def is_working_day(day: date, working_days: Collection[int]) -> bool:
    """True when `day` is a working weekday (Mon=0; with none configured, every day is) and no holiday."""
    if day in holidays_of(working_days):
        return False
    return not working_days or day.weekday() in working_days


def next_working_day(day: date, working_days: Collection[int]) -> date:
    """`day` itself when it is a working day, else the first working day after it."""
    for offset in range(_SEARCH_DAYS):
        candidate = day + timedelta(days=offset)
        if is_working_day(candidate, working_days):
            return candidate
    return day


def add_working_days(day: date, count: int, working_days: Collection[int]) -> date:
    """The date `count` working days after `day`: Friday + 1 is Monday for a Mon–Fri rep."""
    current = day
    for _ in range(count):
        current = next_working_day(current + timedelta(days=1), working_days)
    return current


def first_working_day_of_next_week(day: date, working_days: Collection[int]) -> date:
    """ "Next week" as people say it: the first working day of the calendar week after `day`'s."""
    monday = day + timedelta(days=7 - day.weekday())
    return next_working_day(monday, working_days)


def last_working_weekday(working_days: Collection[int]) -> int:
    """The weekday a working week ends on: the working day followed by a day off (Fri for Mon–Fri, Thu for Sun–Thu)."""
    days = set(working_days) or set(range(7))
    ends = [day for day in sorted(days) if (day + 1) % 7 not in days]
    return ends[0] if ends else 6


def first_working_weekday(working_days: Collection[int]) -> int:
    """The weekday a working week starts on: the working day after a day off (Mon for Mon–Fri, Sun for Sun–Thu)."""
    days = set(working_days) or set(range(7))
    starts = [day for day in sorted(days) if (day - 1) % 7 not in days]
    return starts[0] if starts else 0


def _week_end(day: date, working_days: Collection[int]) -> date:
    """The date the working week holding `day` ends on (its last working weekday, on or after `day`)."""
    last = last_working_weekday(working_days)
    return day + timedelta(days=(last - day.weekday()) % 7)


def last_working_day_of_week(day: date, working_days: Collection[int]) -> date | None:
    """The last working day of the working week holding `day`, holidays skipped; None when all are off.

    Friday for Mon–Fri, Thursday when that Friday is a holiday.
    """
    end = _week_end(day, working_days)
    for back in range(7):
        candidate = end - timedelta(days=back)
        if candidate.weekday() not in working_days and working_days:
            return None  # walked past the week's start: every working day of it is off
        if is_working_day(candidate, working_days):
            return candidate
    return None


def first_working_day_of_week(day: date, working_days: Collection[int]) -> date | None:
    """The first working day of the working week holding `day`, holidays skipped; None when all are off."""
    first = first_working_weekday(working_days)
    start = day - timedelta(days=(day.weekday() - first) % 7)
    for ahead in range(7):
        candidate = start + timedelta(days=ahead)
        if candidate.weekday() not in working_days and working_days:
            return None
        if is_working_day(candidate, working_days):
            return candidate
    return None


@dataclass(frozen=True)
class Calendar:
    """A person's calendar: their zone and working days (holidays included), for dates they will see."""

    zone: ZoneInfo
    working_days: frozenset[int]

    def today(self, now: datetime) -> date:
        return now.astimezone(self.zone).date()
