"""The touch cadence: when a lead has had its chances and should get a last-chance email. Pure.

Only unanswered contact attempts count: calls, emails, messages, LinkedIn and other contacts since
the later of the lead's last stage move and its last meeting or demo (a meeting is an answer).
The cleanup leaves alone what it would be wrong to call dead: a lead moved in the last week, one
with a follow-up in the next two weeks, a late-stage deal (its stuck clock covers it) and a lead
never contacted (it is new, awaiting a first touch).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.domain.rhythm import LeadFacts, StageRules, rules_for, whole_days

# "Keep 2 more weeks" hides a lead from the cleanup for this many of the owner's calendar days.
KEEP_FOR = timedelta(days=14)
RECENT_MOVE = timedelta(days=7)
FOLLOW_UP_SOON = timedelta(days=14)


@dataclass(frozen=True)
class CadenceFinding:
    """A lead past the cadence, its unanswered attempts, and which limit it passed."""

    lead: LeadFacts
    stage: StageRules
    days_without_move: int
    attempts: int
    by_touches: bool
    by_age: bool


def is_kept(kept_on: date | None, *, today: date) -> bool:
    """Kept on a local date hides the lead until exactly two weeks later, the same weekday."""
    return kept_on is not None and today < kept_on + KEEP_FOR


def find_past_cadence(
    leads: Iterable[LeadFacts],
    *,
    attempts: Mapping[int, int],
    stages: tuple[StageRules, ...],
    late: Collection[str],
    max_touches: int,
    days_without_move: Callable[[str], int],
    now: datetime,
    today: date,
    kept_on: Mapping[int, date],
) -> list[CadenceFinding]:
    """Leads that had their chances: `max_touches` unanswered attempts, or too long without a move."""
    findings = []
    for lead in leads:
        if lead.is_snoozed(today) or is_kept(kept_on.get(lead.id), today=today):
            continue
        if lead.stage in late or lead.awaiting_first_touch:
            continue
        if now - lead.stage_changed_at < RECENT_MOVE:
            continue
        follow_up = lead.next_follow_up
        if follow_up is not None and today <= follow_up <= today + FOLLOW_UP_SOON:
            continue
        tried = attempts.get(lead.id, 0)
        if tried == 0:
            continue  # never reached out since it last moved: a last chance would be a lie
        days = whole_days(lead.stage_changed_at, now)
        by_touches = tried >= max_touches
        by_age = days >= days_without_move(lead.stage)
        if by_touches or by_age:
            findings.append(
                CadenceFinding(lead, rules_for(stages, lead.stage), days, tried, by_touches, by_age)
            )
    return sorted(findings, key=lambda f: (-f.days_without_move, -f.attempts, f.lead.id))
