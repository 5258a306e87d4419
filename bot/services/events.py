"""Events API deliveries seen so far: Slack retries an event with the same `event_id`, we act once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from bot.db import insert_if_missing
from bot.models import ProcessedEvent

# Slack's last retry comes 5 minutes after the first delivery, or hourly for a day with
# Delayed Events turned on; two days covers both with room to spare.
KEEP_EVENTS_FOR = timedelta(days=2)


def claim_event(session: Session, *, event_id: str, now: datetime) -> bool:
    """Record an event on receipt; True the first time its id is seen, False for any repeat."""
    values = {"event_id": event_id[:64], "received_at": now}
    return insert_if_missing(session, ProcessedEvent, conflict_on=["event_id"], values=values)


def prune_events(session: Session, *, now: datetime, keep: timedelta = KEEP_EVENTS_FOR) -> int:
    """Forget deliveries older than any retry Slack could still send; returns how many went."""
    result = session.execute(delete(ProcessedEvent).where(ProcessedEvent.received_at < now - keep))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
