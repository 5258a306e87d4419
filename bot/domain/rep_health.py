"""METRICS §1.4–§1.6: thin pipelines per rep, time sunk into unqualified leads, and orphaned leads. Pure."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from bot.domain.conditions import Condition, ConditionKind
from bot.domain.figures import LeadRef, Median, median_of, share, tenth
from bot.domain.money import MoneySum
from bot.domain.open_book import Cell, OpenBook, money_sum
from bot.domain.team_facts import CongestionFacts, Standing
from bot.domain.team_rules import TeamRules

TEAM = "team"
SINK_SHARE = Decimal("0.25")
SINK_MIN_TOUCHES = 20
LARGEST = 5
_ZERO = Decimal(0)


class ThinReason(StrEnum):
    """Why a rep's pipeline is thin, in the order a post lists them."""

    EMPTY = "no-open-leads"
    FEW_EARLY = "few-early-leads"
    LOW_COVERAGE = "coverage-below-target"
    LOW_WEIGHTED = "weighted-below-remaining"
    # With a quota, under 70% of the rep's open leads have a convertible value: coverage unknown.
    VALUES_MISSING = "values-missing"


@dataclass(frozen=True)
class ThinDetail:
    """A rep's thin pipeline: why, and the numbers behind it (quota figures only with a quota)."""

    rep_id: str
    reasons: tuple[ThinReason, ...]
    open_count: int
    early_count: int
    new_leads_14d: int
    open_value: MoneySum
    weighted: Decimal
    quota: Decimal | None = None
    won: MoneySum | None = None
    remaining: Decimal | None = None
    coverage_target: Decimal | None = None


@dataclass(frozen=True)
class TimeSinkDetail:
    """Contact touches on leads now unqualified or weak fit in 30 days, and how long leads took to be let go."""

    scope: str
    sink_touches: int
    contact_touches: int
    share: Decimal | None
    touches_before_unqualified: Median
    days_before_unqualified: Median
    estimated_hours: Decimal


@dataclass(frozen=True)
class OrphanedDetail:
    """Open leads of someone who left: how many, their value and the largest of them."""

    owner_id: str
    count: int
    value: MoneySum
    largest: tuple[LeadRef, ...]


def thin_conditions(
    book: OpenBook,
    *,
    facts: CongestionFacts,
    rules: TeamRules,
    eligible: Collection[str],
) -> list[Condition]:
    """Active reps with no open leads, too few early leads and none new, or too little cover for their quota."""
    early = rules.early_keys
    won: dict[str, dict[str, Cell]] = defaultdict(dict)
    for amount in facts.won_this_period:
        won[amount.owner_id][amount.currency] = [amount.count, amount.count, amount.value]
    quotas = {rep.id: rep.quota for rep in facts.reps}
    conditions = []
    for rep_id in sorted(eligible):
        cells = book.by_owner.get(rep_id, [])
        count = book.count(cells)
        early_count = book.count(item for item in cells if item[0][0] in early)
        new = facts.new_leads_14d.get(rep_id, 0)
        reasons: list[ThinReason] = []
        severity = []
        if count == 0:
            reasons.append(ThinReason.EMPTY)
            severity.append(Decimal(1))
        if early_count < rules.min_early and new == 0:
            reasons.append(ThinReason.FEW_EARLY)
            severity.append(Decimal(rules.min_early - early_count) / rules.min_early)
        value = book.money(cells)
        weighted = book.money(cells, weighted=True).total
        quota = quotas.get(rep_id)
        won_sum = remaining = None
        if quota is not None:
            won_sum = money_sum(won.get(rep_id, {}), book.fx)
            remaining = quota - won_sum.total
            if remaining > 0 and not value.reliable:
                reasons.append(ThinReason.VALUES_MISSING)
                severity.append(1 - value.convertible_share)
            elif remaining > 0:
                needed = rules.coverage_target * remaining
                if value.total < needed:
                    reasons.append(ThinReason.LOW_COVERAGE)
                    severity.append(1 - value.total / needed)
                if weighted < remaining:
                    reasons.append(ThinReason.LOW_WEIGHTED)
                    severity.append(1 - weighted / remaining)
        if not reasons:
            continue
        detail = ThinDetail(
            rep_id, tuple(sorted(reasons, key=list(ThinReason).index)), count, early_count, new,
            value, weighted, quota, won_sum, remaining,
            rules.coverage_target if quota is not None else None,
        )  # fmt: skip
        rank = 0 if ThinReason.EMPTY in reasons else 1
        conditions.append(Condition(ConditionKind.THIN, rep_id, max(severity), detail, rank))
    return conditions


def time_sink_conditions(
    facts: CongestionFacts, *, rules: TeamRules, eligible: Collection[str]
) -> list[Condition]:
    """Per active rep and for the team: a quarter of contact touches sunk (of 20+), or the cadence spent before letting go."""
    touches: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    minutes: dict[str, int] = defaultdict(int)
    for row in facts.sink_touches:
        for scope in (row.author_id, TEAM):
            touches[scope][0] += row.count
            if row.on_sink:
                touches[scope][1] += row.count
                minutes[scope] += row.count * rules.minutes.get(row.kind, rules.minutes["other"])
    letting_go: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for lead in facts.unqualified:
        days = (lead.closed_at - lead.created_at).total_seconds() / 86400
        for scope in (lead.owner_id, TEAM):
            letting_go[scope].append((lead.contact_touches, max(0.0, days)))
    conditions = []
    for scope in [TEAM, *sorted(eligible)]:
        contact, sunk = touches.get(scope, [0, 0])
        leads = letting_go.get(scope, [])
        ratio = share(sunk, contact)
        before = median_of([t for t, _ in leads])
        by_share = ratio is not None and contact >= SINK_MIN_TOUCHES and ratio >= SINK_SHARE
        by_cadence = before.value is not None and before.value >= rules.cadence_touches
        if not (by_share or by_cadence):
            continue
        detail = TimeSinkDetail(
            scope, sunk, contact, ratio, before, median_of([d for _, d in leads]),
            tenth(minutes.get(scope, 0) / 60),
        )  # fmt: skip
        measure = ratio if by_share and ratio is not None else before.value or _ZERO
        conditions.append(Condition(ConditionKind.TIME_SINK, scope, measure, detail))
    return conditions


def orphaned_conditions(book: OpenBook, *, standings: Mapping[str, Standing]) -> list[Condition]:
    """Open leads whose owner left (deactivated or off the roster), per former owner."""
    gone = {
        owner for owner in book.by_owner if standings.get(owner, Standing.LEFT) is Standing.LEFT
    }
    if not gone:
        return []
    largest = book.largest(
        lambda lead, _: (lead.owner_id,) if lead.owner_id in gone else (), count=LARGEST
    )
    conditions = []
    for owner_id in sorted(gone):
        cells = book.by_owner[owner_id]
        count = book.count(cells)
        detail = OrphanedDetail(owner_id, count, book.money(cells), largest.get(owner_id, ()))
        conditions.append(Condition(ConditionKind.ORPHANED, owner_id, Decimal(count), detail))
    return conditions
