"""Aggregate reads for the rhythm jobs: a fixed number of statements however many reps there are."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, exists, func, insert, or_, select, type_coerce
from sqlalchemy.orm import Session

from bot.domain.leads import OPEN
from bot.domain.rhythm import LeadFacts
from bot.models import Lead, LeadEvent, Notification, Rep, UTCDateTime

# Lead events the rhythm writes and reads; the Keep button's handler records KEPT_EVENT, the
# importer IMPORTED_EVENT.
NUDGE_EVENT = "stale_nudged"
KEPT_EVENT = "kept"
IMPORTED_EVENT = "imported"
ASSIGNED_EVENT = "assigned"

# Far below PostgreSQL's 65,535 and SQLite's 32,766 bind parameters, so one chunk covers any team.
_IN_CHUNK = 10_000

_T = TypeVar("_T")


@dataclass(frozen=True)
class RepRow:
    """A rep's schedule as stored: raw zone name, plan time and working days (None means the team's)."""

    id: str
    name: str
    tz: str | None
    plan_time: str | None
    working_days: str | None


@dataclass(frozen=True)
class OwnedLead:
    """A lead with its owner's schedule, for clocks that run on the owner's time."""

    lead: LeadFacts
    owner: RepRow
    # When the current owner was handed the lead after it came in (None: theirs from the start).
    assigned_at: datetime | None = None


@dataclass(frozen=True)
class RecordedNotification:
    """A notification already in the outbox: when it was recorded and what it carried."""

    key: str
    created_at: datetime
    payload: dict[str, Any]


_LEAD_COLUMNS = (
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
)
_REP_COLUMNS = (Rep.id, Rep.name, Rep.tz, Rep.plan_time, Rep.working_days)


def _chunks(items: Sequence[_T]) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), _IN_CHUNK):
        yield items[start : start + _IN_CHUNK]


def _lead(row: Any) -> LeadFacts:
    return LeadFacts(*row[: len(_LEAD_COLUMNS)])


def _rep(row: Any) -> RepRow:
    return RepRow(*row)


def list_active_reps(session: Session) -> list[RepRow]:
    """Every active rep with their stored schedule, in one statement."""
    rows = session.execute(select(*_REP_COLUMNS).where(Rep.is_active.is_(True)).order_by(Rep.id))
    return [_rep(row) for row in rows]


def _open_leads_by_owner(
    session: Session, owner_ids: Collection[str], *conditions: ColumnElement[bool]
) -> dict[str, list[LeadFacts]]:
    grouped: dict[str, list[LeadFacts]] = defaultdict(list)
    for chunk in _chunks(sorted(owner_ids)):
        rows = session.execute(
            select(*_LEAD_COLUMNS)
            .where(Lead.status == OPEN, Lead.owner_id.in_(chunk), *conditions)
            .order_by(Lead.id)
        )
        for row in rows:
            lead = _lead(row)
            grouped[lead.owner_id].append(lead)
    return dict(grouped)


def open_leads_by_owner(
    session: Session, *, owner_ids: Collection[str]
) -> dict[str, list[LeadFacts]]:
    """The open leads of these owners, grouped by owner, in one statement."""
    return _open_leads_by_owner(session, owner_ids)


def overdue_leads_by_owner(
    session: Session, *, owner_ids: Collection[str], before: date
) -> dict[str, list[LeadFacts]]:
    """Open leads of these owners with a follow-up date before `before`."""
    return _open_leads_by_owner(session, owner_ids, Lead.next_follow_up < before)


def idle_leads_by_owner(
    session: Session,
    *,
    owner_ids: Collection[str],
    untouched_before: datetime,
    unmoved_before: datetime,
) -> dict[str, list[LeadFacts]]:
    """Open leads not touched since `untouched_before` or not moved since `unmoved_before`: stale candidates."""
    no_touch_since = func.coalesce(Lead.last_touch_at, Lead.created_at)
    return _open_leads_by_owner(
        session,
        owner_ids,
        or_(no_touch_since <= untouched_before, Lead.stage_changed_at <= unmoved_before),
    )


def cadence_leads_by_owner(
    session: Session, *, owner_ids: Collection[str], min_touches: int, unmoved_before: datetime
) -> dict[str, list[LeadFacts]]:
    """Open leads with at least `min_touches` touches or not moved since `unmoved_before`."""
    return _open_leads_by_owner(
        session,
        owner_ids,
        or_(Lead.touch_count >= min_touches, Lead.stage_changed_at <= unmoved_before),
    )


def untouched_open_leads(session: Session, *, created_since: datetime) -> list[OwnedLead]:
    """Open leads created since `created_since` with no touch yet, each with its owner's schedule
    and when it was last handed over."""
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
        select(*_LEAD_COLUMNS, *_REP_COLUMNS, handed_over)
        .join(Rep, Rep.id == Lead.owner_id)
        .where(
            Lead.status == OPEN,
            Lead.first_touch_at.is_(None),
            Lead.touch_count == 0,
            Lead.created_at >= created_since,
            # An imported lead is history from elsewhere, not a new lead waiting for a first call.
            ~exists().where(LeadEvent.lead_id == Lead.id, LeadEvent.kind == IMPORTED_EVENT),
        )
        .order_by(Lead.id)
    )
    width, reps = len(_LEAD_COLUMNS), len(_REP_COLUMNS)
    return [OwnedLead(_lead(row), _rep(row[width : width + reps]), row[-1]) for row in rows]


def existing_keys(session: Session, *, keys: Collection[str]) -> frozenset[str]:
    """Which of these idempotency keys the outbox already holds."""
    found: set[str] = set()
    for chunk in _chunks(sorted(keys)):
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
    for chunk in _chunks(sorted(keys)):
        rows = session.execute(
            select(
                Notification.idempotency_key, Notification.created_at, Notification.payload
            ).where(Notification.idempotency_key.in_(chunk))
        )
        for key, created_at, payload in rows:
            found[key] = RecordedNotification(key, created_at, payload or {})
    return found


def last_lead_events(session: Session, *, kind: str, since: datetime) -> dict[int, datetime]:
    """The latest event of `kind` per lead since `since`, in one grouped statement."""
    rows = session.execute(
        select(LeadEvent.lead_id, func.max(LeadEvent.at))
        .where(LeadEvent.kind == kind, LeadEvent.at >= since)
        .group_by(LeadEvent.lead_id)
    )
    return {lead_id: at for lead_id, at in rows}


def record_lead_events(
    session: Session, *, lead_ids: Collection[int], kind: str, now: datetime, detail: dict[str, Any]
) -> None:
    """One event of `kind` for each lead, written in a single multi-row statement."""
    if not lead_ids:
        return
    session.execute(
        insert(LeadEvent),
        [
            {"lead_id": lead_id, "kind": kind, "actor_id": None, "at": now, "detail": detail}
            for lead_id in sorted(lead_ids)
        ],
    )
