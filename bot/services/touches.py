"""Logging touches: the dated record that keeps a lead's clocks honest."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.domain.access import Actor, closed_refusal
from bot.domain.errors import UserFacingError
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
) -> tuple[TouchView, LeadView]:
    """Record a touch, reset the lead's no-touch clock, set its next follow-up and clear a snooze."""
    lead = lock_lead_for_change(session, lead_id=lead_id, actor=author, doing="log touches on")
    refusal = closed_refusal(lead)
    if refusal:
        raise UserFacingError(refusal)
    when = occurred_at or now
    first_touch = lead.first_touch_at is None
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
    if lead.last_touch_at is None or when > lead.last_touch_at:
        lead.last_touch_at = when
    if lead.first_touch_at is None or when < lead.first_touch_at:
        lead.first_touch_at = when
    lead.touch_count += 1
    if next_follow_up is not None:
        lead.next_follow_up = next_follow_up
    lead.snoozed_until = None
    lead.updated_at = now
    if first_touch:
        # A speed-to-lead alert still waiting to be sent would now be wrong.
        cancel_pending(session, keys=alert_keys(lead.id, lead.owner_id))
    session.flush()
    return TouchView.of(touch), LeadView.of(lead)
