"""METRICS §2.8: the one recommendation — fill the top of the funnel, or push what you have to a close. Pure.

Fill: F1 (with quotas) weighted open value < remaining quota, or open value < coverage target ×
remaining; F2 new leads in 14 days < 70% of the usual 14-day inflow (with four weeks of
history); F3 fewer than 5 open early-stage leads per rep. Push: P1 ≥ 30% of late-stage value
stuck; P2 a rep over a late stage's WIP limit; P3 (with quotas) weighted late-stage value ≥
remaining quota. Push when a push reason holds and no fill reason does (or P3 does); else
fill when a fill reason holds; else healthy.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from bot.domain.figures import share, tenth
from bot.domain.money import MoneySum
from bot.domain.open_book import STALE_AND_STUCK, STUCK, Cell, OpenBook, money_sum
from bot.domain.team_facts import NEW_LEAD_DAYS, NewLead, RepFacts, Standing, WonAmount
from bot.domain.team_rules import TeamRules

USUAL_INFLOW_SHARE = Decimal("0.7")
EARLY_PER_REP = Decimal(5)
STUCK_LATE_SHARE = Decimal("0.3")
HISTORY_NEEDED = timedelta(weeks=4)
STUCK_STATES = frozenset({STUCK, STALE_AND_STUCK})
_ZERO = Decimal(0)


class Action(StrEnum):
    PUSH = "push"
    FILL = "fill"
    HEALTHY = "healthy"


@dataclass(frozen=True)
class Figure:
    """A number that decided a reason, against its bar; `unit` is money, count or share."""

    label: str
    value: Decimal
    bar: Decimal
    unit: str
    rep_id: str | None = None


@dataclass(frozen=True)
class Reason:
    """One fill (F1–F3) or push (P1–P3) reason: whether it holds, its figures, or why it could not be judged."""

    code: str
    holds: bool
    figures: tuple[Figure, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class Recommendation:
    """The action, and every reason checked, in the order F1, F2, F3, P1, P2, P3."""

    action: Action
    reasons: tuple[Reason, ...]

    @property
    def deciding(self) -> tuple[Reason, ...]:
        """The reasons that hold on the chosen side (none when healthy)."""
        side = {Action.PUSH: "P", Action.FILL: "F"}.get(self.action)
        return tuple(r for r in self.reasons if r.holds and r.code.startswith(side or "-"))

    @property
    def figures(self) -> tuple[Figure, ...]:
        """The two or three numbers that decided it."""
        return tuple(figure for reason in self.deciding for figure in reason.figures)[:3]


def decide(reasons: Iterable[Reason]) -> Action:
    """Push when a push reason holds and no fill reason does or P3 does; else fill on a fill reason; else healthy."""
    holding = {reason.code for reason in reasons if reason.holds}
    fill = bool(holding & {"F1", "F2", "F3"})
    push = bool(holding & {"P1", "P2", "P3"})
    if push and (not fill or "P3" in holding):
        return Action.PUSH
    return Action.FILL if fill else Action.HEALTHY


def recommend(
    book: OpenBook,
    *,
    reps: tuple[RepFacts, ...],
    standings: Mapping[str, Standing],
    won_this_period: Iterable[WonAmount],
    new_leads: Iterable[NewLead],
    history_start: datetime | None,
    rules: TeamRules,
    now: datetime,
) -> Recommendation:
    """Check the six reasons on today's pipeline and decide."""
    team = [rep for rep in reps if standings.get(rep.id) not in (Standing.LEFT, Standing.MANAGER)]
    quotas = {rep.id: rep.quota for rep in team if rep.quota is not None}
    won: dict[str, dict[str, Cell]] = {rep_id: {} for rep_id in quotas}
    for amount in won_this_period:
        if amount.owner_id in won:
            won[amount.owner_id][amount.currency] = [amount.count, amount.count, amount.value]
    remaining = sum(
        (
            max(_ZERO, quota - money_sum(won[rep_id], book.fx).total)
            for rep_id, quota in quotas.items()
        ),
        _ZERO,
    )
    everything = book.team_cells
    quota_cells = [item for item in book.cells.items() if item[0][1] in quotas]
    late_keys = rules.late_keys
    late = [item for item in everything if item[0][0] in late_keys]
    wip: Counter[tuple[str, str]] = Counter()
    for (stage, owner, _, _), cell in book.cells.items():
        if stage in late_keys:
            wip[(owner, stage)] += cell[0]
    reasons = [
        _f1(quotas, remaining, book.money(quota_cells), book.money(quota_cells, weighted=True).total, rules),
        _f2(new_leads, history_start, now),
        _f3(book.count(item for item in everything if item[0][0] in rules.early_keys), len(team)),
        _p1(book.money(late), book.money(item for item in late if item[0][3] in STUCK_STATES).total),
        _p2(wip, rules),
        _p3(quotas, remaining,
            book.money((item for item in quota_cells if item[0][0] in late_keys), weighted=True).total),
    ]  # fmt: skip
    return Recommendation(decide(reasons), tuple(reasons))


