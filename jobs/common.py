"""What the rep jobs share: each rep's clock, who is due now, and one transaction per unit of work."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.domain.rhythm import StageRules
from bot.domain.schedule import due_local_date, parse_clock, parse_working_days, zone_for
from bot.services.rhythm import RepRow
from bot.slack.job_blocks import JobMessage
from bot.slack.outbox import Message, enqueue

if TYPE_CHECKING:
    from bot.deps import Deps

logger = logging.getLogger("pipebot.jobs")


@dataclass(frozen=True)
class RepClock:
    """A rep's schedule resolved against the team defaults: zone, working days, plan time."""

    id: str
    zone: ZoneInfo
    working_days: frozenset[int]
    plan_time: time


@dataclass(frozen=True)
class DueRep:
    """A rep a job is due for now, and the local date it is for."""

    rep: RepClock
    day: date


@dataclass(frozen=True)
class Unit:
    """One unit of work: who or what it is about (an id, for logs) and what it writes."""

    subject: str
    work: Callable[[Session], bool]


def rep_clocks(reps: Iterable[RepRow], deps: Deps) -> list[RepClock]:
    """Each rep's own zone, days and plan time, falling back to the team's."""
    schedule = deps.pipeline.schedule
    return [
        RepClock(
            id=rep.id,
            zone=zone_for(rep.tz, fallback=deps.team_zone),
            working_days=parse_working_days(rep.working_days, fallback=schedule.weekday_numbers),
            plan_time=parse_clock(rep.plan_time, fallback=schedule.plan_time),
        )
        for rep in reps
    ]


def due_reps(
    reps: Iterable[RepClock],
    *,
    now: datetime,
    at: Callable[[RepClock], time],
    until: Callable[[RepClock], time | None],
    days: frozenset[int] | None = None,
) -> list[DueRep]:
    """The reps whose local window for this job is open at `now` (their working days unless `days`)."""
    due = []
    for rep in reps:
        day = due_local_date(
            now,
            zone=rep.zone,
            at=at(rep),
            working_days=rep.working_days if days is None else days,
            until=until(rep),
        )
        if day is not None:
            due.append(DueRep(rep, day))
    return due


def stages_of(deps: Deps) -> tuple[StageRules, ...]:
    return tuple(deps.pipeline.stages)


def rep_key(job_id: str, rep_id: str, day: date) -> str:
    """The idempotency key of a once-a-day DM: one per job, rep and local date."""
    return f"{job_id}:{rep_id}:{day.isoformat()}"


def enqueue_message(
    session: Session,
    *,
    job_id: str,
    key: str,
    recipient: str,
    message: JobMessage,
    now: datetime,
    priority: int,
) -> bool:
    """Record a job's message in the outbox under its key; False when it was already there."""
    return enqueue(
        session,
        key=key,
        kind=job_id,
        message=Message(recipient=recipient, text=message.text, blocks=message.blocks),
        now=now,
        priority=priority,
    )


def run_units(deps: Deps, units: Iterable[Unit], *, job_id: str) -> int:
    """Run each unit in its own transaction; a failure is logged by id only and the batch goes on.

    Returns how many units queued a message, and wakes the sender when any did.
    """
    done = 0
    for unit in units:
        try:
            with deps.session_factory.begin() as session:
                if unit.work(session):
                    done += 1
        except Exception as exc:  # one recipient's failure must never stop the others
            # Only the id and the error's type: messages can carry lead names or SQL parameters.
            logger.error("%s: %s failed (%s)", job_id, unit.subject, type(exc).__name__)
            logger.debug("%s: %s failed", job_id, unit.subject, exc_info=True)
    if done:
        deps.on_enqueued()
    return done
