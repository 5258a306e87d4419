"""Money across currencies: conversion into the reporting currency and what could not be converted. Pure.

Two currencies are never added. A value in the reporting currency, or in one with a rate, is
converted; any other value is kept apart per currency and shown on its own line. A lead
without a value counts in counts, not in sums.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

SIGNS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "KRW": "₩", "INR": "₹", "CNY": "¥"}
# A value-based alert needs at least this share of the leads in its scope to have a convertible value.
MIN_CONVERTIBLE_SHARE = Decimal("0.7")
DEFAULT_CURRENCY = "USD"
_ZERO = Decimal(0)


@dataclass(frozen=True)
class Fx:
    """The reporting currency and rates into it: `rates["EUR"] = 1.08` means 1 EUR is 1.08 of it."""

    currency: str
    rates: Mapping[str, Decimal] = field(default_factory=dict)

    def rate(self, code: str) -> Decimal | None:
        """How much one unit of `code` is worth in the reporting currency; None without a rate."""
        return Decimal(1) if code == self.currency else self.rates.get(code)

    def convert(self, value: Decimal, code: str) -> Decimal | None:
        """The value in the reporting currency, or None when `code` has no rate."""
        if code == self.currency:
            return value
        rate = self.rates.get(code)
        return None if rate is None else value * rate


def choose_currency(configured: str | None, open_counts: Mapping[str, int]) -> str:
    """The configured reporting currency, else the one most open leads are in (ties by code)."""
    if configured:
        return configured
    counted = [(count, code) for code, count in open_counts.items() if count > 0]
    if not counted:
        return DEFAULT_CURRENCY
    return min(counted, key=lambda item: (-item[0], item[1]))[1]


@dataclass(frozen=True)
class MoneySum:
    """The values of a set of leads: the converted total, amounts left apart by currency, and gaps."""

    currency: str
    total: Decimal = _ZERO
    unconverted: tuple[tuple[str, Decimal], ...] = ()
    count: int = 0
    missing: int = 0
    unconvertible: int = 0

    @property
    def converted(self) -> int:
        """How many leads have a value that went into `total`."""
        return self.count - self.missing - self.unconvertible

    @property
    def convertible_share(self) -> Decimal:
        """The share of leads whose value went into the total; 1 for an empty set."""
        return Decimal(self.converted) / self.count if self.count else Decimal(1)

    @property
    def reliable(self) -> bool:
        """True when at least 70% of the leads have a convertible value, enough for a value-based alert."""
        return self.convertible_share >= MIN_CONVERTIBLE_SHARE

    @property
    def missing_note(self) -> str | None:
        """ "value missing on N of M" when some leads have no value."""
        return f"value missing on {self.missing} of {self.count}" if self.missing else None

    def not_converted_lines(self) -> tuple[str, ...]:
        """One "+ ₩50m not converted" line per currency without a rate."""
        return tuple(
            f"+ {short_money(amount, code)} not converted" for code, amount in self.unconverted
        )

    def share_of(self, whole: MoneySum) -> Decimal | None:
        """This total as a share of `whole`'s; None when the whole is zero."""
        return self.total / whole.total if whole.total else None


class MoneyTally:
    """Adds values lead by lead into a MoneySum without ever adding two currencies."""

    __slots__ = ("fx", "total", "apart", "count", "missing", "unconvertible")

    def __init__(self, fx: Fx) -> None:
        self.fx = fx
        self.total = _ZERO
        self.apart: dict[str, Decimal] = {}
        self.count = 0
        self.missing = 0
        self.unconvertible = 0

    def add(self, value: Decimal | None, currency: str, converted: Decimal | None = None) -> None:
        """Count one lead; `converted` saves a conversion the caller already made."""
        self.count += 1
        if value is None:
            self.missing += 1
            return
        if converted is None:
            converted = self.fx.convert(value, currency)
        if converted is None:
            self.unconvertible += 1
            self.apart[currency] = self.apart.get(currency, _ZERO) + value
        else:
            self.total += converted

    def add_many(self, total: Decimal, currency: str, count: int) -> None:
        """Count `count` leads whose values, all present, add up to `total` in one currency."""
        self.count += count
        converted = self.fx.convert(total, currency)
        if converted is None:
            self.unconvertible += count
            self.apart[currency] = self.apart.get(currency, _ZERO) + total
        else:
            self.total += converted

    def result(self) -> MoneySum:
        apart = tuple(sorted(self.apart.items(), key=lambda item: (-item[1], item[0])))
        return MoneySum(
            self.fx.currency, self.total, apart, self.count, self.missing, self.unconvertible
        )


def sum_money(pairs: Iterable[tuple[Decimal | None, str]], fx: Fx) -> MoneySum:
    """The MoneySum of (value, currency) pairs."""
    tally = MoneyTally(fx)
    for value, currency in pairs:
        tally.add(value, currency)
    return tally.result()


def format_money(value: Decimal, currency: str) -> str:
    """`$12,500`, `€5,000.50`, `12,000 CHF`."""
    rounded = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    text = f"{rounded:,.0f}" if rounded == rounded.to_integral_value() else f"{rounded:,.2f}"
    sign = SIGNS.get(currency)
    return f"{sign}{text}" if sign else f"{text} {currency}"


def short_money(value: Decimal, currency: str) -> str:
    """Compact money for dense lines and charts: `$12.5k`, `₩50m`, `900 CHF`."""
    for limit, suffix in ((Decimal(10**9), "bn"), (Decimal(10**6), "m"), (Decimal(10**3), "k")):
        if abs(value) >= limit:
            scaled = (value / limit).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP).normalize()
            sign = SIGNS.get(currency)
            return f"{sign}{scaled:f}{suffix}" if sign else f"{scaled:f}{suffix} {currency}"
    return format_money(value.quantize(Decimal(1), rounding=ROUND_HALF_UP), currency)
