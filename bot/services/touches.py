"""Logging touches: the dated record that keeps a lead's clocks honest."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.domain.errors import NotFound, PermissionDenied
from bot.domain.leads import OPEN
from bot.domain.speed import managers_alert_key, owner_alert_key
from bot.models import Lead, Touchpoint
from bot.services.records import LeadView, TouchView
from bot.slack.outbox import cancel_pending


def log_touch(
    session: Session,
    *,
    lead_id: int,
    author_id: str,
    author_is_manager: bool,
    kind: str,
    note: str,
    now: datetime,
    occurred_at: datetime | None = None,
    next_follow_up: date | None = None,
    permalink: str | None = None,
) -> tuple[TouchView, LeadView]:
    """Record a touch, reset the lead's no-touch clock, set its next follow-up and clear a snooze."""
    lead = session.get(Lead, lead_id, with_for_update=True)
    if lead is None:
        raise NotFound(f"There is no lead #{lead_id}.")
    if lead.owner_id != author_id and not author_is_manager:
        raise PermissionDenied(
            f"Lead #{lead.id} belongs to <@{lead.owner_id}>; only the owner or a manager can log touches on it.",
            is_mrkdwn=True,
        )
    if lead.status != OPEN:
        raise PermissionDenied(
            f"Lead #{lead.id} is {lead.status}; reopen it before logging touches."
        )
    when = occurred_at or now
    first_touch = lead.first_touch_at is None
    touch = Touchpoint(
        lead_id=lead.id,
        kind=kind,
        note=note,
        occurred_at=when,
        author_id=author_id,
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
        cancel_pending(session, keys=[owner_alert_key(lead.id), managers_alert_key(lead.id)])
    session.flush()
    return TouchView.of(touch), LeadView.of(lead)
