"""Aggregate reads the rhythm jobs share: reps, open leads by owner, the outbox's keys and lead events.

Each is a fixed number of statements however many reps there are. The morning plan's reads are in
`plan_reads`, the stale nudges' in `nudge_reads`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from operator import attrgetter
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    LargeBinary,
    Select,
    String,
    exists,
    func,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session

from bot.domain.leads import ATTEMPT_KINDS, MEETING_KINDS, OPEN
from bot.domain.qualification import stored_verdict
from bot.domain.rhythm import LeadFacts
from bot.models import Lead, LeadEvent, Notification, Rep, Touchpoint, UTCDateTime
from bot.services.fast_rows import FastColumns, rows_at_once
from bot.services.later import Later
from bot.services.reps import PLAN_TIME, WORKING_DAYS
from bot.stored_json import packed_text

# Lead events the rhythm writes and reads; the Keep button's handler records KEPT_EVENT, the
# importer IMPORTED_EVENT.
NUDGE_EVENT = "stale_nudged"
# A lead nudged twice with no action since: the managers' value-at-risk section shows it instead
# of a third DM. It stands until the lead's `updated_at` (any action on it) is later than the event.
ESCALATED_EVENT = "nudges_ignored"
KEPT_EVENT = "kept"
IMPORTED_EVENT = "imported"
ASSIGNED_EVENT = "assigned"

# Far below PostgreSQL's 65,535 and SQLite's 32,766 bind parameters, so one chunk covers any team.
IN_CHUNK = 10_000

_T = TypeVar("_T")


@dataclass(frozen=True)
class RepRow:
    """A rep's schedule as stored: raw zone name, plan time and working days (None means the team's),
    and their own settings: back from being away on, who covers meanwhile, what they muted."""

    id: str
    name: str
    tz: str | None
    plan_time: str | None
    working_days: str | None
    away_until: date | None = None
    away_delegate: str | None = None
    muted: str | None = None


@dataclass(frozen=True)
class OwnedLead:
    """A lead with its owner's schedule, for clocks that run on the owner's time."""

    lead: LeadFacts
    owner: RepRow
    # When the current owner was handed the lead after it came in (None: theirs from the start).
    assigned_at: datetime | None = None
    # False once the owner left (deactivated in Slack): they get no DMs.
    owner_active: bool = True


@dataclass(frozen=True)
class RecordedNotification:
    """A notification already in the outbox: when it was recorded and what it carried."""

    key: str
    created_at: datetime
    payload: dict[str, Any]


LEAD_COLUMNS = (
    Lead.id,
    Lead.company,
    Lead.contact,
    Lead.owner_id,
    Lead.stage,
    Lead.value,
    Lead.currency,
    Lead.created_at,
    Lead.stage_changed_at,
    Lead.last_touch_at,
    Lead.first_touch_at,
    Lead.next_follow_up,
    Lead.snoozed_until,
    Lead.touch_count,
    Lead.updated_at,
    Lead.expected_close,
    Lead.qualification,
    Lead.inbound,
)
_REP_COLUMNS = (
    Rep.id, Rep.name, Rep.tz, PLAN_TIME, WORKING_DAYS, Rep.away_until, Rep.away_delegate, Rep.muted,
)  # fmt: skip


def in_chunks(items: Sequence[_T], size: int = IN_CHUNK) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def lead_facts(row: Any) -> LeadFacts:
    *head, qualification, inbound = row[: len(LEAD_COLUMNS)]
    return LeadFacts(*head, verdict=stored_verdict(qualification), inbound=bool(inbound))


@dataclass(frozen=True)
class LeadReader:
    """`LEAD_COLUMNS` as the session's database reads them fastest, and each row as `LeadFacts`.

    The columns are read raw (`fast_rows`): type processing was most of reading tens of thousands
    of leads. On SQLite they are converted here, to the same values the models give; on
    PostgreSQL the driver's values are those already.
    """

    columns: tuple[ColumnElement[Any], ...]
    facts: Callable[[Sequence[Any]], LeadFacts]

    @classmethod
    def of(cls, session: Session) -> LeadReader:
        fast = FastColumns(session)
        if not fast.sqlite:
            # The driver's values are the models' (instants in UTC: `make_engine` sets the zone).
            return cls(LEAD_COLUMNS, lead_facts)
        money, instant, day, loads = fast.to_money, fast.to_instant, fast.to_day, json.loads

        def facts(row: Sequence[Any]) -> LeadFacts:
            (lead_id, company, contact, owner, stage, value, currency, created, moved, touched,
             first, follow_up, snoozed, touches, updated, close, answers, inbound) = row[:18]  # fmt: skip
            return LeadFacts(
                lead_id, company, contact, owner, stage, money(value), currency, instant(created),
                instant(moved), instant(touched), instant(first), day(follow_up), day(snoozed),
                touches, instant(updated), day(close),
                verdict=stored_verdict(loads(answers) if answers is not None else None),
                inbound=bool(inbound),
            )  # fmt: skip

        columns = (
            Lead.id, Lead.company, Lead.contact, Lead.owner_id, Lead.stage, fast.money(Lead.value),
            Lead.currency, fast.instant(Lead.created_at), fast.instant(Lead.stage_changed_at),
            fast.instant(Lead.last_touch_at), fast.instant(Lead.first_touch_at),
            fast.day(Lead.next_follow_up), fast.day(Lead.snoozed_until), Lead.touch_count,
            fast.instant(Lead.updated_at), fast.day(Lead.expected_close),
            type_coerce(Lead.qualification, String()), Lead.inbound,
        )  # fmt: skip
        return cls(columns, facts)

    def rows(self, session: Session, statement: Select[Any]) -> Sequence[Sequence[Any]]:
        """Run a statement that selects `columns` first."""
        return rows_at_once(session, statement)


def _rep(row: Any) -> RepRow:
    return RepRow(*row)


def list_active_reps(
    session: Session, *, on_team: ColumnElement[bool] | None = None
) -> list[RepRow]:
    """Every active rep (on the team, with `on_team`) with their stored schedule, in one statement."""
    rows = session.execute(
        select(*_REP_COLUMNS)
        .where(Rep.is_active.is_(True), *([on_team] if on_team is not None else []))
        .order_by(Rep.id)
    )
    return [_rep(row) for row in rows]


def active_reps_by_id(session: Session, *, user_ids: Collection[str]) -> dict[str, RepRow]:
    """These people's schedules by id, those still active only."""
    if not user_ids:
        return {}
    rows = session.execute(
        select(*_REP_COLUMNS).where(Rep.is_active.is_(True), Rep.id.in_(sorted(user_ids)))
    )
    return {row[0]: _rep(row) for row in rows}


