"""The stale nudges' reads and writes: leads past their clocks, each lead's past nudges, escalations."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, true, type_coerce
from sqlalchemy.orm import Session

from bot.domain.leads import OPEN
from bot.domain.rhythm import LeadFacts, StageRules
from bot.models import Lead, LeadEvent, UTCDateTime
from bot.services.bulk_insert import insert_many
from bot.services.rhythm import ESCALATED_EVENT, in_chunks, open_leads_where


def idle_leads_by_owner(
    session: Session,
    *,
    owner_ids: Collection[str],
    stages: Sequence[StageRules],
    now: datetime,
    on_or_before: date,
) -> Mapping[str, list[LeadFacts]]:
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
    return open_leads_where(
        session,
        owner_ids,
        or_(Lead.snoozed_until.is_(None), Lead.snoozed_until <= on_or_before),
        or_(Lead.next_follow_up.is_(None), Lead.next_follow_up <= on_or_before),
        or_(
            *(and_(Lead.stage == stage.key, past_clocks(stage)) for stage in stages),
            and_(Lead.stage.not_in(keys), past_clocks(stages[0])),
        ),
    )


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
    """One event of `kind` per lead, each with its own detail, in a single bulk insert.

    A tick records a hundred thousand nudges whose details are a few per DM (its key and a lead's
    marks): callers share one detail object between the leads it is about, and each is written
    as JSON once (`insert_many`). On PostgreSQL the rows are copied in: each INSERTed row's
    foreign key check cost more than the copy of all of them.
    """
    insert_many(
        session,
        LeadEvent.__table__,
        [
            {"lead_id": lead_id, "kind": kind, "actor_id": None, "at": now, "detail": detail}
            for lead_id, detail in sorted(details.items())
        ],
    )


def lead_event_history(
    session: Session, *, lead_ids: Collection[int], kinds: Collection[str], since: datetime
) -> dict[int, list[tuple[datetime, dict[str, Any]]]]:
    """Events of these kinds per lead since `since`, oldest first, with their detail."""
    return _history(
        session,
        lead_ids,
        lambda chunk: (LeadEvent.lead_id.in_(chunk),),
        kinds=kinds,
        since=since,
    )


def owned_lead_event_history(
    session: Session, *, owner_ids: Collection[str], kinds: Collection[str], since: datetime
) -> dict[int, list[tuple[datetime, dict[str, Any]]]]:
    """`lead_event_history` of every open lead of these owners: a statement per ten thousand
    owners, not one per ten thousand leads, for a tick that reads a hundred thousand leads."""
    return _history(
        session,
        owner_ids,
        lambda chunk: (Lead.id == LeadEvent.lead_id, Lead.status == OPEN, Lead.owner_id.in_(chunk)),
        kinds=kinds,
        since=since,
    )


def _history(
    session: Session,
    keys: Collection[Any],
    which: Callable[[list[Any]], tuple[ColumnElement[bool], ...]],
    *,
    kinds: Collection[str],
    since: datetime,
) -> dict[int, list[tuple[datetime, dict[str, Any]]]]:
    found: dict[int, list[tuple[datetime, dict[str, Any]]]] = defaultdict(list)
    for chunk in in_chunks(sorted(keys)):
        rows = session.execute(
            select(LeadEvent.lead_id, LeadEvent.at, LeadEvent.detail)
            .where(*which(chunk), LeadEvent.kind.in_(sorted(kinds)), LeadEvent.at >= since)
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
