"""What the rep jobs share: each rep's clock, who is due now, and one transaction per unit of work.

A daily rep DM is a `RepDigest`: its window and its own reads, rule and message. `run_rep_digest`
is the tick they all share: find the reps whose window is open and who have nothing under
today's key yet, read for five hundred of them at a time (the next five hundred while this
batch's are built), build each rep's message outside any transaction, then queue them a batch of
reps per transaction and per INSERT.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import partial
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.collector import collection_paused
from bot.domain.rep_settings import is_away, muted_kinds
from bot.domain.rhythm import LeadFacts, StageRules
from bot.domain.schedule import (
    due_local_date,
    parse_clock,
    parse_working_days,
    with_holidays,
    zone_for,
)
from bot.services.outbox import Outgoing, enqueue, enqueue_many
from bot.services.rhythm import RepRow, existing_keys, list_active_reps
from bot.services.roster import Roster
from bot.slack.kit import SlackMessage
from bot.stored_json import Packed
from jobs.ahead import read_ahead

if TYPE_CHECKING:
    from bot.deps import Deps

logger = logging.getLogger("pipebot.jobs")

Extra = TypeVar("Extra")
Found = TypeVar("Found")


@dataclass(frozen=True)
class RepClock:
    """A rep's schedule resolved against the team defaults: zone, working days (holidays off), plan
    time; and their own settings: back from being away on, who covers meanwhile, what they muted."""

    id: str
    zone: ZoneInfo
    working_days: frozenset[int]
    plan_time: time
    away_until: date | None = None
    away_delegate: str | None = None
    muted: frozenset[str] = frozenset()

    def away_on(self, day: date) -> bool:
        return is_away(self.away_until, day)


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


@dataclass(frozen=True)
class Tick:
    """One run of a job: its deps, the moment it runs for, and the pipeline's stage rules."""

    deps: Deps
    now: datetime
    stages: tuple[StageRules, ...]


@dataclass(frozen=True)
class Reads(Generic[Extra]):
    """What a digest read for its due reps: each one's leads (a rep left out has none) and what else its rule needs."""

    leads: Mapping[str, list[LeadFacts]]
    extra: Extra


@dataclass(frozen=True)
class Queued(Generic[Found]):
    """A message newly queued for a rep: what the rule found, the message's key, the message."""

    found: Found
    key: str
    message: SlackMessage


@dataclass(frozen=True)
class RepDigest(Generic[Extra, Found]):
    """A DM each rep gets at most once per local date, while a window on their own clock is open.

    `read` runs once per batch of due reps; `rule` judges one rep's leads (nothing found —
    None or empty — sends nothing); `message` is what the rep sees; `record`, when given, is
    written with the newly queued messages of a batch, in their transaction, and gets each one's
    finding, key and message (so it records only what the rep was shown). `on`, when given, picks
    which of a rep's working days the DM goes out (every one when None); `escalate`, when given, writes
    what the rule found that goes to the managers instead of a DM, even when no DM is sent.

    No DM goes out on a holiday, to a rep who is away, or to one who muted `job_id`.
    """

    job_id: str
    priority: int
    at: Callable[[RepClock], time]
    until: Callable[[RepClock], time | None]
    read: Callable[[Tick, Session, list[DueRep]], Reads[Extra]]
    rule: Callable[[Tick, DueRep, list[LeadFacts], Extra], Found | None]
    message: Callable[[Tick, DueRep, Found], SlackMessage]
    record: Callable[[Tick, Session, Sequence[Queued[Found]]], None] | None = None
    on: Callable[[RepClock, date], bool] | None = None
    escalate: Callable[[Tick, Session, Found], None] | None = None

    def key(self, due: DueRep) -> str:
        """The idempotency key of this DM for one rep and local date."""
        return rep_key(self.job_id, due.rep.id, due.day)


def rep_clocks(reps: Iterable[RepRow], deps: Deps) -> list[RepClock]:
    """Each rep's own zone, days (their holidays off) and plan time, falling back to the team's."""
    schedule = deps.pipeline.schedule
    return [
        RepClock(
            id=rep.id,
            zone=zone_for(rep.tz, fallback=deps.team_zone),
            working_days=with_holidays(
                parse_working_days(rep.working_days, fallback=schedule.weekday_numbers),
                deps.pipeline.holidays_for(rep.id),
            ),
            plan_time=parse_clock(rep.plan_time, fallback=schedule.plan_time),
            away_until=rep.away_until,
            away_delegate=rep.away_delegate,
            muted=muted_kinds(rep.muted),
        )
        for rep in reps
    ]