def open_leads_where(
    session: Session, owner_ids: Collection[str], *conditions: ColumnElement[bool]
) -> Mapping[str, list[LeadFacts]]:
    """The open leads of these owners that meet `conditions`, grouped by owner, each owner's in
    the order of their numbers; made into `LeadFacts` when first looked at (`Later`)."""
    reader = LeadReader.of(session)
    fetched: list[Sequence[Sequence[Any]]] = []
    for chunk in in_chunks(sorted(owner_ids)):
        # Unordered, so the database reads the owners' leads through their index: ordered by
        # number, SQLite walked the whole table in that order instead, six times slower.
        fetched.append(
            reader.rows(
                session,
                select(*reader.columns).where(
                    Lead.status == OPEN, Lead.owner_id.in_(chunk), *conditions
                ),
            )
        )

    def grouped() -> dict[str, list[LeadFacts]]:
        found: dict[str, list[LeadFacts]] = defaultdict(list)
        facts = reader.facts
        for rows in fetched:
            for row in rows:
                lead = facts(row)
                found[lead.owner_id].append(lead)
        for leads in found.values():
            leads.sort(key=_by_number)
        return dict(found)

    return Later(grouped, keys={row[_OWNER] for rows in fetched for row in rows})


# Where a row of `LEAD_COLUMNS` holds the owner.
_OWNER = [column.key for column in LEAD_COLUMNS].index("owner_id")
_by_number = attrgetter("id")


def open_leads_by_owner(
    session: Session, *, owner_ids: Collection[str]
) -> Mapping[str, list[LeadFacts]]:
    """The open leads of these owners, grouped by owner, in one statement."""
    return open_leads_where(session, owner_ids)


def cadence_leads_by_owner(
    session: Session, *, owner_ids: Collection[str], min_touches: int, unmoved_before: datetime
) -> Mapping[str, list[LeadFacts]]:
    """Open leads with at least `min_touches` touches or not moved since `unmoved_before`."""
    return open_leads_where(
        session,
        owner_ids,
        or_(Lead.touch_count >= min_touches, Lead.stage_changed_at <= unmoved_before),
    )


