"""pipeline-cleanup: Fridays 15:00 local, leads past the touch cadence, with last-chance, keep and archive."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.domain.cadence import KEEP_FOR, CadenceFinding, find_past_cadence
from bot.domain.rhythm import LeadFacts
from bot.domain.schedule import FRIDAY
from bot.services.outbox import PRIORITY_DIGEST
from bot.services.rhythm import KEPT_EVENT, cadence_leads_by_owner, last_lead_events
from bot.slack.kit import SlackMessage
from bot.slack.messages.cleanup import build_cleanup_blocks
from jobs.common import DueRep, Reads, RepDigest, Tick, owner_ids, run_rep_digest
from jobs.spec import JobSpec, RepLocal

if TYPE_CHECKING:
    from bot.deps import Deps

JOB_ID = "pipeline-cleanup"
AT = time(15, 0)
UNTIL = time(19, 0)
DAYS = frozenset({FRIDAY})

# When each lead was last kept, by lead id.
KeptAt = dict[int, datetime]


def _read(tick: Tick, session: Session, due: list[DueRep]) -> Reads[KeptAt]:
    cadence, now = tick.deps.pipeline.cadence, tick.now
    leads = cadence_leads_by_owner(
        session,
        owner_ids=owner_ids(due),
        min_touches=cadence.touches,
        unmoved_before=now - timedelta(days=cadence.days_without_move),
    )
    due = [item for item in due if item.rep.id in leads]
    kept_at = last_lead_events(session, kind=KEPT_EVENT, since=now - KEEP_FOR) if due else {}
    return Reads(leads, kept_at)


def _past_cadence(
    tick: Tick, due: DueRep, leads: list[LeadFacts], kept_at: KeptAt
) -> list[CadenceFinding]:
    cadence = tick.deps.pipeline.cadence
    return find_past_cadence(
        leads,
        stages=tick.stages,
        max_touches=cadence.touches,
        max_days_without_move=cadence.days_without_move,
        now=tick.now,
        today=due.day,
        kept_at=kept_at,
    )


def _message(tick: Tick, due: DueRep, findings: list[CadenceFinding]) -> SlackMessage:
    cadence = tick.deps.pipeline.cadence
    return build_cleanup_blocks(
        findings,
        touches=cadence.touches,
        days=cadence.days_without_move,
        now=tick.now,
        today=due.day,
    )


DIGEST = RepDigest(
    job_id=JOB_ID,
    priority=PRIORITY_DIGEST,
    at=lambda _rep: AT,
    until=lambda _rep: UNTIL,
    days=DAYS,
    read=_read,
    rule=_past_cadence,
    message=_message,
)


def run(deps: Deps, now: datetime) -> int:
    """Queue each rep's Friday cleanup DM when they have leads past the cadence; returns how many."""
    return run_rep_digest(DIGEST, deps, now)


JOB = JobSpec(
    JOB_ID,
    RepLocal(AT, UNTIL, second=30, days="Fridays"),
    "leads past the touch cadence: last chance, archive or keep",
    run,
)
