"""The touch cadence: when a lead has had its chances and should get a last-chance email. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.domain.rhythm import LeadFacts, StageRules, rules_for, whole_days

# "Keep 2 more weeks" hides a lead from the Friday cleanup for this long.
KEEP_FOR = timedelta(days=14)


@dataclass(frozen=True)
class CadenceFinding:
    """A lead past the cadence, and which limit it passed."""

    lead: LeadFacts
    stage: StageRules
    days_without_move: int
    by_touches: bool
    by_age: bool


def find_past_cadence(
    leads: Iterable[LeadFacts],
    *,
    stages: tuple[StageRules, ...],
    max_touches: int,
    max_days_without_move: int,
    now: datetime,
    today: date,
    kept_at: Mapping[int, datetime],
) -> list[CadenceFinding]:
    """Unsnoozed leads with too many touches or too long in one stage, not kept in the last two weeks."""
    findings = []
    for lead in leads:
        if lead.is_snoozed(today):
            continue
        kept = kept_at.get(lead.id)
        if kept is not None and now - kept < KEEP_FOR:
            continue
        days = whole_days(lead.stage_changed_at, now)
        by_touches = lead.touch_count >= max_touches
        by_age = days >= max_days_without_move
        if by_touches or by_age:
            findings.append(
                CadenceFinding(lead, rules_for(stages, lead.stage), days, by_touches, by_age)
            )
    return sorted(findings, key=lambda f: (-f.days_without_move, -f.lead.touch_count, f.lead.id))
