"""An import's bulk inserts store exactly what SQLAlchemy's own executemany stores."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, insert, select, text
from sqlalchemy.orm import Session

from bot.config import load_pipeline
from bot.models import Lead, LeadEvent, Rep, StageChange
from bot.services.bulk_insert import insert_many
from bot.services.import_rows import NewRow, new_lead_values
from bot.services.importer import ready_batch, write_batch

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
        insert_many(session, Lead.__table__, _leads(1))
        session.execute(insert(Lead.__table__), _leads(101))
        fast, plain = _stored(session, "leads", [1, 4]), _stored(session, "leads", [101, 104])
        assert fast == plain
        events = [
            {"lead_id": lead_id, "kind": "imported", "actor_id": None, "at": NOW,
             "detail": {"import": "x", "line": lead_id, "before": {"value": "1.00"}}}
            for lead_id in (1, 2)
        ]  # fmt: skip
        insert_many(session, LeadEvent.__table__, events)
        session.execute(insert(LeadEvent.__table__), events)
        ids = list(session.scalars(select(LeadEvent.id).order_by(LeadEvent.id)))
        stored = _stored(session, "lead_events", ids)
        assert stored[:2] == stored[2:]


def test_a_detail_shared_by_many_rows_is_stored_for_each_as_sqlalchemy_stores_it(
    engine: Engine,
) -> None:
    # A nudge DM's one detail object goes with each of its leads; another is equal but not it.
    shared = {"key": "stale-nudges:UOWNER1:2026-12-01", "marks": [1, 2], "note": "café <&>"}
    equal = dict(shared)
    with Session(engine) as session, session.begin():
        session.add(Rep(id="UOWNER1", name="", role="rep", is_active=True, created_at=NOW))
        session.flush()
        session.execute(insert(Lead.__table__), _leads(1))
        events = [
            {"lead_id": lead_id, "kind": "nudged", "actor_id": None, "at": NOW, "detail": detail}
            for lead_id, detail in ((1, shared), (2, shared), (3, equal), (4, None))
        ]
        insert_many(session, LeadEvent.__table__, events)
        session.execute(insert(LeadEvent.__table__), events)
        ids = list(session.scalars(select(LeadEvent.id).order_by(LeadEvent.id)))
        stored = _stored(session, "lead_events", ids)
        assert stored[:4] == stored[4:]
        assert session.get(LeadEvent, ids[1]).detail == shared


def test_a_batch_readied_before_its_transaction_stores_what_sqlalchemy_stores(
    engine: Engine,
) -> None:
    # The same instant in two zones, a naive-looking UTC time, days, empty cells.
    tokyo = timezone(timedelta(hours=9))
    moments = [datetime(2026, 1, 2, 12, 0, tzinfo=UTC), datetime(2026, 1, 2, 21, 0, tzinfo=tokyo)]
    pipeline = load_pipeline(None)
    rows = [
        NewRow(line, new_lead_values(
            {"company": f"Acme {line}", "owner_id": "UOWNER1", "created_at": moments[line % 2],
             "next_follow_up": date(2026, 12, line % 3 + 1) if line % 4 else None,
             "value": Decimal("12500.50") if line % 3 else None, "status": "won" if line == 3 else None},
            pipeline=pipeline, default_owner="UOWNER1", now=NOW,
        ))
        for line in range(2, 8)
    ]  # fmt: skip
    with Session(engine) as session, session.begin():
        session.add(Rep(id="UOWNER1", name="", role="rep", is_active=True, created_at=NOW))
        session.flush()
        ready = ready_batch(session.get_bind().dialect, rows=rows, import_id="x", now=NOW)
        assert write_batch(session, rows=rows, import_id="x", now=NOW, ready=ready).created == 6
        ids = list(session.scalars(select(Lead.id).order_by(Lead.id)))
        plain = [{"id": 101 + i, **row.values} for i, row in enumerate(rows)]
        session.execute(insert(Lead.__table__), plain)
        session.execute(insert(StageChange.__table__), [
            {"lead_id": lead["id"], "from_stage": None, "to_stage": lead["stage"],
             "changed_at": lead["stage_changed_at"], "changed_by": lead["owner_id"]}
            for lead in plain
        ])  # fmt: skip
        session.execute(insert(LeadEvent.__table__), [
            {"lead_id": lead["id"], "kind": "imported", "actor_id": None, "at": NOW,
             "detail": {"import": "x", "line": row.line}}
            for lead, row in zip(plain, rows, strict=True)
        ])  # fmt: skip
        assert _stored(session, "leads", ids) == _stored(session, "leads", [101, 106])

        def history(table: str, lead_ids: list[int]) -> list[tuple[Any, ...]]:
            stored = session.execute(
                text(f"SELECT * FROM {table} WHERE lead_id BETWEEN :low AND :high ORDER BY id"),
                {"low": min(lead_ids), "high": max(lead_ids)},
            ).all()
            return [tuple(row[2:]) for row in stored]  # without the ids

        for table in ("stage_changes", "lead_events"):
            assert history(table, ids) == history(table, [101, 106])
            assert len(history(table, ids)) == 6
