"""How a job is declared: an id, when it runs, what it is for, and `run(deps, now) -> queued`.

`when` is the one source of both the scheduler's trigger and the line `pipebot jobs list`
prints, so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

if TYPE_CHECKING:
    from bot.deps import Deps

# A job's run: how many messages it queued.
JobRun = Callable[["Deps", datetime], int]


class When(Protocol):
    """A schedule: the APScheduler trigger, and the words people read."""

    def trigger(self, *, team_zone: ZoneInfo, working_days: tuple[str, ...]) -> BaseTrigger: ...

    def describe(self) -> str: ...


def _clock(value: time) -> str:
    return value.strftime("%H:%M")


@dataclass(frozen=True)
class RepLocal:
    """A time on each rep's own clock: a tick every minute finds the reps whose window is open.

    `second` staggers the per-minute ticks so they do not all reach the database at once.
    """

    at: time
    until: time
    second: int
    days: str = "working days"

    def trigger(self, *, team_zone: ZoneInfo, working_days: tuple[str, ...]) -> BaseTrigger:
        return CronTrigger(minute="*", second=self.second, timezone=UTC)

    def describe(self) -> str:
        if self.days == "working days":
            return (
                f"{_clock(self.at)} rep-local on working days (until {_clock(self.until)} if late)"
            )
        return f"{self.days} {_clock(self.at)} rep-local (until {_clock(self.until)} if late)"


@dataclass(frozen=True)
class Every:
    """Every `minutes` minutes of the hour, from `offset`, at `second` past the minute."""

    minutes: int
    second: int
    offset: int = 0

    def trigger(self, *, team_zone: ZoneInfo, working_days: tuple[str, ...]) -> BaseTrigger:
        marks = ",".join(str(minute) for minute in range(self.offset, 60, self.minutes))
        return CronTrigger(minute=marks, second=self.second, timezone=UTC)

    def describe(self) -> str:
        return f"every {self.minutes} minutes"


@dataclass(frozen=True)
class TeamTime:
    """A time in the team's timezone, on its working days or on one weekday (`mon`).

    With `or_later` the weekday's job also ticks on the working days after it, and the job itself
    posts once a week, on the first of them that is no holiday.
    """

    at: time
    weekday: str | None = None
    or_later: bool = False

    def trigger(self, *, team_zone: ZoneInfo, working_days: tuple[str, ...]) -> BaseTrigger:
        days = ",".join(working_days) if self.weekday is None or self.or_later else self.weekday
        return CronTrigger(
            day_of_week=days, hour=self.at.hour, minute=self.at.minute, timezone=team_zone
        )

    def describe(self) -> str:
        if self.weekday is None:
            return f"{_clock(self.at)} team time on working days"
        when = f"{self.weekday.title()}days {_clock(self.at)} team time"
        return f"{when} (the next working day after a holiday)" if self.or_later else when


@dataclass(frozen=True)
class JobSpec:
    """One job: its kebab-case id, when it runs, what it is for, and its run (None until built)."""

    id: str
    when: When
    summary: str
    run: JobRun | None = None

    @property
    def schedule(self) -> str:
        return self.when.describe()
