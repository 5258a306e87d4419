"""Follow-up dates as reps type them: `today`, `fri`, `3d`, `2w`, `2026-12-01`.

Dates given relative to today land on the owner's working days: `tomorrow` and `3d` count working
days (Friday + 1 is Monday for a Mon–Fri rep), `2w` is two calendar weeks moved to the next working
day. A weekday name or an ISO date is taken as said.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date, timedelta

from bot.domain.errors import ParseError
from bot.domain.parsing.text import clean_line, shown
from bot.domain.schedule import (
    add_working_days,
    first_working_day_of_next_week,
    next_working_day,
)

WEEKDAYS: dict[str, int] = {
    "monday": 0,
    "mon": 0,
    "tuesday": 1,
    "tue": 1,
    "tues": 1,
    "wednesday": 2,
    "wed": 2,
    "thursday": 3,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "friday": 4,
    "fri": 4,
    "saturday": 5,
    "sat": 5,
    "sunday": 6,
    "sun": 6,
}
MAX_DAYS_AHEAD = 3653

_TODAY = frozenset({"today", "tod", "now"})
_TOMORROW = frozenset({"tomorrow", "tmrw", "tmr", "tmw"})
_RELATIVE_RE = re.compile(r"(?:in\s*)?\+?(\d{1,5})\s*(d|days?|w|wks?|weeks?)", re.IGNORECASE)
_MONTHS_RE = re.compile(r"(?:in\s*)?\+?\d{1,5}\s*(m|mo|mos|months?|y|yrs?|years?)", re.IGNORECASE)
_ISO_RE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_AMBIGUOUS_RE = re.compile(r"\d{1,4}[/.]\d{1,2}(?:[/.]\d{1,4})?\.?")
_FORMS = "Use today, tomorrow, a weekday like fri, 3d, 2w or an ISO date like 2026-12-01."


def parse_when(text: str, *, today: date, working_days: Collection[int] = ()) -> date:
    """The follow-up date `text` means, seen from `today` (the owner's local date); never in the past.

    `working_days` (Mon=0) are the owner's: relative dates land on them. Empty means every day.
    """
    word = clean_line(text).lower()
    quoted = shown(text)
    try:
        when = _read(word, quoted, today, working_days)
    except OverflowError:
        raise ParseError(f"{quoted} is too far away. {_FORMS}") from None
    if when < today:
        raise ParseError(f"{quoted} is in the past; pick today or a later date.")
    if (when - today).days > MAX_DAYS_AHEAD:
        raise ParseError(f"{quoted} is more than ten years away; pick a nearer date.")
    return when


def _read(word: str, quoted: str, today: date, working_days: Collection[int]) -> date:
    if not word:
        raise ParseError(f"Say when. {_FORMS}")
    if word in _TODAY:
        return today
    if word in _TOMORROW:
        return add_working_days(today, 1, working_days)
    if word in WEEKDAYS:
        # Strictly after today: `fri` said on a Friday means next week.
        return today + timedelta(days=(WEEKDAYS[word] - today.weekday() - 1) % 7 + 1)
    if relative := _RELATIVE_RE.fullmatch(word):
        count = int(relative.group(1))
        unit_days = 7 if relative.group(2).startswith("w") else 1
        if count * unit_days > MAX_DAYS_AHEAD:
            raise ParseError(f"{quoted} is more than ten years away; pick a nearer date.")
        if unit_days == 1:
            return add_working_days(today, count, working_days)
        return next_working_day(today + timedelta(days=count * unit_days), working_days)
    if _MONTHS_RE.fullmatch(word):
        raise ParseError(
            f"{quoted}: months and years vary in length, so use weeks (4w) or an ISO date like 2026-12-01."
        )
    if iso := _ISO_RE.fullmatch(word):
        try:
            return date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        except ValueError:
            raise ParseError(f"{quoted} is not a real date. {_FORMS}") from None
    if _AMBIGUOUS_RE.fullmatch(word):
        raise ParseError(
            f"{quoted} could be read two ways; write the date as YYYY-MM-DD, like 2026-12-01."
        )
    raise ParseError(f"Can't read the date {quoted}. {_FORMS}")


NEXT_WEEK = "nextweek"


def span_date(code: str, *, today: date, working_days: Collection[int] = ()) -> date:
    """The date a button's span (`1d`, `3d`, `1w`, `nextweek`) means from the owner's `today`."""
    if code == NEXT_WEEK:
        return first_working_day_of_next_week(today, working_days)
    return parse_when(code, today=today, working_days=working_days)
