"""Logging touches: the dated record that keeps a lead's clocks honest."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, tzinfo
from typing import Any, Protocol

from sqlalchemy import Row, bindparam, insert, select, update
from sqlalchemy.orm import Session

from bot.domain.access import Actor, closed_refusal
from bot.domain.errors import UserFacingError
from bot.domain.leads import TouchKind, is_contact, search_fold
from bot.domain.speed import alert_keys
from bot.models import Lead, Rep, Touchpoint
from bot.services.leads import lock_lead_for_change
from bot.services.outbox import cancel_pending
from bot.services.records import LeadView, TouchView
from bot.services.reps import JoinedRep, rep_columns

# `/touch`'s statements, built once: every touch by number runs them.
_LEADS = Lead.__table__
_TOUCHES = Touchpoint.__table__
# The lead locked, with the rep logging the touch, the lead's owner and whether the one covers for
# the other today: everything `/touch #42` reads, in one round trip.
_ACTOR, _OWNER, _AWAY = (Rep.__table__.alias(name) for name in ("actor", "owner", "away"))
_COVERS_OWNER = (
    select(_AWAY.c.id)
    .where(
        _AWAY.c.id == _LEADS.c.owner_id,
        _AWAY.c.away_delegate == bindparam("user_id"),
        _AWAY.c.away_until > bindparam("today"),
        _AWAY.c.is_active.is_(True),
    )
    .exists()
)
_LEAD_AND_REPS = (
    select(
        _LEADS,
        *rep_columns(_ACTOR, "rep_"),
        *rep_columns(_OWNER, "owner_rep_"),
        _COVERS_OWNER.label("covers_owner"),
    )
    .select_from(
        _LEADS.outerjoin(_ACTOR, _ACTOR.c.id == bindparam("user_id")).outerjoin(
            _OWNER, _OWNER.c.id == _LEADS.c.owner_id
        )
    )
    .where(_LEADS.c.id == bindparam("lead_id"))
    .with_for_update(of=_LEADS)
)
_INSERT_TOUCH = insert(_TOUCHES).returning(_TOUCHES.c.id)
# Every column a touch may change, set each time (to its value as read when the touch leaves it):
# one statement, compiled once, whatever the touch changed.
_TOUCHED = ("touch_count", "last_touch_at", "first_touch_at", "next_follow_up", "snoozed_until")
_UPDATE_LEAD = (
    update(_LEADS)
    .where(_LEADS.c.id == bindparam("lead_id"))
    .values({column: bindparam(column) for column in (*_TOUCHED, "updated_at")})
)
# On PostgreSQL both in one statement: the touch inserted in a data-modifying WITH, the lead
# updated by the statement itself, which returns the new touch's id (SQLite has no such WITH).
_TOUCH_COLUMNS = (
    "lead_id", "kind", "note", "occurred_at", "author_id", "permalink", "created_at", "search_text"
)  # fmt: skip
_INSERTED = (
    insert(_TOUCHES)
    .values({column: bindparam(f"touch_{column}") for column in _TOUCH_COLUMNS})
    .returning(_TOUCHES.c.id)
    .cte("inserted")
)
_INSERT_TOUCH_UPDATE_LEAD = _UPDATE_LEAD.add_cte(_INSERTED).returning(
    select(_INSERTED.c.id).scalar_subquery()
)
_VIEWED = frozenset(field.name for field in fields(LeadView))


def log_touch(
    session: Session,
    *,
    lead_id: int,
    author: Actor,
    kind: str,
    note: str,
    now: datetime,
    occurred_at: datetime | None = None,
    next_follow_up: date | None = None,
    permalink: str | None = None,
    owner_zone: tzinfo = UTC,
) -> tuple[TouchView, LeadView]:
    """Record a touch; a contact touch resets the no-touch clock and completes a follow-up that fell due.

    A contact on or after the follow-up's date (the owner's local date, `owner_zone`) clears it
    unless `next_follow_up` gives a new one. A note is context: it changes no clock and no date
    except a `next_follow_up` it sets.
    """
    lead = lock_lead_for_change(session, lead_id=lead_id, actor=author, doing="log touches on")
    refusal = closed_refusal(lead)
    if refusal:
        raise UserFacingError(refusal)
    when = occurred_at or now
    first_contact = is_contact(kind) and lead.first_touch_at is None
    touch = Touchpoint(
        lead_id=lead.id,
        kind=kind,
        note=note,
        occurred_at=when,
        author_id=author.user_id,
        permalink=permalink,
        created_at=now,
    )
    session.add(touch)
    for column, value in touch_changes(
        lead, kind=kind, when=when, next_follow_up=next_follow_up, owner_zone=owner_zone, now=now
    ).items():
        setattr(lead, column, value)
    if first_contact:
        # A speed-to-lead alert still waiting to be sent would now be wrong.
        cancel_pending(session, keys=alert_keys(lead.id, lead.owner_id))
    session.flush()
    return TouchView.of(touch), LeadView.of(lead)


class _TouchedLead(Protocol):
    touch_count: int
    last_touch_at: datetime | None
    first_touch_at: datetime | None
    next_follow_up: date | None


def touch_changes(
    lead: _TouchedLead,
    *,
    kind: str,
    when: datetime,
    next_follow_up: date | None,
    owner_zone: tzinfo,
    now: datetime,
) -> dict[str, Any]:
    """The lead's columns a touch at `when` changes, and their new values (`log_touch`'s rules).

    A contact resets the no-touch clock; one on or after the follow-up's date (the owner's local
    date, `owner_zone`) clears it unless `next_follow_up` gives a new one. A note is context: it
    changes no clock and no date except a `next_follow_up` it sets.
    """
    contact = is_contact(kind)
    changes: dict[str, Any] = {"touch_count": lead.touch_count + 1}
    # The buyer writing in keeps a deal warm, but it is not the rep reaching them.
    if (contact or kind == TouchKind.INBOUND) and (
        lead.last_touch_at is None or when > lead.last_touch_at
    ):
        changes["last_touch_at"] = when
    if contact:
        if lead.first_touch_at is None or when < lead.first_touch_at:
            changes["first_touch_at"] = when
        due = lead.next_follow_up
        if due is not None and when.astimezone(owner_zone).date() >= due:
            changes["next_follow_up"] = None  # done; a new date below replaces it
        changes["snoozed_until"] = None
    if next_follow_up is not None:
        changes["next_follow_up"] = next_follow_up
    changes["updated_at"] = now
    return changes


@dataclass(frozen=True, slots=True)
class LeadToTouch:
    """A lead locked for a touch, with the rep logging it and the lead's owner (None for someone
    without a record), and whether that rep covers for the owner on `today`."""

    lead: Row[Any]
    actor: JoinedRep | None
    owner: JoinedRep | None
    covers_owner: bool


def lead_and_reps_to_touch(
    db: Session, *, lead_id: int, user_id: str, today: date
) -> LeadToTouch | None:
    """A lead's row, locked for the touch about to be logged on it (PostgreSQL; SQLite's write
    transaction holds the whole file), with the rows of `user_id` and of the lead's owner and
    whether the one covers for the other, in one read; None when there is no such lead."""
    row = db.execute(
        _LEAD_AND_REPS, {"lead_id": lead_id, "user_id": user_id, "today": today}
    ).first()
    if row is None:
        return None
    found = row._mapping
    return LeadToTouch(
        row,
        JoinedRep.of(found, "rep_"),
        JoinedRep.of(found, "owner_rep_"),
        bool(found["covers_owner"]),
    )


def log_touch_on_row(
    db: Session,
    *,
    lead: Row[Any],
    author: Actor,
    kind: str,
    note: str,
    now: datetime,
    next_follow_up: date | None = None,
    owner_zone: tzinfo = UTC,
) -> tuple[TouchView, LeadView]:
    """`log_touch` on a lead already read and locked (`lead_and_reps_to_touch`), open and the author's to
    change, in plain statements: the touch's insert and the lead's update (one statement on
    PostgreSQL)."""
    first_contact = is_contact(kind) and lead.first_touch_at is None
    values = (lead.id, kind, note, now, author.user_id, None, now, search_fold(note))
    row = dict(zip(_TOUCH_COLUMNS, values, strict=True))
    changes = touch_changes(
        lead, kind=kind, when=now, next_follow_up=next_follow_up, owner_zone=owner_zone, now=now
    )
    updated = {column: getattr(lead, column) for column in _TOUCHED} | changes
    updated["lead_id"] = lead.id
    if db.get_bind().dialect.name == "postgresql":
        inserted = {f"touch_{column}": value for column, value in row.items()}
        touch_id = db.execute(_INSERT_TOUCH_UPDATE_LEAD, inserted | updated).scalar_one()
    else:
        touch_id = db.execute(_INSERT_TOUCH, row).scalar_one()
        db.execute(_UPDATE_LEAD, updated)
    if first_contact:
        # A speed-to-lead alert still waiting to be sent would now be wrong.
        cancel_pending(db, keys=alert_keys(lead.id, lead.owner_id))
    touch = TouchView(touch_id, lead.id, kind, note, now, author.user_id, None)
    after = replace(
        LeadView.of(lead), **{key: value for key, value in changes.items() if key in _VIEWED}
    )
    return touch, after


def set_follow_up(
    session: Session, *, lead_id: int, on: date | None, actor: Actor, now: datetime
) -> tuple[LeadView, bool]:
    """Set (or, with None, clear) the lead's next step; returns the lead and whether it changed."""
    lead = lock_lead_for_change(session, lead_id=lead_id, actor=actor, doing="plan follow-ups on")
    refusal = closed_refusal(lead)
    if refusal:
        raise UserFacingError(refusal)
    if lead.next_follow_up == on:
        return LeadView.of(lead), False
    lead.next_follow_up, lead.updated_at = on, now
    session.flush()
    return LeadView.of(lead), True
