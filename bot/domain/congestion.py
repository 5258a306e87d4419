"""METRICS §1: every condition the daily congestion alert can hold, evaluated from one day's facts. Pure.

`evaluate_conditions` is the entry point. WIP limits, stage congestion and bulges live here;
value at risk in `value_at_risk`, thin pipelines, time sinks and orphaned leads in `rep_health`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

from bot.collector import collection_paused
from bot.domain.conditions import Condition, ConditionKind, Key
from bot.domain.figures import LeadRef, Median, share
from bot.domain.money import Fx, MoneySum
from bot.domain.open_book import Cell, CellKey, OpenBook
from bot.domain.rep_health import orphaned_conditions, thin_conditions, time_sink_conditions
from bot.domain.team_facts import CongestionFacts, Standing, owner_todays
from bot.domain.team_rules import TeamRules
from bot.domain.value_at_risk import ParkedLeads, value_at_risk_conditions

# Stage congestion needs this many open leads in all and in the stage; it clears this far below the share.
MIN_TEAM_LEADS = 10
MIN_STAGE_LEADS = 5
CLEAR_MARGIN = Decimal("0.05")
TOP_REPS = 3
OLDEST = 3


@dataclass(frozen=True)
class WipDetail:
    """A rep over a stage's WIP limit: how many, the limit, their value and the three oldest in the stage."""

    rep_id: str
    stage: str
    count: int
    limit: int
    value: MoneySum
    oldest: tuple[LeadRef, ...]


@dataclass(frozen=True)
class StageLoad:
    """One stage's share of the open pipeline, how old its leads are and who holds them."""

    stage: str
    count: int
    total_count: int
    count_share: Decimal
    value: MoneySum
    value_share: Decimal | None
    age: Median
    stuck_days: int
    top_reps: tuple[tuple[str, int], ...]
    previous_stage: str | None = None
    previous_count: int = 0


@dataclass(frozen=True)
class CongestionReport:
    """Today's conditions, the reps left out of per-rep alerts and why, and the parked leads."""

    conditions: tuple[Condition, ...]
    excluded: tuple[tuple[str, Standing], ...]
    parked: ParkedLeads


def wip_conditions(
    book: OpenBook, *, rules: TeamRules, eligible: Collection[str]
) -> list[Condition]:
    """A rep × stage with a WIP limit holding more open leads than the limit."""
    limits = {stage.key: stage.wip_limit for stage in rules.stages if stage.wip_limit}
    over: dict[tuple[str, str], list[tuple[CellKey, Cell]]] = {}
    for rep_id in sorted(eligible):
        for stage, limit in limits.items():
            cells = [item for item in book.by_owner.get(rep_id, ()) if item[0][0] == stage]
            if book.count(cells) > limit:
                over[(rep_id, stage)] = cells
    if not over:
        return []
    groups = book.collect(
        lambda lead, _: (lead.owner_id, lead.stage) if (lead.owner_id, lead.stage) in over else None
    )
    conditions = []
    for (rep_id, stage), cells in over.items():
        count = book.count(cells)
        oldest = book.oldest(groups[(rep_id, stage)], count=OLDEST)
        detail = WipDetail(rep_id, stage, count, limits[stage], book.money(cells), oldest)
        conditions.append(Condition(ConditionKind.WIP, f"{rep_id}:{stage}", Decimal(count), detail))
    return conditions


def stage_loads(book: OpenBook, *, rules: TeamRules) -> list[StageLoad]:
    """Every configured stage's count and value share of all open leads, median age and top reps."""
    whole = book.money(book.team_cells)
    holders: dict[str, Counter[str]] = {stage.key: Counter() for stage in rules.stages}
    for (stage_key, owner, _, _), cell in book.cells.items():
        if stage_key in holders:
            holders[stage_key][owner] += cell[0]
    loads = []
    previous: tuple[str, int] | None = None
    for stage in rules.stages:
        cells = book.by_stage.get(stage.key, [])
        value = book.money(cells)
        top = sorted(holders[stage.key].items(), key=lambda pair: (-pair[1], pair[0]))
        loads.append(
            StageLoad(
                stage=stage.key,
                count=value.count,
                total_count=whole.count,
                count_share=share(value.count, whole.count) or Decimal(0),
                value=value,
                value_share=value.share_of(whole) if whole.reliable else None,
                age=book.median_age(stage.key),
                stuck_days=stage.stuck_days,
                top_reps=tuple(top[:TOP_REPS]),
                previous_stage=previous[0] if previous else None,
                previous_count=previous[1] if previous else 0,
            )
        )
        previous = (stage.key, value.count)
    return loads


def congestion_conditions(
    loads: list[StageLoad], *, rules: TeamRules, open_keys: Collection[Key]
) -> list[Condition]:
    """Stages after the first over the congestion share (cleared 0.05 below it), and bulges after the second."""
    conditions = []
    for index, load in enumerate(loads):
        if index == 0:
            continue
        key = (ConditionKind.CONGESTION.value, load.stage)
        shares = [load.count_share] + ([load.value_share] if load.value_share is not None else [])
        worst = max(shares)
        sized = load.total_count >= MIN_TEAM_LEADS and load.count >= MIN_STAGE_LEADS
        if key in open_keys:
            above = worst >= rules.congestion_share - CLEAR_MARGIN
        else:
            above = worst > rules.congestion_share
        if sized and above:
            conditions.append(Condition(ConditionKind.CONGESTION, load.stage, worst, load))
        if index >= 2 and load.count >= MIN_STAGE_LEADS and load.count > load.previous_count:
            conditions.append(Condition(ConditionKind.BULGE, load.stage, Decimal(load.count), load))
    return conditions


def evaluate_conditions(
    facts: CongestionFacts, *, rules: TeamRules, fx: Fx, open_keys: Collection[Key] = ()
) -> CongestionReport:
    """Every condition of METRICS §1 that holds at the facts' moment; `open_keys` apply the clear thresholds."""
    with collection_paused():
        return _evaluate(facts, rules=rules, fx=fx, open_keys=open_keys)


def _evaluate(
    facts: CongestionFacts, *, rules: TeamRules, fx: Fx, open_keys: Collection[Key]
) -> CongestionReport:
    window = facts.window
    todays = owner_todays(facts.reps, now=window.now, zone=window.zone)
    book = OpenBook(
        facts.open_leads, rules=rules, fx=fx, now=window.now, todays=todays, team_today=window.today
    )
    standings = {
        rep.id: rep.standing(now=window.now, today=todays.get(rep.id, window.today))
        for rep in facts.reps
    }
    eligible = frozenset(rep_id for rep_id, s in standings.items() if s is Standing.ACTIVE)
    excluded = tuple(
        sorted(
            (rep_id, s) for rep_id, s in standings.items() if s in (Standing.RAMPING, Standing.AWAY)
        )
    )
    risk, parked = value_at_risk_conditions(book, rules=rules, open_keys=open_keys)
    conditions = [
        *orphaned_conditions(book, standings=standings),
        *wip_conditions(book, rules=rules, eligible=eligible),
        *congestion_conditions(stage_loads(book, rules=rules), rules=rules, open_keys=open_keys),
        *risk,
        *thin_conditions(book, facts=facts, rules=rules, eligible=eligible),
        *time_sink_conditions(facts, rules=rules, eligible=eligible),
    ]
    return CongestionReport(tuple(conditions), excluded, parked)