def due_reps(
    reps: Iterable[RepClock],
    *,
    now: datetime,
    at: Callable[[RepClock], time],
    until: Callable[[RepClock], time | None],
    on: Callable[[RepClock, date], bool] | None = None,
) -> list[DueRep]:
    """The reps whose local window for this job is open at `now`: on a working day of theirs that
    is no holiday (and one `on` accepts, when given)."""
    due = []
    for rep in reps:
        day = due_local_date(
            now, zone=rep.zone, at=at(rep), working_days=rep.working_days, until=until(rep)
        )
        if day is not None and (on is None or on(rep, day)):
            due.append(DueRep(rep, day))
    return due


def wants(rep: RepClock, *, kind: str, day: date) -> bool:
    """Whether a rep takes a DM of this kind on their local `day`: not away, and not muted."""
    return not rep.away_on(day) and kind not in rep.muted


def owner_ids(due: Sequence[DueRep]) -> set[str]:
    """The ids of the due reps, for the reads that group leads by owner."""
    return {item.rep.id for item in due}


def rep_key(job_id: str, rep_id: str, day: date) -> str:
    """The idempotency key of a once-a-day DM: one per job, rep and local date."""
    return f"{job_id}:{rep_id}:{day.isoformat()}"


def enqueue_message(
    session: Session,
    *,
    job_id: str,
    key: str,
    recipient: str,
    message: SlackMessage,
    now: datetime,
    priority: int,
) -> bool:
    """Record a job's message in the outbox under its key; False when it was already there."""
    return enqueue(
        session,
        key=key,
        kind=job_id,
        recipient=recipient,
        message=message,
        now=now,
        priority=priority,
    )


def message_unit(
    subject: str,
    *,
    job_id: str,
    key: str,
    recipient: str,
    build: Callable[[], SlackMessage],
    now: datetime,
    priority: int,
) -> Unit:
    """A unit that builds one message and queues it under `key`; a failing build fails only this unit."""

    def work(session: Session) -> bool:
        return enqueue_message(
            session,
            job_id=job_id,
            key=key,
            recipient=recipient,
            message=build(),
            now=now,
            priority=priority,
        )

    return Unit(subject, work)


def run_units(deps: Deps, units: Iterable[Unit], *, job_id: str) -> int:
    """Run each unit in its own transaction; a failure is logged by id only and the batch goes on.

    Returns how many units queued a message (committing one wakes the sender).
    """
    done = 0
    for unit in units:
        try:
            with deps.session_factory.begin() as session:
                if unit.work(session):
                    done += 1
        except Exception as exc:  # one recipient's failure must never stop the others
            _log_failure(job_id, unit.subject, exc)
    return done


def run_rep_digest(digest: RepDigest[Any, Any], deps: Deps, now: datetime) -> int:
    """Queue `digest` for every rep whose window is open and who has none for today; returns how many.

    The reads run once per `READ_BATCH` due reps, the next batch's while this one's messages
    are built, so a tick's memory holds two batches' leads whatever the team's size, and a team
    of up to that many reps is read in one go.
    """
    with collection_paused():
        return _run_rep_digest(digest, deps, now)


def _run_rep_digest(digest: RepDigest[Any, Any], deps: Deps, now: datetime) -> int:
    tick = Tick(deps, now, tuple(deps.pipeline.stages))
    roster = Roster.of(deps.config)
    # Reads only: on SQLite they hold no write lock, so requests keep writing during a tick.
    with deps.read_sessions.begin() as session:
        reps = rep_clocks(list_active_reps(session, on_team=roster.team_condition()), deps)
        due = [
            item
            for item in due_reps(reps, now=now, at=digest.at, until=digest.until, on=digest.on)
            if wants(item.rep, kind=digest.job_id, day=item.day)
        ]
        if not due:
            return 0
        sent = existing_keys(session, keys=[digest.key(item) for item in due])
    todo = [item for item in due if digest.key(item) not in sent]

    def read(batch: list[DueRep]) -> Reads[Any]:
        with deps.read_sessions.begin() as session:
            return digest.read(tick, session, batch)

    queued = 0
    batches = [todo[start : start + READ_BATCH] for start in range(0, len(todo), READ_BATCH)]
    # The next batch is read while this one's messages are built and queued.
    for batch, reads in read_ahead(read, batches, name=digest.job_id):
        batch = [item for item in batch if item.rep.id in reads.leads]
        queued += queue_digests(digest, deps, tick, batch, reads)
    return queued


