"""stale-nudges: at 10:00 local, deals past their stale or stuck clock; each lead at most once per 3 days."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.domain.rhythm import LeadFacts, StageRules
from bot.domain.staleness import NUDGE_EVERY_DAYS, due_for_nudge, find_stale_leads
from bot.services.rhythm import (
    NUDGE_EVENT,
    existing_keys,
    idle_leads_by_owner,
    last_lead_events,
    list_active_reps,
    record_lead_events,
)
from bot.slack.job_blocks import build_stale_nudge_blocks
from bot.slack.outbox import PRIORITY_DIGEST
from jobs.common import (
    DueRep,
    Unit,
    due_reps,
    enqueue_message,
    rep_clocks,
    rep_key,
    run_units,
    stages_of,
)

if TYPE_CHECKING:
    from bot.deps import Deps

JOB_ID = "stale-nudges"
AT = time(10, 0)
UNTIL = time(14, 0)
# Nudges older than this cannot block one today, whatever the rep's zone.
_NUDGE_MEMORY = timedelta(days=NUDGE_EVERY_DAYS + 2)


def _send(
    session: Session,
    *,
    due: DueRep,
    leads: list[LeadFacts],
    nudged_at: dict[int, datetime],
    stages: tuple[StageRules, ...],
    now: datetime,
) -> bool:
    # "Once per 3 days" counts the rep's local dates: nudged Monday means next possible Thursday.
    last_nudged = {
        lead.id: nudged_at[lead.id].astimezone(due.rep.zone).date()
        for lead in leads
        if lead.id in nudged_at
    }
    findings = due_for_nudge(
        find_stale_leads(leads, stages=stages, now=now, today=due.day),
        last_nudged=last_nudged,
        today=due.day,
    )
    if not findings:
        return False
    key = rep_key(JOB_ID, due.rep.id, due.day)
    message = build_stale_nudge_blocks(findings, stages=stages, now=now, today=due.day)
    if not enqueue_message(
        session,
        job_id=JOB_ID,
        key=key,
        recipient=due.rep.id,
        message=message,
        now=now,
        priority=PRIORITY_DIGEST,
    ):
        return False
    # Written in the same transaction as the message, so a nudge and its record exist together or not at all.
    record_lead_events(
        session,
        lead_ids=[finding.lead.id for finding in findings],
        kind=NUDGE_EVENT,
        now=now,
        detail={"key": key},
    )
    return True


def run(deps: Deps, now: datetime) -> int:
    """Queue one nudge DM per rep with stale or stuck leads not nudged lately; returns how many."""
    stages = stages_of(deps)
    with deps.session_factory.begin() as session:
        reps = rep_clocks(list_active_reps(session), deps)
        due = due_reps(reps, now=now, at=lambda _rep: AT, until=lambda _rep: UNTIL)
        if not due:
            return 0
        sent = existing_keys(session, keys=[rep_key(JOB_ID, item.rep.id, item.day) for item in due])
        todo = [item for item in due if rep_key(JOB_ID, item.rep.id, item.day) not in sent]
        if not todo:
            return 0
        leads = idle_leads_by_owner(
            session,
            owner_ids={item.rep.id for item in todo},
            untouched_before=now - timedelta(days=min(stage.stale_days for stage in stages)),
            unmoved_before=now - timedelta(days=min(stage.stuck_days for stage in stages)),
        )
        todo = [item for item in todo if item.rep.id in leads]
        nudged_at = (
            last_lead_events(session, kind=NUDGE_EVENT, since=now - _NUDGE_MEMORY) if todo else {}
        )
    units = [
        Unit(
            f"rep {item.rep.id}",
            partial(
                _send,
                due=item,
                leads=leads[item.rep.id],
                nudged_at=nudged_at,
                stages=stages,
                now=now,
            ),
        )
        for item in todo
    ]
    return run_units(deps, units, job_id=JOB_ID)
