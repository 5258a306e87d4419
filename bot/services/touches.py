"""Logging touches: the dated record that keeps a lead's clocks honest."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo

from sqlalchemy.orm import Session

from bot.domain.access import Actor, closed_refusal
from bot.domain.errors import UserFacingError
from bot.domain.leads import TouchKind, is_contact
from bot.domain.speed import alert_keys
from bot.models import Touchpoint
from bot.services.leads import lock_lead_for_change
from bot.services.outbox import cancel_pending
from bot.services.records import LeadView, TouchView


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
    contact = is_contact(kind)
    first_contact = contact and lead.first_touch_at is None
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
    lead.touch_count += 1
    # The buyer writing in keeps a deal warm, but it is not the rep reaching them.
    if (contact or kind == TouchKind.INBOUND) and (
        lead.last_touch_at is None or when > lead.last_touch_at
    ):
        lead.last_touch_at = when
    if contact:
        if lead.first_touch_at is None or when < lead.first_touch_at:
            lead.first_touch_at = when
        due = lead.next_follow_up
        if due is not None and when.astimezone(owner_zone).date() >= due:
            lead.next_follow_up = None  # done; a new date below replaces it
        lead.snoozed_until = None
    if next_follow_up is not None:
        lead.next_follow_up = next_follow_up
    lead.updated_at = now
    if first_contact:
        # A speed-to-lead alert still waiting to be sent would now be wrong.
        cancel_pending(session, keys=alert_keys(lead.id, lead.owner_id))
    session.flush()
    return TouchView.of(touch), LeadView.of(lead)


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
