"""A rep's morning plan and the afternoon's overdue follow-ups, decided from lead facts. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from bot.domain.rhythm import (
    LeadFacts,
    Snapshot,
    StageRules,
    late_stage_keys,
    rules_for,
    stage_order,
    take_snapshot,
)
from bot.domain.staleness import StaleFinding, check_clocks

# "Going stale" in the morning includes leads that cross their stale clock by tomorrow.
GOING_STALE_MARGIN_DAYS = 1


class Section(StrEnum):
    """The plan's sections in the order a rep should work them."""

    OVERDUE = "overdue"
    DUE_TODAY = "due_today"
    CLOSING = "closing"
    GOING_STALE = "going_stale"
    NEW = "new"


@dataclass(frozen=True)
class PlanItem:
    """One lead in one section, with its stage and, for stale leads, the finding."""

    section: Section
    lead: LeadFacts
    stage: StageRules
    finding: StaleFinding | None = None


@dataclass(frozen=True)
class MorningPlan:
    """What a rep should do today, and where their pipeline stands."""

    rep_id: str
    day: date
    items: tuple[PlanItem, ...]
    snapshot: Snapshot

    @property
    def is_clear(self) -> bool:
        return not self.items

    def in_section(self, section: Section) -> tuple[PlanItem, ...]:
        return tuple(item for item in self.items if item.section is section)

    def counts(self) -> dict[Section, int]:
        return {section: len(self.in_section(section)) for section in Section}


def _section_for(
    lead: LeadFacts, stage: StageRules, *, late: frozenset[str], now: datetime, today: date
) -> tuple[Section, StaleFinding | None] | None:
    # Each lead appears once, in the first section that applies.
    if lead.next_follow_up is not None and lead.next_follow_up < today:
        return Section.OVERDUE, None
    if lead.next_follow_up == today:
        return Section.DUE_TODAY, None
    if lead.stage in late:
        return Section.CLOSING, None
    finding = check_clocks(lead, stage, now=now, today=today, margin_days=GOING_STALE_MARGIN_DAYS)
    if finding is not None and finding.stale:
        return Section.GOING_STALE, finding
    if lead.awaiting_first_touch:
        return Section.NEW, None
    return None


def _value(lead: LeadFacts) -> Decimal:
    return lead.value or Decimal(0)


def build_morning_plan(
    rep_id: str,
    leads: Iterable[LeadFacts],
    *,
    stages: tuple[StageRules, ...],
    now: datetime,
    today: date,
) -> MorningPlan | None:
    """The rep's plan for `today`; None when they have no open leads at all (then nothing is sent)."""
    open_leads = list(leads)
    if not open_leads:
        return None
    late = late_stage_keys(stages)
    order = stage_order(stages)
    items: list[PlanItem] = []
    for lead in open_leads:
        if lead.is_snoozed(today):
            continue
        stage = rules_for(stages, lead.stage)
        placed = _section_for(lead, stage, late=late, now=now, today=today)
        if placed is not None:
            items.append(PlanItem(placed[0], lead, stage, placed[1]))

    def priority(item: PlanItem) -> tuple[object, ...]:
        lead = item.lead
        by_section: dict[Section, tuple[object, ...]] = {
            Section.OVERDUE: (lead.next_follow_up, -_value(lead)),
            Section.DUE_TODAY: (-_value(lead),),
            Section.CLOSING: (-order.get(lead.stage, 0), -_value(lead)),
            Section.GOING_STALE: (
                -(item.finding.days_without_touch if item.finding else 0),
                -_value(lead),
            ),
            Section.NEW: (lead.created_at,),
        }
        return (list(Section).index(item.section), *by_section[item.section], lead.id)

    items.sort(key=priority)
    return MorningPlan(rep_id, today, tuple(items), take_snapshot(open_leads, stages=stages))


@dataclass(frozen=True)
class PlanRecord:
    """The morning plan as sent: when it was recorded and which leads it showed."""

    sent_at: datetime
    lead_ids: frozenset[int]


@dataclass(frozen=True)
class OverdueItem:
    """An overdue lead for the afternoon DM, and whether this morning's plan already showed it."""

    lead: LeadFacts
    stage: StageRules
    in_plan: bool


def find_overdue_followups(
    leads: Iterable[LeadFacts],
    *,
    stages: tuple[StageRules, ...],
    today: date,
    plan: PlanRecord | None,
) -> list[OverdueItem]:
    """Overdue, unsnoozed leads that the plan did not show, or showed and nobody touched or moved since."""
    items = []
    for lead in leads:
        if lead.next_follow_up is None or lead.next_follow_up >= today or lead.is_snoozed(today):
            continue
        in_plan = plan is not None and lead.id in plan.lead_ids
        if in_plan and plan is not None and lead.acted_on_since(plan.sent_at):
            continue
        items.append(OverdueItem(lead, rules_for(stages, lead.stage), in_plan))
    return sorted(items, key=lambda item: (item.lead.next_follow_up, item.lead.id))
