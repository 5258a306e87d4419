"""METRICS §1.3: open value at risk (stale or stuck, never both added), team-wide and per stage, and parked leads. Pure."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

from bot.domain.conditions import Condition, ConditionKind, Key
from bot.domain.figures import LeadRef
from bot.domain.money import MoneySum
from bot.domain.open_book import (
    AT_RISK,
    PARKED,
    STALE,
    STALE_AND_STUCK,
    STUCK,
    Cell,
    CellKey,
    OpenBook,
)
from bot.domain.team_facts import OpenLead
from bot.domain.team_rules import TeamRules

TEAM = "team"
TEAM_OPENS_AT = Decimal("0.25")
TEAM_CLEARS_BELOW = Decimal("0.20")
STAGE_SHARE = Decimal("0.5")
STAGE_OF_ALL = Decimal("0.1")
LARGEST = 5


@dataclass(frozen=True)
class ParkedLeads:
    """Snoozed leads, reported apart from value at risk: how many, their value, how many snoozed past 30 days."""

    count: int
    value: MoneySum
    over_30_days: int


@dataclass(frozen=True)
class StageRisk:
    """At-risk value within one stage against the stage's open value."""

    stage: str
    at_risk: MoneySum
    open: MoneySum


@dataclass(frozen=True)
class ValueAtRiskDetail:
    """At-risk value (stale or stuck) against open value, with the parts, the stages and the largest leads."""

    scope: str
    at_risk: MoneySum
    stale: MoneySum
    stuck: MoneySum
    open: MoneySum
    share: Decimal
    stages: tuple[StageRisk, ...]
    largest: tuple[LeadRef, ...]
    parked: ParkedLeads


@dataclass(frozen=True)
class ValuesMissingDetail:
    """Too few leads have a convertible value for the value-based alerts in this scope."""

    scope: str
    values: MoneySum
    alerts: tuple[str, ...]


def _risk_detail(
    book: OpenBook, cells: list[tuple[CellKey, Cell]], scope: str, share: Decimal, stages: tuple[StageRisk, ...],
    parked: ParkedLeads, largest: tuple[LeadRef, ...],
) -> ValueAtRiskDetail:  # fmt: skip
    def part(states: frozenset[int]) -> MoneySum:
        return book.money(item for item in cells if item[0][3] in states)

    return ValueAtRiskDetail(
        scope, part(AT_RISK), part(frozenset({STALE, STALE_AND_STUCK})),
        part(frozenset({STUCK, STALE_AND_STUCK})), book.money(cells), share, stages, largest, parked,
    )  # fmt: skip


def value_at_risk_conditions(
    book: OpenBook, *, rules: TeamRules, open_keys: Collection[Key]
) -> tuple[list[Condition], ParkedLeads]:
    """Team and stage value-at-risk conditions (or "values missing" when under 70% convert), and the parked leads.

    Open value includes parked leads; at-risk value never does.
    """
    everything = book.team_cells
    parked_value = book.money(item for item in everything if item[0][3] == PARKED)
    parked = ParkedLeads(parked_value.count, parked_value, book.long_parked)
    whole = book.money(everything)
    if not whole.reliable:
        detail = ValuesMissingDetail(TEAM, whole, ("value at risk", "stage value share"))
        missing = Decimal(1) - whole.convertible_share
        return [Condition(ConditionKind.VALUES_MISSING, TEAM, missing, detail)], parked
    at_risk = book.money(item for item in everything if item[0][3] in AT_RISK)
    breakdown = tuple(
        StageRisk(
            stage.key,
            book.money(item for item in book.by_stage.get(stage.key, []) if item[0][3] in AT_RISK),
            book.money(book.by_stage.get(stage.key, [])),
        )
        for stage in rules.stages
    )
    team_share = at_risk.share_of(whole) or Decimal(0)
    key = (ConditionKind.VALUE_AT_RISK.value, TEAM)
    opens = team_share >= (TEAM_CLEARS_BELOW if key in open_keys else TEAM_OPENS_AT)
    flagged = [
        risk
        for risk in breakdown
        if risk.open.reliable
        and risk.open.total
        and (risk.at_risk.share_of(risk.open) or 0) >= STAGE_SHARE
        and (risk.at_risk.share_of(whole) or 0) >= STAGE_OF_ALL
    ]
    if not opens and not flagged:
        return [], parked
    wanted = {risk.stage for risk in flagged}

    def scopes(lead: OpenLead, state: int) -> tuple[str, ...]:
        if state not in AT_RISK:
            return ()
        return (TEAM, lead.stage) if lead.stage in wanted else (TEAM,)

    largest = book.largest(scopes, count=LARGEST)
    conditions = []
    if opens:
        detail = _risk_detail(book, everything, TEAM, team_share, breakdown, parked,
                              largest.get(TEAM, ()))  # fmt: skip
        conditions.append(Condition(ConditionKind.VALUE_AT_RISK, TEAM, team_share, detail))
    for risk in flagged:
        of_stage = risk.at_risk.share_of(risk.open) or Decimal(0)
        detail = _risk_detail(book, book.by_stage[risk.stage], risk.stage, of_stage, (risk,),
                              parked, largest.get(risk.stage, ()))  # fmt: skip
        conditions.append(Condition(ConditionKind.VALUE_AT_RISK, risk.stage, of_stage, detail))
    return conditions, parked
