"""Aggregate reads for the rhythm jobs: a fixed number of statements however many reps there are."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Text,
    and_,
    case,
    cast,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    type_coerce,
)
from sqlalchemy.orm import Session

from bot.domain.leads import ATTEMPT_KINDS, MEETING_KINDS, OPEN, weighted
from bot.domain.qualification import stored_verdict
from bot.domain.rhythm import LeadFacts, StageCurrencyTotals, StageRules
from bot.models import Lead, LeadEvent, Notification, Rep, Touchpoint, UTCDateTime
from bot.services.reps import PLAN_TIME, WORKING_DAYS

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
_IN_CHUNK = 10_000

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
    Lead.updated_at,
    Lead.expected_close,
    Lead.qualification,
    Lead.inbound,
)
_REP_COLUMNS = (
    Rep.id, Rep.name, Rep.tz, PLAN_TIME, WORKING_DAYS, Rep.away_until, Rep.away_delegate, Rep.muted,
)  # fmt: skip


def _chunks(items: Sequence[_T], size: int = _IN_CHUNK) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _lead(row: Any) -> LeadFacts:
    *head, qualification, inbound = row[: len(_LEAD_COLUMNS)]
    return LeadFacts(*head, verdict=stored_verdict(qualification), inbound=bool(inbound))


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


def plan_leads_by_owner(
    session: Session, *, owner_ids: Collection[str], on_or_before: date, late: Collection[str]
) -> dict[str, list[LeadFacts]]:
    """The open leads a morning plan for a day up to `on_or_before` can list (`may_be_listed`):
    not snoozed past it, and due by then, without a follow-up, in a `late` stage or never touched.
    An owner with open leads but none of these is left out."""
    return _open_leads_by_owner(
        session,
        owner_ids,
        or_(Lead.snoozed_until.is_(None), Lead.snoozed_until <= on_or_before),
        or_(
            Lead.next_follow_up.is_(None),
            Lead.next_follow_up <= on_or_before,
            Lead.stage.in_(sorted(late)),
            Lead.first_touch_at.is_(None),
        ),
    )


# Probabilities with more decimals than this are weighted in Python from the values themselves.
_WEIGHT_DECIMALS = 6


def open_totals_by_owner(
    session: Session, *, owner_ids: Collection[str], stages: Sequence[StageRules]
) -> dict[str, list[StageCurrencyTotals]]:
    """Per owner, their open leads' count, value and weighted value by stage and currency, added
    up by the database: a plan's snapshot without reading every lead.

    Values are added as whole cents, and each lead's weighted value is rounded to the cent (half
    to even, as `Decimal.quantize`) before it is added, so the totals are exactly those of the
    leads themselves. A lead in a stage no longer configured is weighted with the first stage's
    probability, as the snapshot counts it there.
    """
    decimals = max(-stage.probability.as_tuple().exponent for stage in stages)  # type: ignore[operator]
    if decimals > _WEIGHT_DECIMALS:
        return _open_totals_from_values(session, owner_ids, stages)
    scale = 10 ** max(decimals, 0)
    cents = cast(func.round(Lead.value * 100), BigInteger)
    units = case((cents < 0, -cents), else_=cents)
    sign = case((cents < 0, -1), else_=1)
    weight = case(
        *((Lead.stage == stage.key, int(stage.probability * scale)) for stage in stages),
        else_=int(stages[0].probability * scale),
    )
    # |cents| × weight ÷ scale, split so no product can overflow 64 bits, rounded half to even.
    whole = (units // scale) * weight
    part = (units % scale) * weight
    quotient = whole + part // scale
    rest = part % scale
    up = case(
        (rest * 2 > scale, 1),
        ((rest * 2 == scale) & (quotient % 2 == 1), 1),
        else_=0,
    )
    weighted_cents = sign * (quotient + up)
    found: dict[str, list[StageCurrencyTotals]] = defaultdict(list)
    for chunk in _chunks(sorted(owner_ids)):
        rows = session.execute(
            select(
                Lead.owner_id,
                Lead.stage,
                Lead.currency,
                func.count(),
                func.count(Lead.value),
                func.coalesce(func.sum(cents), literal(0)),
                func.coalesce(func.sum(weighted_cents), literal(0)),
            )
            .where(Lead.status == OPEN, Lead.owner_id.in_(chunk))
            .group_by(Lead.owner_id, Lead.stage, Lead.currency)
        )
        for owner, stage, currency, count, valued, value, weighted_value in rows:
            found[owner].append(
                StageCurrencyTotals(
                    stage,
                    currency,
                    count,
                    valued,
                    Decimal(int(value)).scaleb(-2),
                    Decimal(int(weighted_value)).scaleb(-2),
                )
            )
    return dict(found)


def _open_totals_from_values(
    session: Session, owner_ids: Collection[str], stages: Sequence[StageRules]
) -> dict[str, list[StageCurrencyTotals]]:
    """`open_totals_by_owner` for probabilities too precise to weight in SQL: one row per value."""
    probability = {stage.key: stage.probability for stage in stages}
    sums: dict[tuple[str, str, str], list[Any]] = {}
    for chunk in _chunks(sorted(owner_ids)):
        rows = session.execute(
            select(Lead.owner_id, Lead.stage, Lead.currency, Lead.value, func.count())
            .where(Lead.status == OPEN, Lead.owner_id.in_(chunk))
            .group_by(Lead.owner_id, Lead.stage, Lead.currency, Lead.value)
        )
        for owner, stage, currency, value, count in rows:
            entry = sums.setdefault((owner, stage, currency), [0, 0, Decimal(0), Decimal(0)])
            entry[0] += count
            if value is not None:
                rate = probability.get(stage, stages[0].probability)
                entry[1] += count
                entry[2] += value * count
                entry[3] += weighted(value, rate) * count
    found: dict[str, list[StageCurrencyTotals]] = defaultdict(list)
    for (owner, stage, currency), (count, valued, value, weight) in sums.items():
        found[owner].append(StageCurrencyTotals(stage, currency, count, valued, value, weight))
    return dict(found)


def due_leads_by_owner(
    session: Session, *, owner_ids: Collection[str], on_or_before: date
) -> dict[str, list[LeadFacts]]:
    """Open leads of these owners with a follow-up date on or before `on_or_before`."""
    return _open_leads_by_owner(session, owner_ids, Lead.next_follow_up <= on_or_before)


def idle_leads_by_owner(
    session: Session,
    *,
    owner_ids: Collection[str],
    stages: Sequence[StageRules],
    now: datetime,
    on_or_before: date,
) -> dict[str, list[LeadFacts]]:
    """Open leads past their own stage's stale or stuck clock at `now`, neither snoozed past nor
    with a follow-up after `on_or_before`: what a nudge for a day up to then can be about (a lead
    in a stage no longer configured runs on the first stage's clocks)."""
    no_touch_since = func.coalesce(Lead.last_touch_at, Lead.created_at)

    def past_clocks(stage: StageRules) -> ColumnElement[bool]:
        stale = no_touch_since <= now - timedelta(days=stage.stale_days)
        stuck = Lead.stage_changed_at <= now - timedelta(days=stage.stuck_days)
        if stage.stale_days <= 0 or stage.stuck_days <= 0:
            return true()  # whole days are never negative: the clock has always run out
        return or_(stale, stuck)

    keys = [stage.key for stage in stages]
    return _open_leads_by_owner(
        session,
        owner_ids,
        or_(Lead.snoozed_until.is_(None), Lead.snoozed_until <= on_or_before),
        or_(Lead.next_follow_up.is_(None), Lead.next_follow_up <= on_or_before),
        or_(
            *(and_(Lead.stage == stage.key, past_clocks(stage)) for stage in stages),
            and_(Lead.stage.not_in(keys), past_clocks(stages[0])),
        ),
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
        select(*_LEAD_COLUMNS, *_REP_COLUMNS, Rep.is_active, handed_over)
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
    width, reps = len(_LEAD_COLUMNS), len(_REP_COLUMNS)
    return [
        OwnedLead(_lead(row), _rep(row[width : width + reps]), row[-1], bool(row[-2]))
        for row in rows
    ]


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


def recorded_texts(
    session: Session, *, keys: Collection[str], read: Callable[[str], _T]
) -> dict[str, tuple[datetime, _T]]:
    """When each outbox row under these keys was recorded, and `read` of its payload's JSON text.

    For what a tick needs out of thousands of stored messages (which leads each showed): one
    chunk of rows at a time is fetched as text, and only `read`'s result is kept, never the
    messages themselves.
    """
    found: dict[str, tuple[datetime, _T]] = {}
    for chunk in _chunks(sorted(keys), _TEXT_CHUNK):
        rows = session.execute(
            select(
                Notification.idempotency_key,
                Notification.created_at,
                cast(Notification.payload, Text),
            ).where(Notification.idempotency_key.in_(chunk))
        )
        for key, created_at, text in rows:
            found[key] = (created_at, read(text or "{}"))
    return found


# Stored messages fetched at once by `recorded_texts`: a morning plan's JSON is tens of kilobytes.
_TEXT_CHUNK = 500


def last_lead_events(session: Session, *, kind: str, since: datetime) -> dict[int, datetime]:
    """The latest event of `kind` per lead since `since`, in one grouped statement."""
    rows = session.execute(
        select(LeadEvent.lead_id, func.max(LeadEvent.at))
        .where(LeadEvent.kind == kind, LeadEvent.at >= since)
        .group_by(LeadEvent.lead_id)
    )
    return {lead_id: at for lead_id, at in rows}


def record_lead_event_details(
    session: Session, *, kind: str, now: datetime, details: Mapping[int, dict[str, Any]]
) -> None:
    """One event of `kind` per lead, each with its own detail, in a single multi-row statement."""
    if not details:
        return
    session.execute(
        insert(LeadEvent),
        [
            {
                "lead_id": lead_id,
                "kind": kind,
                "actor_id": None,
                "at": now,
                "detail": details[lead_id],
            }
            for lead_id in sorted(details)
        ],
    )


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
    for chunk in _chunks(sorted(lead_ids)):
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


def lead_event_history(
    session: Session, *, lead_ids: Collection[int], kinds: Collection[str], since: datetime
) -> dict[int, list[tuple[datetime, dict[str, Any]]]]:
    """Events of these kinds per lead since `since`, oldest first, with their detail."""
    found: dict[int, list[tuple[datetime, dict[str, Any]]]] = defaultdict(list)
    for chunk in _chunks(sorted(lead_ids)):
        rows = session.execute(
            select(LeadEvent.lead_id, LeadEvent.at, LeadEvent.detail)
            .where(
                LeadEvent.lead_id.in_(chunk),
                LeadEvent.kind.in_(sorted(kinds)),
                LeadEvent.at >= since,
            )
            .order_by(LeadEvent.lead_id, LeadEvent.at, LeadEvent.id)
        )
        for lead_id, at, detail in rows:
            found[lead_id].append((at, detail or {}))
    return dict(found)


def escalated_leads(session: Session) -> dict[int, datetime]:
    """Open leads nudged twice and left alone since, with when they were escalated: what the
    managers' value-at-risk section shows as "nudged twice, no action"."""
    rows = session.execute(
        select(LeadEvent.lead_id, type_coerce(func.max(LeadEvent.at), UTCDateTime()))
        .join(Lead, Lead.id == LeadEvent.lead_id)
        .where(LeadEvent.kind == ESCALATED_EVENT, Lead.status == OPEN)
        .group_by(LeadEvent.lead_id, Lead.updated_at)
        .having(func.max(LeadEvent.at) >= Lead.updated_at)
    )
    return {lead_id: at for lead_id, at in rows}
