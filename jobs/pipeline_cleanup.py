"""pipeline-cleanup: Fridays 15:00 local, leads past the touch cadence, with last-chance, keep and archive."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.domain.cadence import KEEP_FOR, find_past_cadence
from bot.domain.rhythm import LeadFacts, StageRules
from bot.domain.schedule import FRIDAY
from bot.services.rhythm import (
    KEPT_EVENT,
    cadence_leads_by_owner,
    existing_keys,
    last_lead_events,
    list_active_reps,
)
from bot.slack.job_blocks import build_cleanup_blocks
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
    from bot.config import CadenceConfig
    from bot.deps import Deps

JOB_ID = "pipeline-cleanup"
AT = time(15, 0)
UNTIL = time(19, 0)
DAYS = frozenset({FRIDAY})


def _send(
    session: Session,
    *,
    due: DueRep,
    leads: list[LeadFacts],
    kept_at: dict[int, datetime],
    cadence: CadenceConfig,
    stages: tuple[StageRules, ...],
    now: datetime,
) -> bool:
    findings = find_past_cadence(
        leads,
        stages=stages,
        max_touches=cadence.touches,
        max_days_without_move=cadence.days_without_move,
        now=now,
        today=due.day,
        kept_at=kept_at,
    )
    if not findings:
        return False
    message = build_cleanup_blocks(
        findings, touches=cadence.touches, days=cadence.days_without_move, now=now, today=due.day
    )
    return enqueue_message(
        session,
        job_id=JOB_ID,
        key=rep_key(JOB_ID, due.rep.id, due.day),
        recipient=due.rep.id,
        message=message,
        now=now,
        priority=PRIORITY_DIGEST,
    )


def run(deps: Deps, now: datetime) -> int:
    """Queue each rep's Friday cleanup DM when they have leads past the cadence; returns how many."""
    stages = stages_of(deps)
    cadence = deps.pipeline.cadence
    with deps.session_factory.begin() as session:
        reps = rep_clocks(list_active_reps(session), deps)
        due = due_reps(reps, now=now, at=lambda _rep: AT, until=lambda _rep: UNTIL, days=DAYS)
        if not due:
            return 0
        sent = existing_keys(session, keys=[rep_key(JOB_ID, item.rep.id, item.day) for item in due])
        todo = [item for item in due if rep_key(JOB_ID, item.rep.id, item.day) not in sent]
        if not todo:
            return 0
        leads = cadence_leads_by_owner(
            session,
            owner_ids={item.rep.id for item in todo},
            min_touches=cadence.touches,
            unmoved_before=now - timedelta(days=cadence.days_without_move),
        )
        todo = [item for item in todo if item.rep.id in leads]
        kept_at = last_lead_events(session, kind=KEPT_EVENT, since=now - KEEP_FOR) if todo else {}
    units = [
        Unit(
            f"rep {item.rep.id}",
            partial(
                _send,
                due=item,
                leads=leads[item.rep.id],
                kept_at=kept_at,
                cadence=cadence,
                stages=stages,
                now=now,
            ),
        )
        for item in todo
    ]
    return run_units(deps, units, job_id=JOB_ID)
