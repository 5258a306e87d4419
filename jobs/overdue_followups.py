"""overdue-followups: at 14:00 local, overdue follow-ups the morning plan did not show or nobody acted on."""

from __future__ import annotations

from datetime import datetime, time
from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.domain.plan import PlanRecord, find_overdue_followups
from bot.domain.rhythm import LeadFacts, StageRules
from bot.services.rhythm import (
    RecordedNotification,
    existing_keys,
    list_active_reps,
    overdue_leads_by_owner,
    recorded_notifications,
)
from bot.slack.job_blocks import build_overdue_blocks, plan_lead_ids
from bot.slack.outbox import PRIORITY_DIRECT
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
from jobs.morning_plan import JOB_ID as PLAN_JOB_ID

if TYPE_CHECKING:
    from bot.deps import Deps

JOB_ID = "overdue-followups"
AT = time(14, 0)
UNTIL = time(18, 0)


def _plan_record(recorded: RecordedNotification | None) -> PlanRecord | None:
    # What the plan showed is read back from its own blocks, so it is exactly what the rep saw.
    if recorded is None:
        return None
    return PlanRecord(sent_at=recorded.created_at, lead_ids=plan_lead_ids(recorded.payload))


def _send(
    session: Session,
    *,
    due: DueRep,
    leads: list[LeadFacts],
    plan: PlanRecord | None,
    stages: tuple[StageRules, ...],
    now: datetime,
) -> bool:
    items = find_overdue_followups(leads, stages=stages, today=due.day, plan=plan)
    if not items:
        return False
    message = build_overdue_blocks(items, stages=stages, now=now, today=due.day)
    return enqueue_message(
        session,
        job_id=JOB_ID,
        key=rep_key(JOB_ID, due.rep.id, due.day),
        recipient=due.rep.id,
        message=message,
        now=now,
        priority=PRIORITY_DIRECT,
    )


def run(deps: Deps, now: datetime) -> int:
    """Queue one afternoon DM per rep with something overdue and not yet acted on; returns how many."""
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
        leads = overdue_leads_by_owner(
            session, owner_ids={item.rep.id for item in todo}, before=max(item.day for item in todo)
        )
        todo = [item for item in todo if item.rep.id in leads]
        plans = recorded_notifications(
            session, keys=[rep_key(PLAN_JOB_ID, item.rep.id, item.day) for item in todo]
        )
    units = [
        Unit(
            f"rep {item.rep.id}",
            partial(
                _send,
                due=item,
                leads=leads[item.rep.id],
                plan=_plan_record(plans.get(rep_key(PLAN_JOB_ID, item.rep.id, item.day))),
                stages=stages,
                now=now,
            ),
        )
        for item in todo
    ]
    return run_units(deps, units, job_id=JOB_ID)
