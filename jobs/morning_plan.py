"""morning-plan: each rep's plan for the day at their own 08:30, or later that morning if the bot was down."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.domain.plan import MorningPlan, Section, open_totals, plan_from
from bot.domain.rhythm import (
    LeadFacts,
    StageCurrencyTotals,
    currency_counts,
    late_stage_keys,
    main_currency_of,
)
from bot.domain.schedule import first_working_day_of_week
from bot.services.later import Later
from bot.services.outbox import PRIORITY_DIGEST
from bot.services.plan_reads import first_plan_leads, open_totals_by_owner
from bot.slack.kit import SlackMessage
from bot.slack.messages.plan import build_empty_pipeline_blocks, build_morning_plan_blocks
from bot.slack.messages.rows import SHOWN_MAX
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


@dataclass(frozen=True)
class PlanFacts:
    """What a due rep's plan is made from besides its first leads: the totals of all their open
    leads (by stage and currency, as the database added them up), and how many leads each section
    holds."""

    parts: list[StageCurrencyTotals]
    counts: dict[Section, int]


# Per due rep, what their plan is made from (None: they have no open lead at all).
Facts = dict[str, PlanFacts | None]


def _read(tick: Tick, session: Session, due: list[DueRep]) -> Reads[Facts]:
    # The totals of every open lead, then only the leads a plan can show, ranked and counted by
    # the database: a team's whole pipeline is never loaded. Every due rep is read, those with no
    # open lead too (the short Monday DM). What is read is made into a plan's objects by the
    # rule, on the thread that builds the messages (see `Later`).
    stages = tick.stages
    late = late_stage_keys(stages, probability=tick.deps.pipeline.team.late_stage_probability)
    parts = open_totals_by_owner(session, owner_ids=owner_ids(due), stages=stages)
    # Reps on different local dates (far apart time zones) are ranked a date at a time.
    by_day: dict[date, dict[str, str | None]] = defaultdict(dict)
    for item in due:
        found = parts.get(item.rep.id)
        if found is not None:
            by_day[item.day][item.rep.id] = main_currency_of(currency_counts(found))
    first = {}
    for day, main_currency in by_day.items():
        first.update(
            first_plan_leads(
                session,
                main_currency=main_currency,
                today=day,
                now=tick.now,
                stages=stages,
                late=late,
                limit=SHOWN_MAX,
            )
        )
    facts: Facts = {}
    for item in due:
        found = parts.get(item.rep.id)
        listed = first.get(item.rep.id)
        facts[item.rep.id] = (
            None if found is None else PlanFacts(found, listed.counts if listed else {})
        )

    def leads() -> dict[str, list[LeadFacts]]:
        return {rep: first[rep].leads if rep in first else [] for rep in facts}

    return Reads(Later(leads, keys=facts.keys()), facts)


def _plan(
    tick: Tick, due: DueRep, leads: list[LeadFacts], facts: Facts
) -> MorningPlan | EmptyPipeline | None:
    found = facts.get(due.rep.id)
    if found is None:
        starts_week = due.day == first_working_day_of_week(due.day, due.rep.working_days)
        return EmptyPipeline(due.day) if starts_week else None
    return plan_from(
        due.rep.id,
        leads,
        totals=open_totals(found.parts, stages=tick.stages),
        stages=tick.stages,
        now=tick.now,
        today=due.day,
        late_probability=tick.deps.pipeline.team.late_stage_probability,
        section_counts=found.counts,
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
