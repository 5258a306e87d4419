"""Small formatters for numbers, money and times as Slack text shows them."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

_SIGNS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}


def money(value: Decimal | None, currency: str = "USD") -> str:
    """`$12,500`, `€5,000.50`, `12,000 CHF`; an unknown value is `—`."""
    if value is None:
        return "—"
    rounded = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    text = f"{rounded:,.0f}" if rounded == rounded.to_integral_value() else f"{rounded:,.2f}"
    sign = _SIGNS.get(currency)
    return f"{sign}{text}" if sign else f"{text} {currency}"


def short_money(value: Decimal | None, currency: str = "USD") -> str:
    """Compact money for dense rows: `$12.5k`, `$1.2m`."""
    if value is None:
        return "—"
    # Exact whatever the digits: the value as a fraction, rounded to tenths of a thousand or a
    # million in whole numbers, as Decimal's ROUND_HALF_UP would. A tick says a hundred thousand
    # amounts, nearly all different, and this is twice as quick as the rounding in Decimal.
    numerator, denominator = value.as_integer_ratio()
    size = abs(numerator)
    for limit, suffix in _SCALES:
        if size >= limit * denominator:
            # Tenths of the scale, half up (away from zero): ⌊(2·size·10 + d·limit) / (2·d·limit)⌋.
            tenths = (20 * size + denominator * limit) // (2 * denominator * limit)
            whole, tenth = divmod(tenths, 10)
            text = f"{'-' if numerator < 0 else ''}{whole}{f'.{tenth}' if tenth else ''}{suffix}"
            sign = _SIGNS.get(currency)
            return f"{sign}{text}" if sign else f"{text} {currency}"
    return money(value, currency)


_SCALES = ((1_000_000, "m"), (1_000, "k"))


def days_between(start: datetime, now: datetime) -> int:
    return max(0, (now - start).days)


def calendar_days(start: datetime, now: datetime, zone: tzinfo | None = None) -> int:
    """Calendar days from `start` to `now` where the reader is: 23:50 to 00:10 is one day."""
    where = zone or UTC
    return max(0, (now.astimezone(where).date() - start.astimezone(where).date()).days)


def age(start: datetime | None, now: datetime, zone: tzinfo | None = None) -> str:
    """`today`, `1 day`, `12 days` in the reader's calendar days (`zone`); `never` when there is no start."""
    if start is None:
        return "never"
    days = calendar_days(start, now, zone)
    return "today" if days == 0 else days_label(days)


def days_label(count: int) -> str:
    """`1 day`, `12 days`."""
    return "1 day" if count == 1 else f"{count} days"


def date_label(value: date | None) -> str:
    """A date said in full, never relative: `Mon 7 Dec`."""
    if value is None:
        return "—"
    return f"{value:%a} {value.day} {value:%b}"


def day(value: date | None, *, today: date | None = None) -> str:
    """A follow-up date as people say it: `today`, `tomorrow`, `Fri 4 Dec`."""
    if value is None:
        return "—"
    return _day(value, today)


@lru_cache(maxsize=4096)
def _day(value: date, today: date | None) -> str:
    # A tick says the same few dates thousands of times.
    if today is not None:
        delta = (value - today).days
        if delta == 0:
            return "today"
        if delta == 1:
            return "tomorrow"
        if delta == -1:
            return "yesterday"
    return f"{value:%a} {value.day} {value:%b}" + (
        "" if today and value.year == today.year else f" {value.year}"
    )
