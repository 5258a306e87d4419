"""The only module that reads the wall clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current UTC time."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real clock, always timezone-aware UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True)
class FixedClock:
    """A clock stopped at one instant: `jobs run --at` and the demo use it."""

    at: datetime

    def now(self) -> datetime:
        return self.at.astimezone(UTC)


def utc(value: datetime) -> datetime:
    """Return `value` as aware UTC; naive values are taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class ShiftedClock:
    """Real time moved to start at another instant: `jobs run --at` runs and delivers on it."""

    def __init__(self, start: datetime, base: Clock | None = None) -> None:
        self._base = base or SystemClock()
        self._offset = utc(start) - self._base.now()

    def now(self) -> datetime:
        return self._base.now() + self._offset
