"""Outbound webhooks: each lead event waits in the outbox, once per subscribed endpoint.

An event is recorded in the transaction of the change that caused it, so a change that rolls back
sends nothing and a committed one is never lost. Each endpoint gets its own outbox row (kind
`webhook`, recipient the endpoint's name) holding the event id and the exact JSON body, so every
attempt sends the same bytes under the same `webhook-id`; the URL and secret are read from the
config when it is sent (`bot.webhooks_sender`). A row is `sent` once the endpoint answered 2xx and
is never sent again; after its last attempt it is `failed`: the endpoint's dead letters.

The body (Standard Webhooks' recommended shape):

    {"type": "lead.stage_changed", "timestamp": "2026-11-30T14:00:00Z",
     "data": {"lead": {<the lead's export row, by LEAD_COLUMNS>}, "by": "U012AB3CD", ...}}
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session

from bot.models import Notification
from bot.pipeline_config import PipelineConfig
from bot.services.export import cell, lead_record
from bot.services.outbox import FAILED, PENDING, PRIORITY_DIGEST, SENDING, SENT, enqueue

KIND = "webhook"
WEBHOOK = "webhook"

LEAD_CREATED = "lead.created"
LEAD_STAGE_CHANGED = "lead.stage_changed"
LEAD_ASSIGNED = "lead.assigned"
LEAD_SNOOZED = "lead.snoozed"
LEAD_QUALIFIED = "lead.qualified"
LEAD_UPDATED = "lead.updated"
TOUCH_LOGGED = "touch.logged"


def closed_event(status: str) -> str:
    """The event of a lead closed as won, lost or archived."""
    return f"lead.{status}"


@dataclass(frozen=True)
class WebhookEvent:
    """One event for one endpoint, as the outbox stores it."""

    event_id: str
    type: str
    body: str

    def payload(self) -> dict[str, Any]:
        return {WEBHOOK: {"id": self.event_id, "type": self.type, "body": self.body}}


def is_webhook(payload: Mapping[str, Any]) -> bool:
    """True for a stored webhook event, False for a Slack message or file."""
    return isinstance(payload.get(WEBHOOK), Mapping)


def new_event_id() -> str:
    """A fresh event id; every endpoint gets the event under this id, every attempt repeats it."""
    return f"evt_{uuid.uuid4().hex}"


def record_event(
    session: Session,
    *,
    pipeline: PipelineConfig,
    type: str,
    lead_id: int,
    now: datetime,
    by: str | None,
    data: Mapping[str, Any] | None = None,
) -> str | None:
    """Queue an event about a lead for every endpoint subscribed to `type`; its id, or None when none is.

    Call it after the change is flushed: the lead is read as the export shows it now.
    """
    hooks = pipeline.webhooks_for(type)
    if not hooks:
        return None
    body = {
        "type": type,
        "timestamp": cell(now),
        "data": {"lead": lead_record(session, lead_id=lead_id), "by": by, **(data or {})},
    }
    event = WebhookEvent(
        new_event_id(), type, json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    )
    for hook in hooks:
        enqueue(
            session,
            key=f"{KIND}:{event.event_id}:{hook.name}",
            kind=KIND,
            recipient=hook.name,
            message=event,
            now=now,
            priority=PRIORITY_DIGEST,
        )
    return event.event_id


@dataclass(frozen=True)
class EndpointState:
    """One endpoint's events in the outbox: waiting, delivered, dead, and the latest error."""

    name: str
    pending: int = 0
    delivered: int = 0
    dead: int = 0
    last_error: str | None = None
    oldest_pending: datetime | None = None


_N = Notification
_WEBHOOK_ROWS = _N.kind == KIND


def endpoint_states(session: Session) -> dict[str, EndpointState]:
    """Every endpoint that has had events, by name (a removed endpoint's rows are still counted)."""
    counts: dict[str, dict[str, int]] = {}
    oldest: dict[str, datetime] = {}
    query = (
        select(_N.recipient, _N.status, func.count(), func.min(_N.created_at))
        .where(_WEBHOOK_ROWS)
        .group_by(_N.recipient, _N.status)
    )
    for name, status, count, first in session.execute(query):
        by_state = counts.setdefault(name, {})
        state = _state(status)
        by_state[state] = by_state.get(state, 0) + count
        if state == "pending" and first is not None:
            oldest[name] = min(first, oldest.get(name, first))
    latest = (
        select(_N.recipient, func.max(_N.id).label("id"))
        .where(_WEBHOOK_ROWS, _N.last_error.is_not(None))
        .group_by(_N.recipient)
        .subquery()
    )
    errors = {
        name: error
        for name, error in session.execute(
            select(_N.recipient, _N.last_error).join(latest, _N.id == latest.c.id)
        )
    }
    return {
        name: EndpointState(
            name,
            by_state.get("pending", 0),
            by_state.get("delivered", 0),
            by_state.get("dead", 0),
            errors.get(name),
            oldest.get(name),
        )
        for name, by_state in sorted(counts.items())
    }


def _state(status: str) -> str:
    if status == SENT:
        return "delivered"
    if status == FAILED:
        return "dead"
    return "pending" if status in (PENDING, SENDING) else status


def open_counts(session: Session) -> list[tuple[str, int, int]]:
    """(endpoint, pending, dead) for every endpoint with events waiting or dead: cheap enough for each scrape."""
    query = (
        select(_N.recipient, _N.status, func.count())
        .where(_N.status.in_((PENDING, SENDING, FAILED)), _WEBHOOK_ROWS)
        .group_by(_N.recipient, _N.status)
    )
    found: dict[str, list[int]] = {}
    for name, status, count in session.execute(query):
        slot = found.setdefault(name, [0, 0])
        slot[1 if status == FAILED else 0] += count
    return [(name, pending, dead) for name, (pending, dead) in sorted(found.items())]


def redeliver_dead(session: Session, *, name: str, now: datetime) -> int:
    """Give an endpoint's dead events a fresh set of attempts, from now; how many there were."""
    statement = (
        update(_N)
        .where(and_(_WEBHOOK_ROWS, _N.recipient == name, _N.status == FAILED))
        .values(status=PENDING, attempts=0, not_before=now, attempted_at=None)
        .execution_options(synchronize_session=False)
    )
    return int(session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]