def _f1(
    quotas: Mapping[str, Decimal],
    remaining: Decimal,
    open_value: MoneySum,
    weighted: Decimal,
    rules: TeamRules,
) -> Reason:
    if not quotas:
        return Reason("F1", False, note="no quotas")
    if not open_value.reliable:
        return Reason("F1", False, note="values missing")
    figures = (
        Figure("weighted open value", weighted, remaining, "money"),
        Figure("open value", open_value.total, rules.coverage_target * remaining, "money"),
    )
    holds = remaining > 0 and (
        weighted < remaining or open_value.total < rules.coverage_target * remaining
    )
    return Reason("F1", holds, figures)


def _f2(new_leads: Iterable[NewLead], history_start: datetime | None, now: datetime) -> Reason:
    window = timedelta(days=NEW_LEAD_DAYS)
    if history_start is None or history_start > now - window - HISTORY_NEEDED:
        return Reason("F2", False, note="needs four weeks of history")
    recent = before = 0
    for lead in new_leads:
        if now - window <= lead.created_at < now:
            recent += 1
        elif now - window - HISTORY_NEEDED <= lead.created_at < now - window:
            before += 1
    usual = Decimal(before) / 2
    bar = usual * USUAL_INFLOW_SHARE
    return Reason(
        "F2", recent < bar, (Figure("new leads in 14 days", Decimal(recent), bar, "count"),)
    )


def _f3(early: int, reps: int) -> Reason:
    per_rep = tenth(early / max(1, reps))
    figure = Figure("open early-stage leads per rep", per_rep, EARLY_PER_REP, "count")
    return Reason("F3", per_rep < EARLY_PER_REP, (figure,))


def _p1(late: MoneySum, stuck: Decimal) -> Reason:
    if not late.reliable:
        return Reason("P1", False, note="values missing")
    ratio = share(stuck, late.total)
    if ratio is None:
        return Reason("P1", False, note="no late-stage value")
    figure = Figure("late-stage value stuck", ratio, STUCK_LATE_SHARE, "share")
    return Reason("P1", ratio >= STUCK_LATE_SHARE, (figure,))


def _p2(wip: Counter[tuple[str, str]], rules: TeamRules) -> Reason:
    over = []
    for (rep_id, key), count in wip.items():
        limit = rules.by_key[key].wip_limit
        if limit is not None and count > limit:
            over.append((count - limit, count, limit, rep_id))
    if not over:
        return Reason("P2", False)
    _, count, limit, rep_id = max(over)
    figure = Figure("late-stage leads of one rep", Decimal(count), Decimal(limit), "count", rep_id)
    return Reason("P2", True, (figure,))


def _p3(quotas: Mapping[str, Decimal], remaining: Decimal, late_weighted: Decimal) -> Reason:
    if not quotas:
        return Reason("P3", False, note="no quotas")
    figure = Figure("weighted late-stage value", late_weighted, remaining, "money")
    return Reason("P3", remaining > 0 and late_weighted >= remaining, (figure,))
