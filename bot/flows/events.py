"""What a flow's change tells the outside world: the webhook events, recorded in the change's own transaction.

The flows call these right after their change is flushed; each is a no-op when no `[[webhooks]]`
endpoint subscribes to the event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.domain.leads import LOST
from bot.models import StageChange
from bot.services import webhooks
from bot.services.export import TOUCH_COLUMNS, json_value
from bot.services.records import LeadView, TouchView


def lead_created(session: Session, deps: Deps, *, lead: LeadView, by: str, now: datetime) -> None:
    webhooks.record_event(
        session, pipeline=deps.pipeline, type=webhooks.LEAD_CREATED, lead_id=lead.id, now=now, by=by
    )


def lead_changed(
    session: Session,
    deps: Deps,
    *,
    change: object,
    lead: LeadView,
    by: str,
    previous_owner: str | None,
    now: datetime,
) -> None:
    """The events of one change that did change the lead (`bot.flows.leads.LeadChange`)."""
    for type, data in _events_of(session, change, lead, previous_owner):
        webhooks.record_event(
            session,
            pipeline=deps.pipeline,
            type=type,
            lead_id=lead.id,
            now=now,
            by=by,
            data=data,
        )


def _events_of(
    session: Session, change: object, lead: LeadView, previous_owner: str | None
) -> list[tuple[str, dict[str, Any]]]:
    # Imported here: the change types live in the flow that imports this module.
    from bot.flows.leads import (
        Assign,
        Close,
        Keep,
        Move,
        Qualify,
        SetCloseDate,
        SetFollowUp,
        Snooze,
    )

    match change:
        case Move():
            return [(webhooks.LEAD_STAGE_CHANGED, _last_move(session, lead.id))]
        case Close():
            return [(webhooks.closed_event(lead.status), {})]
        case Snooze():
            until = lead.snoozed_until.isoformat() if lead.snoozed_until else None
            return [(webhooks.LEAD_SNOOZED, {"until": until})]
        case Assign():
            return [
                (webhooks.LEAD_ASSIGNED, {"from_owner": previous_owner, "to_owner": lead.owner_id})
            ]
        case Qualify(score=score):
            events = [(webhooks.LEAD_QUALIFIED, {"score": score})]
            if lead.status == LOST:
                events.append((webhooks.closed_event(LOST), {}))
            return events
        case SetCloseDate():
            close = lead.expected_close.isoformat() if lead.expected_close else None
            return [(webhooks.LEAD_UPDATED, {"fields": {"expected_close": close}})]
        case SetFollowUp():
            follow_up = lead.next_follow_up.isoformat() if lead.next_follow_up else None
            return [(webhooks.LEAD_UPDATED, {"fields": {"next_follow_up": follow_up}})]
        case Keep():
            return [(webhooks.LEAD_UPDATED, {"kept": True})]
    return []


def _last_move(session: Session, lead_id: int) -> dict[str, Any]:
    row = session.execute(
        select(StageChange.from_stage, StageChange.to_stage)
        .where(StageChange.lead_id == lead_id)
        .order_by(StageChange.id.desc())
        .limit(1)
    ).one()
    return {"from_stage": row.from_stage, "to_stage": row.to_stage}


def touch_logged(session: Session, deps: Deps, *, touch: TouchView, by: str, now: datetime) -> None:
    if not deps.pipeline.webhooks_for(webhooks.TOUCH_LOGGED):
        return  # nobody subscribed: nothing to build
    record = dict(
        zip(
            TOUCH_COLUMNS,
            (touch.id, touch.lead_id, touch.kind, touch.note, touch.occurred_at, touch.author_id),
            strict=True,
        )
    )
    webhooks.record_event(
        session,
        pipeline=deps.pipeline,
        type=webhooks.TOUCH_LOGGED,
        lead_id=touch.lead_id,
        now=now,
        by=by,
        data={"touch": {key: json_value(value) for key, value in record.items()}},
    )
