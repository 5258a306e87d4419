"""METRICS §2.7: this week against the mean of the four before, with an arrow for a change of 10% or more. Pure.

Flows (new leads, contact touches, advances, wins, speed to lead) count per report week. Stock
figures are as of each Monday, rebuilt from history: a lead was open on a Monday when it had
been created and not yet closed, in the stage its moves put it in, with its value of today.
Whether a follow-up was scheduled on a past Monday is not recorded, so the trend's at-risk
share counts leads past their stale (no touch) or stuck (no move) clock on each Monday, this
week's included, and can differ from the daily alert's figure.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from bot.domain.figures import Rate
from bot.domain.history import Histories, StageAt
from bot.domain.money import MIN_CONVERTIBLE_SHARE, Fx
from bot.domain.outcomes import speed_to_lead, win_rates
from bot.domain.team_facts import TREND_WEEKS, OpenLead, ReportFacts
from bot.domain.team_rules import TeamRules

ARROW_AT = Decimal("0.1")
_DAY = timedelta(days=1)
_POINTS = TREND_WEEKS + 1


class TrendMetric(StrEnum):
    """The figures the trend compares, in the order the report lists them."""

    NEW_LEADS = "new-leads"
    CONTACT_TOUCHES = "contact-touches"
    ADVANCES = "advances"
    WINS = "wins"
    WIN_RATE = "win-rate"
    OPEN_VALUE = "open-value"
    WEIGHTED_VALUE = "weighted-value"
    AT_RISK_SHARE = "at-risk-share"
    SPEED_TO_LEAD_SHARE = "speed-to-lead-share"


@dataclass(frozen=True)
class TrendRow:
    """One figure: this week first, then the four weeks before; `enough` when the sample allows an arrow."""

    metric: TrendMetric
    points: tuple[Decimal | None, ...]
    enough: bool

    @property
    def this_week(self) -> Decimal | None:
        return self.points[0]

    @property
    def mean(self) -> Decimal | None:
        """The mean of the four weeks before; None when one of them has no figure."""
        previous = [point for point in self.points[1:] if point is not None]
        if len(previous) < TREND_WEEKS:
            return None
        return sum(previous, Decimal(0)) / TREND_WEEKS

    @property
    def change(self) -> Decimal | None:
        """`this / mean − 1`, or None when either is missing or the mean is zero."""
        mean, now = self.mean, self.this_week
        return None if mean is None or now is None or mean == 0 else now / mean - 1

    @property
    def arrow(self) -> str | None:
        """ "up" or "down" for a change of 10% or more with enough sample, else None."""
        change = self.change
        if not self.enough or change is None or abs(change) < ARROW_AT:
            return None
        return "up" if change > 0 else "down"


@dataclass(frozen=True)
class Trend:
    """The trend rows, or none yet: a trend needs four complete weeks before the report week."""

    available: bool
    starts_on: date | None
    rows: tuple[TrendRow, ...]


def _counts(weeks: list[int], min_sample: int, metric: TrendMetric) -> TrendRow:
    points = [0] * _POINTS
    for week in weeks:
        points[week] += 1
    return TrendRow(metric, tuple(Decimal(p) for p in points), sum(points) >= min_sample)


# A lead's Mondays, oldest first: (stage, at risk) when it was open, else None.
Pattern = tuple[tuple[str, bool] | None, ...]
# (pattern, currency) -> [leads, leads with a value, sum of values]
Patterns = dict[tuple[Pattern, str], list[Any]]


class _Mondays:
    """Where each lead stood on each of the five Mondays, added up by pattern."""

    def __init__(self, facts: ReportFacts, histories: Histories, rules: TeamRules) -> None:
        window = facts.window
        self.ascending = sorted(window.mondays[:_POINTS])
        self.clocks = {
            stage.key: (stage.stale_days * _DAY, stage.stuck_days * _DAY) for stage in rules.stages
        }
        self.fallback = self.clocks[rules.stages[0].key]
        # Unmoved since before this: stuck on every Monday of the trend.
        self.stuck_before = {
            stage.key: self.ascending[0] - stage.stuck_days * _DAY for stage in rules.stages
        }
        self.stuck_fallback = self.stuck_before[rules.stages[0].key]
        self.touches_since = window.touches_since
        self.patterns: Patterns = {}

    def add(self, pattern: Pattern, currency: str, value: Decimal | None, leads: int = 1) -> None:
        total = self.patterns.setdefault((pattern, currency), [0, 0, Decimal(0)])
        total[0] += leads
        if value is not None:
            total[1] += leads
            total[2] += value

    def quiet_since(self, created_at: datetime, last_touch_at: datetime | None) -> datetime:
        """The no-touch clock's start on a Monday with no touch since `touches_since` before it."""
        if last_touch_at is not None and last_touch_at < self.touches_since:
            return last_touch_at
        # Untouched from `touches_since` to that Monday: past any stale clock either way.
        return created_at if created_at >= self.touches_since else self.touches_since

    def steady(self, lead: OpenLead) -> tuple[int, int]:
        """For a lead unmoved and untouched since before the first Monday: the first Monday it was
        open, and the first it was at risk (positions, oldest first)."""
        oldest = self.ascending[0]
        created = lead.created_at
        first = 0 if created <= oldest else bisect_left(self.ascending, created)
        moved = lead.stage_changed_at
        # Most such leads were already stuck on the first Monday: no more arithmetic for them.
        if moved <= self.stuck_before.get(lead.stage, self.stuck_fallback):
            return first, 0
        stale, stuck = self.clocks.get(lead.stage, self.fallback)
        risky = min(moved + stuck, self.quiet_since(created, lead.last_touch_at) + stale)
        return first, 0 if risky <= oldest else bisect_left(self.ascending, risky)

    def pattern(
        self,
        states: tuple[StageAt | None, ...] | None,
        touched: tuple[datetime | None, ...] | None,
        now_at: StageAt | None,
        created_at: datetime,
        last_touch_at: datetime | None,
    ) -> Pattern:
        """Monday by Monday for a lead that moved or was touched during the trend."""
        pattern: list[tuple[str, bool] | None] = []
        for position, monday in enumerate(self.ascending):
            k = _POINTS - 1 - position
            state = states[k] if states is not None else (now_at if created_at <= monday else None)
            if state is None:
                pattern.append(None)
                continue
            stale, stuck = self.clocks.get(state.stage, self.fallback)
            last = touched[k] if touched is not None else None
            quiet = last if last is not None else self.quiet_since(created_at, last_touch_at)
            pattern.append((state.stage, monday >= state.since + stuck or monday >= quiet + stale))
        return tuple(pattern)


