"""The facts the managers' figures are computed from, as the reads fill them, and the windows they cover. Pure.

Per-row facts are NamedTuples, so a read of 200,000 open leads costs a tuple each; the rest
are frozen dataclasses. Every instant is UTC-aware.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple
from zoneinfo import ZoneInfo

from bot.domain.money import Fx, choose_currency
from bot.domain.schedule import local_instant, zone_for
from bot.domain.team_rules import TeamRules, period_bounds

RAMP_DAYS = 14
NEW_LEAD_DAYS = 14
SINK_DAYS = 30
TREND_WEEKS = 4
# Trailing windows of the weekly report, counted back from the end of the report week.
RATE_DAYS = 28
FALLBACK_RATE_DAYS = 90
TIME_IN_STAGE_DAYS = 90
WEEK = timedelta(days=7)
OUTCOMES = ("won", "lost", "archived")
# Sources that mark a lead as having come in (speed to lead applies), besides an assignment at creation.
INBOUND_SOURCES = ("inbound", "web", "website", "webform", "web form", "form")


class Standing(StrEnum):
    """Where a person stands for per-rep alerts: only active reps get them."""

    ACTIVE = "active"
    RAMPING = "ramping"
    AWAY = "away"
    LEFT = "left"
    MANAGER = "manager"


@dataclass(frozen=True, slots=True)
class RepFacts:
    """A person who owns or touches leads: roster membership, Slack status, quota and when they started."""

    id: str
    name: str = ""
    role: str = "rep"
    is_active: bool = True
    on_roster: bool = True
    tz: str | None = None
    away_until: date | None = None
    first_owned_at: datetime | None = None
    joined_at: datetime | None = None
    quota: Decimal | None = None

    def standing(self, *, now: datetime, today: date) -> Standing:
        """Left (deactivated or off the roster), manager, away (until a future date), ramping, or active."""
        if not self.is_active or not self.on_roster:
            return Standing.LEFT
        if self.role != "rep":
            return Standing.MANAGER
        if self.away_until is not None and self.away_until > today:
            return Standing.AWAY
        started = self.first_owned_at or self.joined_at
        if started is not None and now - started < timedelta(days=RAMP_DAYS):
            return Standing.RAMPING
        return Standing.ACTIVE


class OpenLead(NamedTuple):
    """An open lead's identity, value and clocks."""

    id: int
    company: str
    owner_id: str
    stage: str
    value: Decimal | None
    currency: str
    created_at: datetime
    stage_changed_at: datetime
    last_touch_at: datetime | None
    next_follow_up: date | None
    snoozed_until: date | None
    expected_close: date | None


class Move(NamedTuple):
    """One stage change: from None when the lead was created, to won/lost/archived when it closed."""

    lead_id: int
    from_stage: str | None
    to_stage: str
    at: datetime


class Close(NamedTuple):
    """A lead closed with a close event (imported closed rows have none), with its value and category."""

    lead_id: int
    owner_id: str
    outcome: str
    at: datetime
    from_stage: str | None
    category: str | None
    value: Decimal | None
    currency: str
    created_at: datetime


class NewLead(NamedTuple):
    """A lead created in the window: whether it came in (speed to lead applies) and its first contact."""

    id: int
    owner_id: str
    created_at: datetime
    inbound: bool
    first_contact_at: datetime | None


class TouchCount(NamedTuple):
    """Touches of one kind by one author in one report week (0 = the report week, 1–4 the ones before)."""

    author_id: str
    kind: str
    week: int
    count: int


class WeekCount(NamedTuple):
    """Events by one person in one report week."""

    person_id: str
    week: int
    count: int


class SinkCount(NamedTuple):
    """Contact touches of one kind by one author in the trailing 30 days, on time-sink leads or not."""

    author_id: str
    kind: str
    on_sink: bool
    count: int


class UnqualifiedLead(NamedTuple):
    """A lead marked unqualified in the trailing 30 days, with the contact touches it had first."""

    lead_id: int
    owner_id: str
    created_at: datetime
    closed_at: datetime
    contact_touches: int


class WonAmount(NamedTuple):
    """What one rep won in the current quota period, in one currency."""

    owner_id: str
    currency: str
    value: Decimal
    count: int


