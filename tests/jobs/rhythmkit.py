"""Times, reps and small readers shared by the rhythm rule scenarios."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.models import Lead, LeadEvent, Touchpoint

NY = ZoneInfo("America/New_York")
SEOUL = ZoneInfo("Asia/Seoul")
MON_FRI = frozenset(range(5))
SUN_THU = frozenset({6, 0, 1, 2, 3})
REP = "UNY000001"
# 2026-11-30 is a Monday; New York is UTC-5 in December.
MON = date(2026, 11, 30)
FRI = date(2026, 12, 4)


def ny(text: str) -> datetime:
    """A New York wall-clock time as a UTC instant."""
    return datetime.fromisoformat(text).replace(tzinfo=NY).astimezone(UTC)


def add_touch(session, lead_id: int, *, kind: str, at: datetime) -> None:
    """A touch row as the touch service writes it (contact clocks follow a contact)."""
    session.add(
        Touchpoint(
            lead_id=lead_id, kind=kind, note="", occurred_at=at, author_id=REP, created_at=at
        )
    )
    lead = session.get(Lead, lead_id)
    lead.touch_count += 1
    if kind != "note":
        lead.last_touch_at = max(lead.last_touch_at or at, at)
        lead.first_touch_at = min(lead.first_touch_at or at, at)
    session.flush()


def lead_row(db, lead_id: int) -> Lead:
    with db() as session:
        lead = session.get(Lead, lead_id)
        session.expunge(lead)
        return lead


def events(db, lead_id: int, kind: str) -> list[LeadEvent]:
    with db() as session:
        rows = list(
            session.scalars(
                select(LeadEvent).where(LeadEvent.lead_id == lead_id, LeadEvent.kind == kind)
            )
        )
        for row in rows:
            session.expunge(row)
        return rows
