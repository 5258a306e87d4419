"""The writes of a lead import, batch by batch, and taking an import back.

Services take a session and never commit. Every lead an import adds or changes gets an
`imported` lead event carrying the import's id and, for an update, what the lead held before,
so an import can be taken back from the database alone.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, delete, exists, func, insert, select, update
from sqlalchemy.orm import Session

from bot.db import insert_if_missing
from bot.domain.leads import Role
from bot.models import Lead, LeadEvent, Rep, StageChange
from bot.services.import_rows import (
    SEARCHED_ORDER,
    NewRow,
    Row,
    UpdateRow,
    planned_changes,
    search_text_change,
)
from bot.services.rhythm import IMPORTED_EVENT

# Times an `imported` event's `before` keeps as ISO text.
_TIMES = frozenset({"created_at", "updated_at", "stage_changed_at", "last_touch_at", "closed_at"})


class ImportConflict(Exception):
    """A lead changed between the check and the write so that a row no longer applies."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


@dataclass(frozen=True)
class Batch:
    """What one write transaction did."""

    created: int
    updated: int
    unchanged: int


@dataclass(frozen=True)
class UndoBatch:
    """What one undo transaction did; `last_event` is where the next one starts."""

    last_event: int
    removed: int
    restored: int
    kept: tuple[int, ...]
    at: datetime | None


# ---- reading the database -----------------------------------------------------------------

# What an import can change on a lead, and so what an update's `before` may hold.
_STATE = (
    Lead.company, Lead.company_key, Lead.contact, Lead.email, Lead.phone, Lead.value,
    Lead.currency, Lead.stage, Lead.status, Lead.owner_id, Lead.source, Lead.created_at,
    Lead.stage_changed_at, Lead.last_touch_at, Lead.next_follow_up, Lead.touch_count,
    Lead.lost_reason, Lead.lost_category, Lead.closed_at, Lead.updated_at,
)  # fmt: skip


def has_leads(session: Session) -> bool:
    """Whether the database holds any lead yet."""
    return session.scalar(select(Lead.id).limit(1)) is not None


def current_leads(
    session: Session, *, lead_ids: Collection[int], lock: bool = False
) -> dict[int, dict[str, Any]]:
    """What these leads hold now, in the attributes an import can change (locked when `lock`)."""
    query = select(Lead.id, *_STATE).where(Lead.id.in_(sorted(lead_ids)))
    if lock:
        query = query.with_for_update()
    return {row.id: row._asdict() for row in session.execute(query)}


# ---- writing ------------------------------------------------------------------------------


def add_missing_reps(
    session: Session, *, user_ids: Collection[str], managers: Collection[str], now: datetime
) -> None:
    """A rep record for every owner the file names that has none yet."""
    known = set(session.scalars(select(Rep.id).where(Rep.id.in_(sorted(user_ids)))))
    for user_id in sorted(set(user_ids) - known):
        role = Role.MANAGER if user_id in managers else Role.REP
        values = {"id": user_id, "name": "", "role": role, "created_at": now, "is_active": True}
        insert_if_missing(session, Rep, conflict_on=["id"], values=values)


def _event(lead_id: int, import_id: str, line: int, now: datetime, **detail: Any) -> dict[str, Any]:
    return {"lead_id": lead_id, "kind": IMPORTED_EVENT, "actor_id": None, "at": now,
            "detail": {"import": import_id, "line": line, **detail}}  # fmt: skip


# Bulk inserts go to the tables themselves: the ORM's bulk path adds a third to the time and
# nothing an import needs.
_LEADS, _STAGE_CHANGES, _LEAD_EVENTS = Lead.__table__, StageChange.__table__, LeadEvent.__table__