@dataclass(frozen=True)
class ManagerWindow:
    """Every instant the managers' figures are cut at, worked out once from `now` in the team zone."""

    now: datetime
    zone: ZoneInfo
    today: date
    # Midnight of the Monday that ends the report week, then the five Mondays before it.
    mondays: tuple[datetime, ...]
    period: tuple[date, date]
    period_start: datetime
    period_end: datetime
    new_since: datetime
    sink_since: datetime
    history_since: datetime
    touches_since: datetime

    @classmethod
    def at(cls, now: datetime, *, zone: ZoneInfo, rules: TeamRules) -> ManagerWindow:
        """The windows for figures made at `now`: the last complete Monday-to-Monday week and trailing spans."""
        today = now.astimezone(zone).date()
        monday = today - timedelta(days=today.weekday())
        mondays = tuple(local_instant(monday - timedelta(weeks=k), time(0), zone) for k in range(6))
        start, end = period_bounds(today, rules.quota_period)
        longest_stale = max(stage.stale_days for stage in rules.stages)
        history_since = min(
            now - timedelta(days=rules.cohort_days),
            mondays[0] - timedelta(days=max(FALLBACK_RATE_DAYS, TIME_IN_STAGE_DAYS)),
            mondays[TREND_WEEKS] - timedelta(days=RATE_DAYS),
        )
        return cls(
            now=now,
            zone=zone,
            today=today,
            mondays=mondays,
            period=(start, end),
            period_start=local_instant(start, time(0), zone),
            period_end=local_instant(end, time(0), zone),
            new_since=min(mondays[5], now - timedelta(days=3 * NEW_LEAD_DAYS)),
            sink_since=now - timedelta(days=SINK_DAYS),
            history_since=history_since,
            touches_since=mondays[TREND_WEEKS] - timedelta(days=longest_stale),
        )

    @property
    def week_start(self) -> datetime:
        return self.mondays[1]

    @property
    def week_end(self) -> datetime:
        return self.mondays[0]

    def week_of(self, instant: datetime) -> int | None:
        """0 for the report week, 1–4 for the four before it, None outside them."""
        for week in range(TREND_WEEKS + 1):
            if self.mondays[week + 1] <= instant < self.mondays[week]:
                return week
        return None


@dataclass(frozen=True)
class CongestionFacts:
    """What the daily congestion alerts read."""

    window: ManagerWindow
    reps: tuple[RepFacts, ...]
    open_leads: tuple[OpenLead, ...]
    # Leads created in the last 14 days, per current owner.
    new_leads_14d: Mapping[str, int] = field(default_factory=dict)
    won_this_period: tuple[WonAmount, ...] = ()
    sink_touches: tuple[SinkCount, ...] = ()
    unqualified: tuple[UnqualifiedLead, ...] = ()


@dataclass(frozen=True)
class ReportFacts:
    """What the weekly report reads; `moves` holds every move of each lead that moved since `history_since`."""

    window: ManagerWindow
    reps: tuple[RepFacts, ...]
    open_leads: tuple[OpenLead, ...]
    moves: tuple[Move, ...] = ()
    closes: tuple[Close, ...] = ()
    new_leads: tuple[NewLead, ...] = ()
    touches: tuple[TouchCount, ...] = ()
    snoozes: tuple[WeekCount, ...] = ()
    # Per lead touched since `touches_since`: its last touch before each of mondays[0..4].
    last_touches: Mapping[int, tuple[datetime | None, ...]] = field(default_factory=dict)
    won_this_period: tuple[WonAmount, ...] = ()
    history_start: datetime | None = None


def owner_todays(reps: tuple[RepFacts, ...], *, now: datetime, zone: ZoneInfo) -> dict[str, date]:
    """Each person's local date, so a manager judges stale and overdue on the same day the rep does."""
    zones: dict[str | None, date] = {}
    todays = {}
    for rep in reps:
        if rep.tz not in zones:
            zones[rep.tz] = now.astimezone(zone_for(rep.tz, fallback=zone)).date()
        todays[rep.id] = zones[rep.tz]
    return todays


def reporting_fx(
    leads: Iterable[OpenLead], *, currency: str | None, rates: Mapping[str, Decimal]
) -> Fx:
    """The reporting currency (configured, else the most common among open leads) with the configured rates."""
    counts = Counter(lead.currency for lead in leads) if currency is None else Counter()
    return Fx(choose_currency(currency, counts), dict(rates))
