"""Stale (no touch) and stuck (no stage move) leads, and how often to nudge about them. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.rhythm import LeadFacts, StageRules, rules_for, whole_days

NUDGE_EVERY_DAYS = 3


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


def due_for_nudge(
    findings: Iterable[StaleFinding], *, last_nudged: Mapping[int, date], today: date
) -> list[StaleFinding]:
    """Findings whose lead was not nudged in the last three local days (nudged Monday → again Thursday)."""
    return [
        finding
        for finding in findings
        if (last := last_nudged.get(finding.lead.id)) is None
        or (today - last).days >= NUDGE_EVERY_DAYS
    ]