def untouched_open_leads(session: Session, *, created_since: datetime) -> list[OwnedLead]:
    """Inbound open leads created since `created_since` with no contact touch yet, each with its
    owner's schedule, whether the owner is still active, and when it was last handed over."""
    handed_over = type_coerce(
        select(func.max(LeadEvent.at))
        .where(
            LeadEvent.lead_id == Lead.id,
            LeadEvent.kind == ASSIGNED_EVENT,
            LeadEvent.at > Lead.created_at,
        )
        .scalar_subquery(),
        UTCDateTime(),
    )
    rows = session.execute(
        select(*LEAD_COLUMNS, *_REP_COLUMNS, Rep.is_active, handed_over)
        .join(Rep, Rep.id == Lead.owner_id)
        .where(
            Lead.status == OPEN,
            Lead.inbound.is_(True),
            Lead.first_touch_at.is_(None),
            Lead.created_at >= created_since,
            # An imported lead is history from elsewhere, not a new lead waiting for a first call.
            ~exists().where(LeadEvent.lead_id == Lead.id, LeadEvent.kind == IMPORTED_EVENT),
        )
        .order_by(Lead.id)
    )
    width, reps = len(LEAD_COLUMNS), len(_REP_COLUMNS)
    return [
        OwnedLead(lead_facts(row), _rep(row[width : width + reps]), row[-1], bool(row[-2]))
        for row in rows
    ]


def existing_keys(session: Session, *, keys: Collection[str]) -> frozenset[str]:
    """Which of these idempotency keys the outbox already holds."""
    found: set[str] = set()
    for chunk in in_chunks(sorted(keys)):
        found.update(
            session.scalars(
                select(Notification.idempotency_key).where(Notification.idempotency_key.in_(chunk))
            )
        )
    return frozenset(found)


def recorded_notifications(
    session: Session, *, keys: Collection[str]
) -> dict[str, RecordedNotification]:
    """The outbox rows under these keys, with when they were recorded and their payload."""
    found: dict[str, RecordedNotification] = {}
    for chunk in in_chunks(sorted(keys)):
        rows = session.execute(
            select(
                Notification.idempotency_key, Notification.created_at, Notification.payload
            ).where(Notification.idempotency_key.in_(chunk))
        )
        for key, created_at, payload in rows:
            found[key] = RecordedNotification(key, created_at, payload or {})
    return found


def recorded_texts(
    session: Session, *, keys: Collection[str], read: Callable[[str], _T]
) -> dict[str, tuple[datetime, _T]]:
    """When each outbox row under these keys was recorded, and `read` of its payload's JSON text.

    For what a tick needs out of thousands of stored messages (which leads each showed): one
    chunk of rows at a time is fetched and unpacked to text, and only `read`'s result is kept,
    never the messages themselves.
    """
    found: dict[str, tuple[datetime, _T]] = {}
    for chunk in in_chunks(sorted(keys), _TEXT_CHUNK):
        rows = session.execute(
            select(
                Notification.idempotency_key,
                Notification.created_at,
                type_coerce(Notification.payload, LargeBinary()),
            ).where(Notification.idempotency_key.in_(chunk))
        )
        for key, created_at, stored in rows:
            found[key] = (created_at, read(packed_text(stored) if stored is not None else "{}"))
    return found


# Stored messages fetched at once by `recorded_texts`: a morning plan's JSON is tens of kilobytes.
_TEXT_CHUNK = 500


def contact_attempts(session: Session, *, lead_ids: Collection[int]) -> dict[int, int]:
    """Unanswered contact attempts per lead: calls, emails, messages, LinkedIn and other contacts
    since the later of its last stage move and its last meeting or demo."""
    meeting = Touchpoint.__table__.alias("meeting")
    last_meeting = (
        select(func.max(meeting.c.occurred_at))
        .where(meeting.c.lead_id == Touchpoint.lead_id, meeting.c.kind.in_(sorted(MEETING_KINDS)))
        .scalar_subquery()
    )
    found: dict[int, int] = {}
    for chunk in in_chunks(sorted(lead_ids)):
        rows = session.execute(
            select(Touchpoint.lead_id, func.count())
            .join(Lead, Lead.id == Touchpoint.lead_id)
            .where(
                Touchpoint.lead_id.in_(chunk),
                Touchpoint.kind.in_(sorted(ATTEMPT_KINDS)),
                Touchpoint.occurred_at > Lead.stage_changed_at,
                or_(last_meeting.is_(None), Touchpoint.occurred_at > last_meeting),
            )
            .group_by(Touchpoint.lead_id)
        )
        found.update({lead_id: count for lead_id, count in rows})
    return found
