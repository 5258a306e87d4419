"""pipeline-cleanup: 15:00 local on the last working day of each rep's week, leads that had their
chances (unanswered contact attempts, or too long without a move), with last-chance, keep and archive."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.domain.cadence import KEEP_FOR, CadenceFinding, find_past_cadence
from bot.domain.rhythm import LeadFacts, late_stage_keys
from bot.domain.schedule import last_working_day_of_week, local_instant
from bot.services.nudge_reads import lead_event_history
from bot.services.outbox import PRIORITY_DIGEST
from bot.services.rhythm import KEPT_EVENT, contact_attempts, open_leads_by_owner
from bot.slack.kit import SlackMessage
from bot.slack.messages.cleanup import build_cleanup_blocks
from jobs.common import DueRep, Reads, RepClock, RepDigest, Tick, owner_ids, run_rep_digest
from jobs.spec import JobSpec, RepLocal

if TYPE_CHECKING:
    from bot.deps import Deps

JOB_ID = "pipeline-cleanup"
AT = time(15, 0)
UNTIL = time(19, 0)
# A keep is remembered a little longer than two weeks, so a zone far from UTC still sees it.
_KEEP_MEMORY = KEEP_FOR + timedelta(days=2)


@dataclass(frozen=True)
class CadenceFacts:
    """What the cadence rule needs beyond the leads: unanswered attempts and when each was kept."""

    attempts: dict[int, int]
    kept: dict[int, tuple[datetime, date | None]]


def is_cleanup_day(rep: RepClock, day: date) -> bool:
    """The last working day of the rep's own week: Friday for Mon–Fri, Thursday for Sun–Thu, and
    the working day before when that one is a holiday."""
    return day == last_working_day_of_week(day, rep.working_days)


def cleanup_moment(due: DueRep) -> datetime:
    """When the rep's cleanup goes out on `due.day`: 15:00 on their own clock."""
    return local_instant(due.day, AT, due.rep.zone)


def read_cadence_facts(session: Session, leads: Iterable[LeadFacts], now: datetime) -> CadenceFacts:
    """Attempts and keeps of these leads, in two statements however many there are."""
    ids = [lead.id for lead in leads]
    if not ids:
        return CadenceFacts({}, {})
    attempts = contact_attempts(session, lead_ids=ids)
    history = lead_event_history(
        session, lead_ids=ids, kinds=[KEPT_EVENT], since=now - _KEEP_MEMORY
    )
    kept: dict[int, tuple[datetime, date | None]] = {}
    for lead_id, events in history.items():
        at, detail = events[-1]
        on = detail.get("on")
        kept[lead_id] = (at, date.fromisoformat(on) if isinstance(on, str) else None)
    return CadenceFacts(attempts, kept)


def cleanup_findings(
    tick: Tick, due: DueRep, leads: list[LeadFacts], facts: CadenceFacts
) -> list[CadenceFinding]:
    """The leads the rep's cleanup lists today."""
    pipeline = tick.deps.pipeline
    # "Keep 2 more weeks" counts the owner's calendar days from the day they kept it.
    kept_on = {
        lead_id: on or at.astimezone(due.rep.zone).date()
        for lead_id, (at, on) in facts.kept.items()
    }
    return find_past_cadence(
        leads,
        attempts=facts.attempts,
        stages=tick.stages,
        late=late_stage_keys(tick.stages, probability=pipeline.team.late_stage_probability),
        max_touches=pipeline.cadence.touches,
        days_without_move=pipeline.days_without_move,
        now=tick.now,
        today=due.day,
        kept_on=kept_on,
    )


def _read(tick: Tick, session: Session, due: list[DueRep]) -> Reads[CadenceFacts]:
    leads = open_leads_by_owner(session, owner_ids=owner_ids(due))
    every = [lead for owned in leads.values() for lead in owned]
    return Reads(leads, read_cadence_facts(session, every, tick.now))


def _message(tick: Tick, due: DueRep, findings: list[CadenceFinding]) -> SlackMessage:
    cadence = tick.deps.pipeline.cadence
    return build_cleanup_blocks(
        findings,
        touches=cadence.touches,
        days=cadence.days_without_move,
        now=tick.now,
        today=due.day,
        zone=due.rep.zone,
    )


DIGEST = RepDigest(
    job_id=JOB_ID,
    priority=PRIORITY_DIGEST,
    at=lambda _rep: AT,
    until=lambda _rep: UNTIL,
    on=is_cleanup_day,
    read=_read,
    rule=cleanup_findings,
    message=_message,
)


def run(deps: Deps, now: datetime) -> int:
    """Queue each rep's end-of-week cleanup DM when leads had their chances; returns how many."""
    return run_rep_digest(DIGEST, deps, now)


JOB = JobSpec(
    JOB_ID,
    RepLocal(AT, UNTIL, second=30, days="Last working day of each rep's week"),
    "leads that had their chances: last chance, archive or keep",
    run,
)
