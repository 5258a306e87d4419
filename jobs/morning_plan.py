"""morning-plan: each rep's plan for the day at their own 08:30, or later that morning if the bot was down."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.domain.plan import MorningPlan, OpenTotals, open_totals, plan_from
from bot.domain.rhythm import LeadFacts, late_stage_keys
from bot.domain.schedule import first_working_day_of_week
from bot.services.outbox import PRIORITY_DIGEST
from bot.services.plan_reads import open_totals_by_owner, plan_leads_by_owner
from bot.slack.kit import SlackMessage
from bot.slack.messages.plan import build_empty_pipeline_blocks, build_morning_plan_blocks
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


@dataclass(frozen=True)
class EmptyPipeline:
    """A rep with no open lead at all, on the first working day of their week."""

    day: date


# Per due rep, the totals of all their open leads (None: they have none).
Totals = dict[str, OpenTotals | None]


def _read(tick: Tick, session: Session, due: list[DueRep]) -> Reads[Totals]:
    # Only the leads a plan can list, and the totals of all the others: a team's whole pipeline
    # is never loaded. Every due rep is read, those with no open lead too (the short Monday DM).
    owners = owner_ids(due)
    late = late_stage_keys(tick.stages, probability=tick.deps.pipeline.team.late_stage_probability)
    listed = plan_leads_by_owner(
        session, owner_ids=owners, on_or_before=max(item.day for item in due), late=late
    )
    totals = open_totals_by_owner(session, owner_ids=owners, stages=tick.stages)
    return Reads(
        {item.rep.id: listed.get(item.rep.id, []) for item in due},
        {
            item.rep.id: open_totals(totals[item.rep.id], stages=tick.stages)
            if item.rep.id in totals
            else None
            for item in due
        },
    )


def _plan(
    tick: Tick, due: DueRep, leads: list[LeadFacts], totals: Totals
) -> MorningPlan | EmptyPipeline | None:
    found = totals.get(due.rep.id)
    if found is None:
        starts_week = due.day == first_working_day_of_week(due.day, due.rep.working_days)
        return EmptyPipeline(due.day) if starts_week else None
    return plan_from(
        due.rep.id,
        leads,
        totals=found,
        stages=tick.stages,
        now=tick.now,
        today=due.day,
        late_probability=tick.deps.pipeline.team.late_stage_probability,
    )


def _message(tick: Tick, due: DueRep, plan: MorningPlan | EmptyPipeline) -> SlackMessage:
    if isinstance(plan, EmptyPipeline):
        return build_empty_pipeline_blocks(day=plan.day)
    return build_morning_plan_blocks(plan, stages=tick.stages, now=tick.now, zone=due.rep.zone)


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