def _insert_many(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows that all name the same columns, in one executemany.

    On SQLite the statement is compiled once and each row goes to the driver as a tuple, its
    values converted by the columns' own bind processors and the columns' scalar defaults filled
    in, as SQLAlchemy would: its per-row parameter handling costs more than SQLite's insert.
    Elsewhere (and for rows naming different columns) SQLAlchemy's executemany does it all.
    """
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    keys = rows[0].keys()
    if dialect.paramstyle != "qmark" or any(row.keys() != keys for row in rows):
        session.execute(insert(table), rows)
        return
    compiled = insert(table).compile(dialect=dialect, column_keys=list(keys))
    order = compiled.positiontup or []
    defaults = {
        column.key: column.default.arg  # type: ignore[union-attr]
        for column in table.columns
        if column.key not in keys and column.default is not None and column.default.is_scalar
    }
    if set(order) - set(keys) - set(defaults):  # a default SQLAlchemy must compute itself
        session.execute(insert(table), rows)
        return
    fill = [(name, defaults.get(name)) for name in order]
    converters = [
        (position, process)
        for position, name in enumerate(order)
        if (process := table.c[name].type._cached_bind_processor(dialect)) is not None
    ]
    params = []
    for row in rows:
        values = [row.get(name, default) for name, default in fill]
        for position, process in converters:
            values[position] = process(values[position])
        params.append(tuple(values))
    connection.exec_driver_sql(compiled.string, params)


def _next_ids(session: Session, count: int) -> list[int]:
    """Ids for `count` new leads, taken before the insert so no RETURNING is needed.

    RETURNING cannot be tied to its rows on SQLite (SQLAlchemy would send one statement per
    row) and makes the insert four times slower on PostgreSQL.
    """
    if not count:
        return []
    if session.get_bind().dialect.name == "postgresql":
        sequence = func.pg_get_serial_sequence(_LEADS.name, "id")
        taken = select(func.nextval(sequence)).select_from(func.generate_series(1, count))
        return sorted(session.scalars(taken))
    # This transaction holds SQLite's only write lock (BEGIN IMMEDIATE), so the next ids are
    # known: the ones SQLite would have chosen.
    first = (session.scalar(select(func.max(_LEADS.c.id))) or 0) + 1
    return list(range(first, first + count))


def _insert_leads(session: Session, values: list[dict[str, Any]]) -> list[int]:
    """Insert leads in a few multi-row statements; their ids in the order given."""
    kept = [v for v in values if "id" in v]
    if kept:
        _insert_many(session, _LEADS, kept)
        if session.get_bind().dialect.name == "postgresql":
            # Numbers handed out after these must come after them.
            sequence = func.pg_get_serial_sequence(_LEADS.name, "id")
            highest = select(func.max(_LEADS.c.id)).scalar_subquery()
            session.execute(select(func.setval(sequence, highest)))
    fresh = iter(_next_ids(session, len(values) - len(kept)))
    rows = [v if "id" in v else {"id": next(fresh), **v} for v in values]
    if len(kept) < len(values):
        added = [row for row, v in zip(rows, values, strict=True) if "id" not in v]
        _insert_many(session, _LEADS, added)
    return [row["id"] for row in rows]


def write_batch(session: Session, *, rows: Sequence[Row], import_id: str, now: datetime) -> Batch:
    """Insert the new leads and apply the updates of one batch, each with its `imported` event."""
    events: list[dict[str, Any]] = []
    updates = [row for row in rows if isinstance(row, UpdateRow)]
    news = [row for row in rows if isinstance(row, NewRow)]
    changed: list[dict[str, Any]] = []
    if updates:
        current = current_leads(session, lead_ids=[row.lead_id for row in updates], lock=True)
        for row in updates:
            state = current.get(row.lead_id)
            if state is None:
                raise ImportConflict(row.line, f"lead #{row.lead_id} is no longer there")
            try:
                changes = planned_changes(row.fields, state, now=now)
            except ValueError as exc:
                raise ImportConflict(row.line, str(exc)) from None
            if changes:
                before = {attr: _stored(state[attr]) for attr in changes if attr in state}
                changes.update(search_text_change(changes, state))
                changed.append({"id": row.lead_id, **changes})
                events.append(_event(row.lead_id, import_id, row.line, now, before=before))
        if changed:
            session.execute(update(Lead), changed)
    if news:
        ids = _insert_leads(session, [row.values for row in news])
        _insert_many(session, _STAGE_CHANGES, [
            {"lead_id": lead_id, "from_stage": None, "to_stage": row.values["stage"],
             "changed_at": row.values["stage_changed_at"], "changed_by": row.values["owner_id"]}
            for lead_id, row in zip(ids, news, strict=True)
        ])  # fmt: skip
        events.extend(
            _event(lead_id, import_id, row.line, now)
            for lead_id, row in zip(ids, news, strict=True)
        )
    if events:
        _insert_many(session, _LEAD_EVENTS, events)
    return Batch(created=len(news), updated=len(changed), unchanged=len(updates) - len(changed))


# ---- taking an import back ----------------------------------------------------------------


def _stored(value: Any) -> Any:
    """A value as JSON keeps it in an event's detail."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _restored(attr: str, value: Any) -> Any:
    if value is None:
        return None
    if attr in _TIMES:
        return datetime.fromisoformat(value)
    if attr == "next_follow_up":
        return date.fromisoformat(value)
    if attr == "value":
        return Decimal(value)
    return value


def undo_batch(session: Session, *, import_id: str, after_event: int, limit: int) -> UndoBatch:
    """Take back up to `limit` leads of an import: remove those it added, restore those it changed.

    A lead someone has changed since (its `updated_at` is no longer the import's) is kept as it is
    and reported: their work is never thrown away.
    """
    events = session.execute(
        select(LeadEvent.id, LeadEvent.lead_id, LeadEvent.at, LeadEvent.detail)
        .where(
            LeadEvent.kind == IMPORTED_EVENT,
            LeadEvent.detail["import"].as_string() == import_id,
            LeadEvent.id > after_event,
        )
        .order_by(LeadEvent.id)
        .limit(limit)
    ).all()
    if not events:
        return UndoBatch(after_event, 0, 0, (), None)
    rows = session.execute(
        select(Lead.id, Lead.updated_at, Lead.company, Lead.contact, Lead.email, Lead.phone,
               Lead.source)
        .where(Lead.id.in_(sorted({e.lead_id for e in events})))
        .with_for_update()
    ).all()  # fmt: skip
    stamps = {row[0]: row[1] for row in rows}
    searched = {row[0]: dict(zip(SEARCHED_ORDER, row[2:], strict=True)) for row in rows}
    untouched = [e for e in events if stamps.get(e.lead_id) == e.at]
    kept = tuple(
        sorted({e.lead_id for e in events if e.lead_id in stamps} - {e.lead_id for e in untouched})
    )
    added = [e.lead_id for e in untouched if "before" not in e.detail]
    changed = [e for e in untouched if "before" in e.detail]
    if added:
        # Their stage changes and events go with them (ON DELETE CASCADE).
        session.execute(
            delete(Lead).where(Lead.id.in_(added)), execution_options={"synchronize_session": False}
        )
    if changed:
        restored = []
        for e in changed:
            values = {a: _restored(a, v) for a, v in e.detail["before"].items()}
            values.update(search_text_change(values, searched[e.lead_id]))
            restored.append({"id": e.lead_id, **values})
        session.execute(update(Lead), restored)
        session.execute(delete(LeadEvent).where(LeadEvent.id.in_([e.id for e in changed])))
    return UndoBatch(events[-1].id, len(added), len(changed), kept, events[0].at)


def remove_unused_reps(session: Session, *, created_at: datetime) -> int:
    """Remove rep records an import made (at `created_at`) that own no lead and were never used."""
    result = session.execute(
        delete(Rep).where(
            Rep.created_at == created_at,
            Rep.profile_refreshed_at.is_(None),
            ~exists().where(Lead.owner_id == Rep.id),
        ),
        execution_options={"synchronize_session": False},
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
