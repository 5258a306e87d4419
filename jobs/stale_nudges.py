"""stale-nudges: at 10:00 local, leads that crossed their stale or stuck clock since the last nudge.

A lead is nudged when it crosses a clock and again at twice the clock; nudged twice with nothing
done since, it goes to the managers' value-at-risk section (a recorded escalation) instead of a
third DM. A lead the day's cleanup lists, or one with a follow-up planned, is left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.domain.rhythm import LeadFacts
from bot.domain.staleness import (
    Marks,
    NudgeDecision,
    PastNudge,
    decide_nudges,
    find_stale_leads,
    marks_of,
)
from bot.services.nudge_reads import (
    idle_leads_by_owner,
    owned_lead_event_history,
    record_lead_event_details,
)
from bot.services.outbox import PRIORITY_DIGEST
from bot.services.rhythm import ESCALATED_EVENT, NUDGE_EVENT
from bot.slack.kit import SlackMessage
from bot.slack.messages.nudges import build_stale_nudge_blocks, nudged_lead_ids
from jobs import pipeline_cleanup
from jobs.common import DueRep, Queued, Reads, RepDigest, Tick, owner_ids, run_rep_digest
from jobs.spec import JobSpec, RepLocal

if TYPE_CHECKING:
    from bot.deps import Deps

JOB_ID = "stale-nudges"
AT = time(10, 0)
UNTIL = time(14, 0)


@dataclass(frozen=True)
class NudgeFacts:
    """Each lead's earlier nudges and escalations, and the cleanup's facts for reps on their cleanup day."""

    history: dict[int, list[PastNudge]]
    cadence: pipeline_cleanup.CadenceFacts


def _marks(detail: dict[str, object]) -> tuple[int, int]:
    marks = detail.get("marks")
    if isinstance(marks, list) and len(marks) == 2 and all(isinstance(m, int) for m in marks):
        return (marks[0], marks[1])
    return (1, 1)  # a nudge from before marks were recorded: it covered the first crossing


def _read(tick: Tick, session: Session, due: list[DueRep]) -> Reads[NudgeFacts]:
    now, stages = tick.now, tick.stages
    # Only leads a nudge can be about: past their clocks, not snoozed, nothing planned ahead.
    leads = idle_leads_by_owner(
        session,
        owner_ids=owner_ids(due),
        stages=stages,
        now=now,
        on_or_before=max(item.day for item in due),
    )
    # Nudges older than twice the longest clock can no longer be the last one before a crossing.
    memory = timedelta(days=2 * max(max(s.stale_days, s.stuck_days) for s in stages) + 2)
    events = owned_lead_event_history(
        session,
        owner_ids=owner_ids(due),
        kinds=[NUDGE_EVENT, ESCALATED_EVENT],
        since=now - memory,
    )
    history = {
        lead_id: [PastNudge(at, _marks(detail)) for at, detail in items]
        for lead_id, items in events.items()
    }
    closing = [
        lead
        for item in due
        if pipeline_cleanup.is_cleanup_day(item.rep, item.day)
        for lead in leads.get(item.rep.id, [])
    ]
    cadence = pipeline_cleanup.read_cadence_facts(session, closing, now)
    return Reads(leads, NudgeFacts(history, cadence))


def _decide(tick: Tick, due: DueRep, leads: list[LeadFacts], facts: NudgeFacts) -> NudgeDecision:
    cleanup: set[int] = set()
    if pipeline_cleanup.is_cleanup_day(due.rep, due.day):
        # The afternoon's cleanup speaks about these; one DM about a lead a day is enough. Judged
        # as of the cleanup's own hour: a lead reaching 30 days without a move by then is its.
        at_cleanup = replace(tick, now=max(tick.now, pipeline_cleanup.cleanup_moment(due)))
        found = pipeline_cleanup.cleanup_findings(at_cleanup, due, leads, facts.cadence)
        cleanup = {finding.lead.id for finding in found}
    return decide_nudges(
        find_stale_leads(leads, stages=tick.stages, now=tick.now, today=due.day),
        history=facts.history,
        today=due.day,
        skip=cleanup,
    )


def _message(tick: Tick, due: DueRep, decision: NudgeDecision) -> SlackMessage:
    return build_stale_nudge_blocks(
        decision.nudge, stages=tick.stages, now=tick.now, today=due.day, zone=due.rep.zone
    )


def _record_nudges(tick: Tick, session: Session, queued: Sequence[Queued[NudgeDecision]]) -> None:
    # Only the leads each DM showed: those behind "and N more" are nudged next time. One
    # statement for the batch's nudges, the leads of one DM with the same marks sharing a detail.
    details: dict[int, dict[str, object]] = {}
    for item in queued:
        shown = nudged_lead_ids(item.message.payload())
        by_marks: dict[Marks, dict[str, object]] = {}
        for finding in item.found.nudge:
            if finding.lead.id in shown:
                marks = marks_of(finding)
                detail = by_marks.get(marks)
                if detail is None:
                    detail = by_marks[marks] = {"key": item.key, "marks": list(marks)}
                details[finding.lead.id] = detail
    record_lead_event_details(session, kind=NUDGE_EVENT, now=tick.now, details=details)


def _escalate(tick: Tick, session: Session, decision: NudgeDecision) -> None:
    record_lead_event_details(
        session,
        kind=ESCALATED_EVENT,
        now=tick.now,
        details={
            finding.lead.id: {"marks": list(marks_of(finding)), "owner": finding.lead.owner_id}
            for finding in decision.escalate
        },
    )


DIGEST = RepDigest(
    job_id=JOB_ID,
    priority=PRIORITY_DIGEST,
    at=lambda _rep: AT,
    until=lambda _rep: UNTIL,
    read=_read,
    rule=_decide,
    message=_message,
    record=_record_nudges,
    escalate=_escalate,
)


def run(deps: Deps, now: datetime) -> int:
    """Queue one nudge DM per rep with leads that crossed a clock since their last nudge; returns how many."""
    return run_rep_digest(DIGEST, deps, now)


JOB = JobSpec(
    JOB_ID, RepLocal(AT, UNTIL, second=10), "leads that crossed their stale or stuck clock", run
)
