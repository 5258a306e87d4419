"""stale-nudges: at 10:00 local, deals past their stale or stuck clock; each lead at most once per 3 days."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.domain.rhythm import LeadFacts
from bot.domain.staleness import NUDGE_EVERY_DAYS, StaleFinding, due_for_nudge, find_stale_leads
from bot.services.outbox import PRIORITY_DIGEST
from bot.services.rhythm import (
    NUDGE_EVENT,
    idle_leads_by_owner,
    last_lead_events,
    record_lead_events,
)
from bot.slack.kit import SlackMessage
from bot.slack.messages.nudges import build_stale_nudge_blocks
from jobs.common import DueRep, Reads, RepDigest, Tick, owner_ids, run_rep_digest
from jobs.spec import JobSpec, RepLocal

if TYPE_CHECKING:
    from bot.deps import Deps

JOB_ID = "stale-nudges"
AT = time(10, 0)
UNTIL = time(14, 0)
# Nudges older than this cannot block one today, whatever the rep's zone.
_NUDGE_MEMORY = timedelta(days=NUDGE_EVERY_DAYS + 2)

# When each lead was last nudged, by lead id.
NudgedAt = dict[int, datetime]


def _read(tick: Tick, session: Session, due: list[DueRep]) -> Reads[NudgedAt]:
    now, stages = tick.now, tick.stages
    leads = idle_leads_by_owner(
        session,
        owner_ids=owner_ids(due),
        untouched_before=now - timedelta(days=min(stage.stale_days for stage in stages)),
        unmoved_before=now - timedelta(days=min(stage.stuck_days for stage in stages)),
    )
    due = [item for item in due if item.rep.id in leads]
    nudged_at = (
        last_lead_events(session, kind=NUDGE_EVENT, since=now - _NUDGE_MEMORY) if due else {}
    )
    return Reads(leads, nudged_at)


def _stale(
    tick: Tick, due: DueRep, leads: list[LeadFacts], nudged_at: NudgedAt
) -> list[StaleFinding]:
    # "Once per 3 days" counts the rep's local dates: nudged Monday means next possible Thursday.
    last_nudged = {
        lead.id: nudged_at[lead.id].astimezone(due.rep.zone).date()
        for lead in leads
        if lead.id in nudged_at
    }
    return due_for_nudge(
        find_stale_leads(leads, stages=tick.stages, now=tick.now, today=due.day),
        last_nudged=last_nudged,
        today=due.day,
    )


def _message(tick: Tick, due: DueRep, findings: list[StaleFinding]) -> SlackMessage:
    return build_stale_nudge_blocks(findings, stages=tick.stages, now=tick.now, today=due.day)


def _record_nudges(tick: Tick, session: Session, findings: list[StaleFinding], key: str) -> None:
    record_lead_events(
        session,
        lead_ids=[finding.lead.id for finding in findings],
        kind=NUDGE_EVENT,
        now=tick.now,
        detail={"key": key},
    )


DIGEST = RepDigest(
    job_id=JOB_ID,
    priority=PRIORITY_DIGEST,
    at=lambda _rep: AT,
    until=lambda _rep: UNTIL,
    read=_read,
    rule=_stale,
    message=_message,
    record=_record_nudges,
)


def run(deps: Deps, now: datetime) -> int:
    """Queue one nudge DM per rep with stale or stuck leads not nudged lately; returns how many."""
    return run_rep_digest(DIGEST, deps, now)


JOB = JobSpec(JOB_ID, RepLocal(AT, UNTIL, second=10), "leads past their stale or stuck clock", run)
