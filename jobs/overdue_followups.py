"""overdue-followups: at 14:00 local, what can still be saved today: follow-ups due today and not
done, and overdue ones nobody acted on since the morning plan."""

from __future__ import annotations

from datetime import datetime, time
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.domain.plan import OverdueItem, PlanRecord, find_overdue_followups
from bot.domain.rhythm import LeadFacts
from bot.services.outbox import PRIORITY_DIRECT
from bot.services.plan_reads import due_leads_by_owner
from bot.services.rhythm import recorded_texts
from bot.slack.kit import SlackMessage
from bot.slack.messages.plan import build_overdue_blocks, plan_lead_ids_in_text
from jobs import morning_plan
from jobs.common import DueRep, Reads, RepDigest, Tick, owner_ids, run_rep_digest
from jobs.spec import JobSpec, RepLocal

if TYPE_CHECKING:
    from bot.deps import Deps

JOB_ID = "overdue-followups"
AT = time(14, 0)
UNTIL = time(18, 0)

# Each rep's morning plan for the day, by rep id (None when no plan went out).
Plans = dict[str, PlanRecord | None]


def _read(tick: Tick, session: Session, due: list[DueRep]) -> Reads[Plans]:
    leads = due_leads_by_owner(
        session, owner_ids=owner_ids(due), on_or_before=max(item.day for item in due)
    )
    due = [item for item in due if item.rep.id in leads]
    # What each plan showed is read back from its own blocks, so it is exactly what the rep saw.
    recorded = recorded_texts(
        session, keys=[morning_plan.DIGEST.key(item) for item in due], read=plan_lead_ids_in_text
    )
    plans: Plans = {}
    for item in due:
        found = recorded.get(morning_plan.DIGEST.key(item))
        plans[item.rep.id] = None if found is None else PlanRecord(*found)
    return Reads(leads, plans)


def _overdue(tick: Tick, due: DueRep, leads: list[LeadFacts], plans: Plans) -> list[OverdueItem]:
    return find_overdue_followups(
        leads, stages=tick.stages, today=due.day, plan=plans.get(due.rep.id)
    )


def _message(tick: Tick, due: DueRep, items: list[OverdueItem]) -> SlackMessage:
    return build_overdue_blocks(
        items, stages=tick.stages, now=tick.now, today=due.day, zone=due.rep.zone
    )


DIGEST = RepDigest(
    job_id=JOB_ID,
    priority=PRIORITY_DIRECT,
    at=lambda _rep: AT,
    until=lambda _rep: UNTIL,
    read=_read,
    rule=_overdue,
    message=_message,
)


def run(deps: Deps, now: datetime) -> int:
    """Queue one afternoon DM per rep with a follow-up still to save today; returns how many."""
    return run_rep_digest(DIGEST, deps, now)


JOB = JobSpec(
    JOB_ID, RepLocal(AT, UNTIL, second=20), "follow-ups due today or overdue, not yet acted on", run
)
