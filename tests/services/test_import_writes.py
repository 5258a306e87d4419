"""An import's bulk inserts store exactly what SQLAlchemy's own executemany stores."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, insert, select, text
from sqlalchemy.orm import Session

from bot.models import Lead, LeadEvent, Rep
from bot.services.importer import _insert_many

NOW = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)


def _leads(first_id: int) -> list[dict[str, Any]]:
    """Leads as an import builds them: every column the importer names, some empty."""
    return [
        {"id": first_id + i, "company": f"Acme {i}", "company_key": f"acme {i}",
         "contact": "Ann" if i % 2 else None, "email": None, "phone": "+1 415 555 0100",
         "value": Decimal("12500.50") if i % 3 else None, "currency": "EUR" if i == 1 else "USD",
         "source": "csv", "owner_id": "UOWNER1", "created_by": "UOWNER1", "stage": "proposal",
         "status": "won" if i == 2 else "open", "created_at": datetime(2026, 1, 2, 3, 4, 5, 6, UTC),
         "updated_at": NOW, "stage_changed_at": NOW, "last_touch_at": None if i else NOW,
         "next_follow_up": date(2026, 12, 1) if i % 2 else None, "touch_count": i,
         "lost_reason": None, "lost_category": None, "close_pushes": 0,
         "closed_at": NOW if i == 2 else None}
        for i in range(4)
    ]  # fmt: skip


def _stored(session: Session, table: str, ids: list[int]) -> list[tuple[Any, ...]]:
    """Rows as the database holds them, without their ids, in id order."""
    rows = session.execute(
        text(f"SELECT * FROM {table} WHERE id BETWEEN :low AND :high ORDER BY id"),
        {"low": min(ids), "high": max(ids)},
    ).all()
    return [tuple(row[1:]) for row in rows]


def test_bulk_inserted_leads_and_events_are_stored_as_sqlalchemy_stores_them(
    engine: Engine,
) -> None:
    with Session(engine) as session, session.begin():
        session.add(Rep(id="UOWNER1", name="", role="rep", is_active=True, created_at=NOW))
        session.flush()
        _insert_many(session, Lead.__table__, _leads(1))
        session.execute(insert(Lead.__table__), _leads(101))
        fast, plain = _stored(session, "leads", [1, 4]), _stored(session, "leads", [101, 104])
        assert fast == plain
        events = [
            {"lead_id": lead_id, "kind": "imported", "actor_id": None, "at": NOW,
             "detail": {"import": "x", "line": lead_id, "before": {"value": "1.00"}}}
            for lead_id in (1, 2)
        ]  # fmt: skip
        _insert_many(session, LeadEvent.__table__, events)
        session.execute(insert(LeadEvent.__table__), events)
        ids = list(session.scalars(select(LeadEvent.id).order_by(LeadEvent.id)))
        stored = _stored(session, "lead_events", ids)
        assert stored[:2] == stored[2:]
