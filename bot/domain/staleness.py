"""Stale (no touch) and stuck (no stage move) leads, and when a nudge about them is worth sending. Pure."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.rhythm import LeadFacts, StageRules, rules_for, whole_days


@dataclass(frozen=True)
class StaleFinding:
    """Why a lead needs attention: days without a touch and/or days in its stage, past the clock."""

    lead: LeadFacts
    stage: StageRules
    days_without_touch: int
    days_in_stage: int
    stale: bool
    stuck: bool


def is_scheduled(lead: LeadFacts, *, today: date) -> bool:
    """A follow-up planned after today means the lead is not forgotten, just waiting."""
    return lead.next_follow_up is not None and lead.next_follow_up > today


def check_clocks(
    lead: LeadFacts, stage: StageRules, *, now: datetime, today: date, margin_days: int = 0
) -> StaleFinding | None:
    """The lead's stale/stuck finding, or None; `margin_days` flags leads that cross a clock that soon."""
    untouched = whole_days(lead.no_touch_since(), now)
    in_stage = whole_days(lead.stage_changed_at, now)
    stale = not is_scheduled(lead, today=today) and untouched + margin_days >= stage.stale_days
    stuck = in_stage + margin_days >= stage.stuck_days
    if not (stale or stuck):
        return None
    return StaleFinding(lead, stage, untouched, in_stage, stale, stuck)


def find_stale_leads(
    leads: Iterable[LeadFacts], *, stages: tuple[StageRules, ...], now: datetime, today: date
) -> list[StaleFinding]:
    """Unsnoozed leads past their stage's stale or stuck clock, longest-neglected first."""
    findings = [
        finding
        for lead in leads
        if not lead.is_snoozed(today)
        and (finding := check_clocks(lead, rules_for(stages, lead.stage), now=now, today=today))
    ]
    return sorted(findings, key=lambda f: (-max(f.days_without_touch, f.days_in_stage), f.lead.id))


# A clock crossed once, then again at twice its length: the two moments worth a nudge.
MAX_MARK = 2
# Nudges (with no action since) after which the lead goes to the managers instead of a third DM.
NUDGES_BEFORE_ESCALATION = 2

# How far a lead has gone past its clocks: (stale mark, stuck mark), each 0, 1 or 2.
Marks = tuple[int, int]


def marks_of(finding: StaleFinding) -> Marks:
    """How many times over each clock the lead is (capped at twice): what a nudge is about."""
    stale = (
        min(MAX_MARK, finding.days_without_touch // finding.stage.stale_days)
        if finding.stale
        else 0
    )
    stuck = min(MAX_MARK, finding.days_in_stage // finding.stage.stuck_days) if finding.stuck else 0
    return (stale, stuck)


@dataclass(frozen=True)
class PastNudge:
    """A nudge (or an escalation) recorded for a lead: when, and the marks it was about."""

    at: datetime
    marks: Marks


@dataclass(frozen=True)
class NudgeDecision:
    """Which findings get a DM now, and which go to the managers instead of a third one."""

    nudge: tuple[StaleFinding, ...]
    escalate: tuple[StaleFinding, ...]

    def __bool__(self) -> bool:
        """True when there is a DM to send."""
        return bool(self.nudge)


def decide_nudges(
    findings: Iterable[StaleFinding],
    *,
    history: Mapping[int, Sequence[PastNudge]],
    today: date,
    skip: Collection[int] = (),
) -> NudgeDecision:
    """A lead is nudged only when it crossed a clock (or twice a clock) since its last nudge.

    Nudges before the lead's last action (a touch, a move, a snooze, a keep, a new date) are
    forgotten. A lead already nudged twice with no action goes to the managers instead. A lead
    with a follow-up planned is waiting, not forgotten; `skip` holds leads another DM covers today.
    """
    nudge: list[StaleFinding] = []
    escalate: list[StaleFinding] = []
    for finding in findings:
        lead = finding.lead
        if lead.id in skip or is_scheduled(lead, today=today):
            continue
        marks = marks_of(finding)
        past = [item for item in history.get(lead.id, ()) if not lead.acted_on_since(item.at)]
        last = max(past, key=lambda item: item.at).marks if past else (0, 0)
        if not (marks[0] > last[0] or marks[1] > last[1]):
            continue
        (escalate if len(past) >= NUDGES_BEFORE_ESCALATION else nudge).append(finding)
    return NudgeDecision(tuple(nudge), tuple(escalate))
