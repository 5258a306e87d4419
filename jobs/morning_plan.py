"""morning-plan: each rep's plan for the day at their own 08:30, or later that morning if the bot was down."""

from __future__ import annotations

from datetime import datetime, time
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.domain.plan import MorningPlan, build_morning_plan
from bot.domain.rhythm import LeadFacts
from bot.services.outbox import PRIORITY_DIGEST
from bot.services.rhythm import open_leads_by_owner
from bot.slack.kit import SlackMessage
from bot.slack.messages.plan import build_morning_plan_blocks
from jobs.common import DueRep, Reads, RepClock, RepDigest, Tick, owner_ids, run_rep_digest
from jobs.spec import JobSpec, RepLocal

if TYPE_CHECKING:
    from bot.deps import Deps

JOB_ID = "morning-plan"
# A plan that could not go out by noon is no longer a morning plan; tomorrow's will cover it.
LATEST = time(12, 0)


def plan_window_end(rep: RepClock) -> time | None:
    """Noon, unless the rep plans their day at or after noon (then until the end of that day)."""
    return LATEST if rep.plan_time < LATEST else None


def _read(tick: Tick, session: Session, due: list[DueRep]) -> Reads[None]:
    return Reads(open_leads_by_owner(session, owner_ids=owner_ids(due)), None)


def _plan(tick: Tick, due: DueRep, leads: list[LeadFacts], _extra: None) -> MorningPlan | None:
    return build_morning_plan(due.rep.id, leads, stages=tick.stages, now=tick.now, today=due.day)


def _message(tick: Tick, _due: DueRep, plan: MorningPlan) -> SlackMessage:
    return build_morning_plan_blocks(plan, stages=tick.stages, now=tick.now)


DIGEST = RepDigest(
    job_id=JOB_ID,
    priority=PRIORITY_DIGEST,
    at=lambda rep: rep.plan_time,
    until=plan_window_end,
    read=_read,
    rule=_plan,
    message=_message,
)


def run(deps: Deps, now: datetime) -> int:
    """Queue the plan of every rep whose morning window is open and who has none for today; returns how many."""
    return run_rep_digest(DIGEST, deps, now)


JOB = JobSpec(JOB_ID, RepLocal(time(8, 30), LATEST, second=0), "each rep's plan for the day", run)