def _stock_points(
    facts: ReportFacts, histories: Histories, *, rules: TeamRules, fx: Fx
) -> tuple[TrendRow, TrendRow, TrendRow]:
    """Open value, weighted value and at-risk share as of mondays[0..4]."""
    mondays = _Mondays(facts, histories, rules)
    stage_at, last_touches = histories.stage_at_mondays, facts.last_touches
    # Most leads neither moved nor were touched lately: add them up by (first open, first at
    # risk, stage, currency) and expand those few groups into patterns at the end.
    steady: dict[tuple[int, int, str, str], list[Any]] = {}
    for lead in facts.open_leads:
        states, touched = stage_at.get(lead.id), last_touches.get(lead.id)
        if states is None and touched is None:
            first, risky = mondays.steady(lead)
            if first < _POINTS:
                total = steady.setdefault(
                    (first, risky, lead.stage, lead.currency), [0, 0, Decimal(0)]
                )
                total[0] += 1
                if lead.value is not None:
                    total[1] += 1
                    total[2] += lead.value
            continue
        now_at = StageAt(lead.stage, lead.stage_changed_at)
        pattern = mondays.pattern(states, touched, now_at, lead.created_at, lead.last_touch_at)
        mondays.add(pattern, lead.currency, lead.value)
    for close in facts.closes:
        states = stage_at.get(close.lead_id)
        if states is not None:
            pattern = mondays.pattern(
                states, last_touches.get(close.lead_id), None, close.created_at, None
            )
            mondays.add(pattern, close.currency, close.value)
    for (first, risky, stage, currency), (leads, valued, value) in steady.items():
        pattern = tuple(None if p < first else (stage, p >= risky) for p in range(_POINTS))
        total = mondays.patterns.setdefault((pattern, currency), [0, 0, Decimal(0)])
        total[0] += leads
        total[1] += valued
        total[2] += value
    return _stock_rows(mondays.patterns, rules=rules, fx=fx)


