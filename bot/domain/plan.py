"""A rep's morning plan and the afternoon's overdue follow-ups, decided from lead facts. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from bot.domain.rhythm import (
    DEFAULT_LATE_PROBABILITY,
    LeadFacts,
    Snapshot,
    StageCurrencyTotals,
    StageRules,
    currency_counts,
    late_stage_keys,
    main_currency,
    main_currency_of,
    rules_for,
    snapshot_from_totals,
    take_snapshot,
    value_rank,
)
from bot.domain.staleness import StaleFinding, check_clocks, is_scheduled

# "Going stale" in the morning includes leads that cross their stale clock by tomorrow.
GOING_STALE_MARGIN_DAYS = 1


class Section(StrEnum):
    """The plan's sections in the order a rep should work them."""

    OVERDUE = "overdue"
    DUE_TODAY = "due_today"
    MISSED_CLOSE = "missed_close"
    CLOSING = "closing"
    GOING_STALE = "going_stale"
    STUCK = "stuck"
    NEW = "new"
    NO_NEXT_STEP = "no_next_step"


# The sections in order, as a tuple: iterating an enum class costs more than a plan's own rules.
SECTIONS = tuple(Section)
_PLACE = {section: place for place, section in enumerate(SECTIONS)}


@dataclass(frozen=True)
class PlanItem:
    """One lead in one section, with its stage and, for stale or stuck leads, the finding."""

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
    # How many leads each section holds, when `items` are only the first of them in plan order
    # (the database ranked and counted the rest); None when `items` are all of them.
    section_counts: tuple[tuple[Section, int], ...] | None = None

    @property
    def is_clear(self) -> bool:
        counts = self.counts()
        return not any(
            counts[section] for section in SECTIONS if section is not Section.NO_NEXT_STEP
        )

    def in_section(self, section: Section) -> tuple[PlanItem, ...]:
        return tuple(item for item in self.items if item.section is section)

    def counts(self) -> dict[Section, int]:
        """Leads per section, those beyond `items` included."""
        if self.section_counts is not None:
            known = dict(self.section_counts)
            return {section: known.get(section, 0) for section in SECTIONS}
        found = dict.fromkeys(SECTIONS, 0)
        for item in self.items:
            found[item.section] += 1
        return found

    @property
    def listed(self) -> int:
        """How many leads the plan lists in all, those beyond `items` included."""
        return sum(self.counts().values())


def _section_for(
    lead: LeadFacts, stage: StageRules, *, late: frozenset[str], now: datetime, today: date
) -> tuple[Section, StaleFinding | None] | None:
    # Each lead appears once, in the first section that applies.
    if lead.next_follow_up is not None and lead.next_follow_up < today:
        return Section.OVERDUE, None
    if lead.next_follow_up == today:
        return Section.DUE_TODAY, None
    if lead.stage in late:
        if lead.expected_close is not None and lead.expected_close < today:
            return Section.MISSED_CLOSE, None
        return Section.CLOSING, None
    finding = check_clocks(lead, stage, now=now, today=today, margin_days=GOING_STALE_MARGIN_DAYS)
    if finding is not None and finding.stale:
        return Section.GOING_STALE, finding
    if finding is not None and finding.stuck and not is_scheduled(lead, today=today):
        return Section.STUCK, finding
    if lead.awaiting_first_touch:
        return Section.NEW, None
    if lead.next_follow_up is None:
        return Section.NO_NEXT_STEP, None
    return None


def build_morning_plan(
    rep_id: str,
    leads: Iterable[LeadFacts],
    *,
    stages: tuple[StageRules, ...],
    now: datetime,
    today: date,
    late_probability: Decimal = DEFAULT_LATE_PROBABILITY,
) -> MorningPlan | None:
    """The rep's plan for `today` from all their open leads; None when they have none at all."""
    open_leads = list(leads)
    if not open_leads:
        return None
    return plan_from(
        rep_id,
        open_leads,
        totals=OpenTotals(take_snapshot(open_leads, stages=stages), main_currency(open_leads)),
        stages=stages,
        now=now,
        today=today,
        late_probability=late_probability,
    )


@dataclass(frozen=True)
class OpenTotals:
    """What a plan needs of all the rep's open leads, not only those it lists: the snapshot, and
    the currency most of them are in (values rank only within it)."""

    snapshot: Snapshot
    main_currency: str | None


