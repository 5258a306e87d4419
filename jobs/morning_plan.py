"""morning-plan: each rep's plan for the day at their own 08:30, or later that morning if the bot was down."""

from __future__ import annotations

from datetime import datetime, time
from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.domain.plan import build_morning_plan
from bot.domain.rhythm import LeadFacts, StageRules
from bot.services.rhythm import existing_keys, list_active_reps, open_leads_by_owner
from bot.slack.job_blocks import build_morning_plan_blocks
from bot.slack.outbox import PRIORITY_DIGEST
from jobs.common import (
    DueRep,
    RepClock,
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

JOB_ID = "morning-plan"
# A plan that could not go out by noon is no longer a morning plan; tomorrow's will cover it.
LATEST = time(12, 0)


def plan_window_end(rep: RepClock) -> time | None:
    """Noon, unless the rep plans their day at or after noon (then until the end of that day)."""
    return LATEST if rep.plan_time < LATEST else None


def _send_plan(
    session: Session,
    *,
    due: DueRep,
    leads: list[LeadFacts],
    stages: tuple[StageRules, ...],
    now: datetime,
) -> bool:
    plan = build_morning_plan(due.rep.id, leads, stages=stages, now=now, today=due.day)
    if plan is None:
        return False
    message = build_morning_plan_blocks(plan, stages=stages, now=now)
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
    """Queue the plan of every rep whose morning window is open and who has none for today; returns how many."""
    stages = stages_of(deps)
    with deps.session_factory.begin() as session:
        reps = rep_clocks(list_active_reps(session), deps)
        due = due_reps(reps, now=now, at=lambda rep: rep.plan_time, until=plan_window_end)
        if not due:
            return 0
        sent = existing_keys(session, keys=[rep_key(JOB_ID, item.rep.id, item.day) for item in due])
        todo = [item for item in due if rep_key(JOB_ID, item.rep.id, item.day) not in sent]
        if not todo:
            return 0
        leads = open_leads_by_owner(session, owner_ids={item.rep.id for item in todo})
    units = [
        Unit(
            f"rep {item.rep.id}",
            partial(_send_plan, due=item, leads=leads.get(item.rep.id, []), stages=stages, now=now),
        )
        for item in todo
        if item.rep.id in leads
    ]
    return run_units(deps, units, job_id=JOB_ID)
