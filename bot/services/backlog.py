"""How far behind the outbox is, in one cheap query: what `/metrics` reports at each scrape."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.clock import utc
from bot.models import Notification
from bot.services.outbox import PENDING, SENDING


@dataclass(frozen=True)
class Backlog:
    """Notifications not yet sent nor given up, and how long the oldest of them has waited."""

    waiting: int
    oldest_age_seconds: float


def outbox_backlog(session: Session, *, now: datetime) -> Backlog:
    """Count the waiting rows and find the oldest; the (status, not_before) index serves the filter."""
    count, oldest = session.execute(
        select(func.count(), func.min(Notification.created_at)).where(
            Notification.status.in_((PENDING, SENDING))
        )
    ).one()
    if not count or oldest is None:
        return Backlog(waiting=0, oldest_age_seconds=0.0)
    age = (now - utc(oldest)).total_seconds()
    return Backlog(waiting=int(count), oldest_age_seconds=max(0.0, age))