def _stock_rows(
    patterns: Patterns, *, rules: TeamRules, fx: Fx
) -> tuple[TrendRow, TrendRow, TrendRow]:
    """Add the leads of each pattern of Mondays into per-Monday totals in the reporting currency."""
    counts, valued_counts = [0] * _POINTS, [0] * _POINTS
    opened = [Decimal(0)] * _POINTS
    weighted = [Decimal(0)] * _POINTS
    at_risk = [Decimal(0)] * _POINTS
    for (pattern, currency), (count, valued, raw) in patterns.items():
        rate = fx.rate(currency)
        value = raw * rate if rate is not None and valued else None
        for position, spot in enumerate(pattern):
            if spot is None:
                continue
            counts[position] += count
            if value is None:
                continue
            stage, risky = spot
            valued_counts[position] += valued
            opened[position] += value
            weighted[position] += value * rules.clocks_for(stage).probability
            if risky:
                at_risk[position] += value
    reliable = all(
        not counts[i] or Decimal(valued_counts[i]) / counts[i] >= MIN_CONVERTIBLE_SHARE
        for i in range(_POINTS)
    )
    shares = [at_risk[i] / opened[i] if opened[i] else None for i in range(_POINTS)]
    return (
        TrendRow(TrendMetric.OPEN_VALUE, tuple(opened[::-1]), reliable),
        TrendRow(TrendMetric.WEIGHTED_VALUE, tuple(weighted[::-1]), reliable),
        TrendRow(TrendMetric.AT_RISK_SHARE, tuple(shares[::-1]), reliable),
    )


def build_trend(facts: ReportFacts, histories: Histories, *, rules: TeamRules, fx: Fx) -> Trend:
    """Every trend row; none when the team's history does not yet cover the four weeks before the report week."""
    window = facts.window
    first = facts.history_start
    if first is None or first > window.mondays[_POINTS]:
        starts = None
        if first is not None:
            local = first.astimezone(window.zone).date()
            # The first report Monday whose four previous weeks all follow the team's first lead.
            starts = local + timedelta(days=7 - local.weekday()) + timedelta(weeks=_POINTS)
        return Trend(False, starts, ())
    week_of = window.week_of
    new_weeks = [w for lead in facts.new_leads if (w := week_of(lead.created_at)) is not None]
    touches = [0] * _POINTS
    for row in facts.touches:
        if row.kind != "note":
            touches[row.week] += row.count
    wins = [w for c in facts.closes if c.outcome == "won" and (w := week_of(c.at)) is not None]
    rates = [
        win_rates(facts.closes, end=monday, rules=rules, fx=fx, fallback=False)
        for monday in window.mondays[:_POINTS]
    ]
    speeds: list[Rate] = []
    for week in range(_POINTS):
        leads = [lead for lead in facts.new_leads if week_of(lead.created_at) == week]
        speeds.append(speed_to_lead(leads, rules=rules, zone=window.zone, now=window.now).within)
    rows = (
        _counts(new_weeks, rules.min_sample, TrendMetric.NEW_LEADS),
        TrendRow(TrendMetric.CONTACT_TOUCHES, tuple(Decimal(t) for t in touches),
                 sum(touches) >= rules.min_sample),
        _counts([week for _, week in histories.advances], rules.min_sample, TrendMetric.ADVANCES),
        _counts(wins, rules.min_sample, TrendMetric.WINS),
        TrendRow(TrendMetric.WIN_RATE, tuple(r.win.value for r in rates),
                 all(r.win.enough for r in rates)),
        *_stock_points(facts, histories, rules=rules, fx=fx),
        TrendRow(TrendMetric.SPEED_TO_LEAD_SHARE, tuple(s.value for s in speeds),
                 all(s.enough for s in speeds)),
    )  # fmt: skip
    return Trend(True, None, rows)
