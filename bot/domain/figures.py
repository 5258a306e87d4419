"""Small shapes shared by the managers' figures: rates with their sample, medians in days, lead mentions. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from statistics import median
from typing import NamedTuple

TENTH = Decimal("0.1")


@dataclass(frozen=True)
class Rate:
    """`numerator / denominator`, shown only when the denominator reaches the minimum sample."""

    numerator: int
    denominator: int
    min_sample: int

    @property
    def enough(self) -> bool:
        return self.denominator >= self.min_sample and self.denominator > 0

    @property
    def value(self) -> Decimal | None:
        """The rate, or None below the minimum sample."""
        return Decimal(self.numerator) / self.denominator if self.enough else None

    @property
    def label(self) -> str:
        """`42%`, or `n/a (3 of 4)` below the minimum sample."""
        value = self.value
        if value is None:
            return f"n/a ({self.numerator} of {self.denominator})"
        return f"{(value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)}%"


@dataclass(frozen=True)
class Median:
    """A median (days, touches) to one decimal over `n` cases; None when there are none."""

    value: Decimal | None
    n: int


def tenth(value: float) -> Decimal:
    """A float rounded half-up to one decimal, as a Decimal."""
    return Decimal(repr(value)).quantize(TENTH, rounding=ROUND_HALF_UP)


def median_of(values: Sequence[float]) -> Median:
    """The median of some numbers (days, touches), to one decimal."""
    return Median(tenth(float(median(values))) if values else None, len(values))


def share(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """`part / whole`, or None when the whole is zero."""
    return Decimal(part) / Decimal(whole) if whole else None


class LeadRef(NamedTuple):
    """A lead as an alert lists it: who owns it, its value and how many days the alert is about."""

    id: int
    company: str
    owner_id: str
    value: Decimal | None
    currency: str
    days: int
