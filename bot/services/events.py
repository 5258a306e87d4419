"""Events API deliveries seen so far: Slack retries an event with the same `event_id`, we act once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.models import ProcessedEvent

# Slack's last retry comes 5 minutes after the first delivery, or hourly for a day with
# Delayed Events turned on; two days covers both with room to spare.
KEEP_EVENTS_FOR = timedelta(days=2)


def claim_event(session: Session, *, event_id: str, now: datetime) -> bool:
    """Record an event on receipt; True the first time its id is seen, False for any repeat."""
    values = {"event_id": event_id[:64], "received_at": now}
    if session.get_bind().dialect.name == "postgresql":
        statement = pg_insert(ProcessedEvent).values(**values).on_conflict_do_nothing()
    else:
        statement = sqlite_insert(ProcessedEvent).values(**values).on_conflict_do_nothing()
    # rowcount is unreliable under psycopg 3; a returned key is the sign the row was added.
    return session.execute(statement.returning(ProcessedEvent.event_id)).first() is not None


def prune_events(session: Session, *, now: datetime, keep: timedelta = KEEP_EVENTS_FOR) -> int:
    """Forget deliveries older than any retry Slack could still send; returns how many went."""
    result = session.execute(delete(ProcessedEvent).where(ProcessedEvent.received_at < now - keep))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