def open_totals(
    totals: Iterable[StageCurrencyTotals], *, stages: tuple[StageRules, ...]
) -> OpenTotals:
    """`OpenTotals` from the database's per stage and currency totals of the rep's open leads."""
    parts = list(totals)
    return OpenTotals(
        snapshot_from_totals(parts, stages=stages), main_currency_of(currency_counts(parts))
    )


def plan_from(
    rep_id: str,
    leads: Iterable[LeadFacts],
    *,
    totals: OpenTotals,
    stages: tuple[StageRules, ...],
    now: datetime,
    today: date,
    late_probability: Decimal = DEFAULT_LATE_PROBABILITY,
    section_counts: Mapping[Section, int] | None = None,
) -> MorningPlan:
    """The rep's plan for `today` from their open leads (those it would not list may be left
    out) and the totals of all their open leads.

    With `section_counts`, `leads` are only the first leads of the plan, in any order, and the
    counts say how many each section holds in all (what the database ranked and counted).

    Within a section leads never compete on amounts across currencies: value ranks only within
    the rep's main currency, and late stages (by probability) come first where it matters.
    """
    late = late_stage_keys(stages, probability=late_probability)
    probability = {stage.key: stage.probability for stage in stages}
    main = totals.main_currency
    items: list[PlanItem] = []
    for lead in leads:
        if lead.is_snoozed(today):
            continue
        stage = rules_for(stages, lead.stage)
        placed = _section_for(lead, stage, late=late, now=now, today=today)
        if placed is not None:
            items.append(PlanItem(placed[0], lead, stage, placed[1]))

    def priority(item: PlanItem) -> tuple[object, ...]:
        # Only the keys of the item's own section are worked out: a tick sorts a million leads.
        lead, section, finding = item.lead, item.section, item.finding
        place = _PLACE[section]
        if section is Section.NEW:
            return (place, lead.created_at, lead.id)
        worth = value_rank(lead, main)
        if section is Section.OVERDUE:
            return (place, lead.stage not in late, worth, lead.next_follow_up, lead.id)
        if section is Section.DUE_TODAY:
            return (place, lead.stage not in late, worth, lead.id)
        if section is Section.MISSED_CLOSE:
            return (place, lead.expected_close, worth, lead.id)
        if section is Section.CLOSING:
            return (place, -probability.get(lead.stage, Decimal(0)), worth, lead.id)
        if section is Section.GOING_STALE:
            return (place, -(finding.days_without_touch if finding else 0), worth, lead.id)
        if section is Section.STUCK:
            return (place, -(finding.days_in_stage if finding else 0), worth, lead.id)
        return (place, worth, lead.id)

    items.sort(key=priority)
    counted = None
    if section_counts is not None:
        counted = tuple(
            (section, section_counts[section])
            for section in SECTIONS
            if section_counts.get(section)
        )
    return MorningPlan(rep_id, today, tuple(items), totals.snapshot, counted)


@dataclass(frozen=True)
class PlanRecord:
    """The morning plan as sent: when it was recorded and which leads it showed."""

    sent_at: datetime
    lead_ids: frozenset[int]


@dataclass(frozen=True)
class OverdueItem:
    """A lead for the afternoon DM: due today and not done, or overdue and not acted on since the plan."""

    lead: LeadFacts
    stage: StageRules
    in_plan: bool
    due_today: bool = False


def find_overdue_followups(
    leads: Iterable[LeadFacts],
    *,
    stages: tuple[StageRules, ...],
    today: date,
    plan: PlanRecord | None,
) -> list[OverdueItem]:
    """What can still be saved today: follow-ups due today and not done yet (a contact touch
    clears them), and overdue ones nobody touched, moved, snoozed or re-dated since the plan.

    A lead the plan did not show (handed to the rep after it went out, say) is news: the change
    that brought it is no action on its follow-up, so only a touch since counts.
    """
    items = []
    for lead in leads:
        due = lead.next_follow_up
        if due is None or due > today or lead.is_snoozed(today):
            continue
        in_plan = plan is not None and lead.id in plan.lead_ids
        due_today = due == today
        if not due_today and plan is not None and _handled_since(lead, plan, in_plan=in_plan):
            continue
        items.append(OverdueItem(lead, rules_for(stages, lead.stage), in_plan, due_today))
    return sorted(items, key=lambda item: (item.due_today, item.lead.next_follow_up, item.lead.id))


def _handled_since(lead: LeadFacts, plan: PlanRecord, *, in_plan: bool) -> bool:
    if in_plan:
        return lead.acted_on_since(plan.sent_at)
    return lead.last_touch_at is not None and lead.last_touch_at > plan.sent_at