# Due reps read at once: their leads, two batches' worth with the next one read ahead, are what a
# tick holds in memory (a thousand a batch took a million-lead tick past 400 MB).
READ_BATCH = 500


# Reps whose DMs are queued in one transaction (and one INSERT).
QUEUE_BATCH = 250


@dataclass(frozen=True)
class _Judged(Generic[Found]):
    """What the rule found for one due rep, and the message it makes (None: nothing to send)."""

    due: DueRep
    found: Found | None
    message: SlackMessage | None
    # The message's payload, packed while the message was fresh in memory (see `Packed`).
    packed: Packed | None = None


def queue_digests(
    digest: RepDigest[Extra, Found],
    deps: Deps,
    tick: Tick,
    todo: Sequence[DueRep],
    reads: Reads[Extra],
) -> int:
    """Judge and build each rep's DM, then queue them `QUEUE_BATCH` at a time, one transaction each.

    A rep whose rule or message fails is logged by id and left out. A batch whose transaction
    fails (one rep's record, say) is retried one rep per transaction, so one rep's failure still
    never stops the others.
    """
    queued = 0
    for start in range(0, len(todo), QUEUE_BATCH):
        judged = []
        for due in todo[start : start + QUEUE_BATCH]:
            try:
                judged.append(_judge(digest, tick, due, reads))
            except Exception as exc:  # one recipient's failure must never stop the others
                _log_failure(digest.job_id, f"rep {due.rep.id}", exc)
        if not judged:
            continue
        try:
            with deps.session_factory.begin() as session:
                queued += _write(digest, tick, session, judged)
        except Exception:
            queued += run_units(
                deps,
                [
                    Unit(f"rep {item.due.rep.id}", partial(_write_one, digest, tick, item))
                    for item in judged
                ],
                job_id=digest.job_id,
            )
    return queued


def _judge(
    digest: RepDigest[Extra, Found], tick: Tick, due: DueRep, reads: Reads[Extra]
) -> _Judged[Found]:
    found = digest.rule(tick, due, reads.leads[due.rep.id], reads.extra)
    if not found:
        return _Judged(due, found, None)
    message = digest.message(tick, due, found)
    return _Judged(due, found, message, Packed.of(message.payload()))


def _write(
    digest: RepDigest[Any, Found], tick: Tick, session: Session, judged: Sequence[_Judged[Found]]
) -> int:
    """Escalations, the batch's messages in one statement, and the records of those newly queued."""
    if digest.escalate is not None:
        for item in judged:
            if item.found is not None:
                digest.escalate(tick, session, item.found)
    # Each new message's record, and its row for the outbox, under the message's key.
    sending: dict[str, tuple[Queued[Found], Outgoing]] = {}
    for item in judged:
        if item.found is not None and item.message is not None:
            key = digest.key(item.due)
            sending[key] = (
                Queued(item.found, key, item.message),
                Outgoing(key, item.due.rep.id, item.message, item.packed),
            )
    added = enqueue_many(
        session,
        [outgoing for _queued, outgoing in sending.values()],
        kind=digest.job_id,
        now=tick.now,
        priority=digest.priority,
    )
    if digest.record is not None:
        # In the messages' own transaction, so each exists with its record or not at all.
        queued = [queued for key, (queued, _outgoing) in sending.items() if key in added]
        if queued:
            digest.record(tick, session, queued)
    return len(added)


def _write_one(
    digest: RepDigest[Any, Found], tick: Tick, item: _Judged[Found], session: Session
) -> bool:
    return _write(digest, tick, session, [item]) > 0


def _log_failure(job_id: str, subject: str, exc: Exception) -> None:
    # Only the id and the error's type: messages can carry lead names or SQL parameters.
    logger.error("%s: %s failed (%s)", job_id, subject, type(exc).__name__)
    logger.debug("%s: %s failed", job_id, subject, exc_info=exc)
