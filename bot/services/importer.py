"""The writes of a lead import, batch by batch, and taking an import back.

Services take a session and never commit. Every lead an import adds or changes gets an
`imported` lead event carrying the import's id and, for an update, what the lead held before,
so an import can be taken back from the database alone.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Dialect, Table, delete, exists, func, insert, select, update
from sqlalchemy.orm import Session

from bot.db import insert_if_missing
from bot.domain.leads import Role
from bot.models import Lead, LeadEvent, Rep, StageChange
from bot.services.bulk_insert import BulkPlan, bulk_plan, by_column, insert_many
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


@dataclass(frozen=True)
class _Ready:
    """Rows for one table made ready for the driver before the transaction, but for one column
    (a lead id) that only the transaction knows: column by column, or as the rows themselves
    where SQLAlchemy's executemany is to do it."""

    table: Table
    late: str
    plan: BulkPlan | None
    # The plan's parameters column by column; without a plan, the rows.
    values: list[Any]

    @classmethod
    def of(
        cls,
        dialect: Dialect,
        table: Table,
        late: str,
        given: Mapping[str, Sequence[Any]],
        count: int,
        *,
        seen: dict[Any, Any],
    ) -> _Ready:
        """Rows given column by column (each `count` long), all but the `late` column."""
        plan = bulk_plan(dialect, table, (late, *given)) if count else None
        if plan is None or late in plan.processors:
            names = list(given)
            rows = [
                dict(zip(names, values, strict=True))
                for values in zip(*given.values(), strict=True)
            ]
            return cls(table, late, None, rows)
        return cls(table, late, plan, plan.values(given, count, seen=seen))

    def __len__(self) -> int:
        if self.plan is None:
            return len(self.values)
        return len(self.values[0]) if self.values else 0

    def insert(self, session: Session, lates: Sequence[Any], *, part: slice = slice(None)) -> None:
        if not lates:
            return
        if self.plan is None:
            rows = self.values[part]
            session.execute(insert(self.table), [
                {**row, self.late: late} for row, late in zip(rows, lates, strict=True)
            ])  # fmt: skip
            return
        columns = [column[part] for column in self.values]
        columns[self.plan.order.index(self.late)] = list(lates)
        self.plan.write(session, list(zip(*columns, strict=True)))


@dataclass(frozen=True)
class Ready:
    """A batch made ready outside any transaction: its updates, and its new leads, their first
    stage changes and `imported` events as the driver takes them, but for the leads' ids."""

    updates: tuple[UpdateRow, ...]
    kept: tuple[int, ...]
    leads: _Ready
    stage_changes: _Ready
    events: _Ready

    @property
    def created(self) -> int:
        return len(self.leads)


def ready_batch(dialect: Dialect, *, rows: Sequence[Row], import_id: str, now: datetime) -> Ready:
    """What `write_batch` writes for these rows, prepared ahead of its transaction.

    New leads keeping their numbers go in first, so no new number is handed out that one of
    them needs.
    """
    news = [row for row in rows if isinstance(row, NewRow)]
    news = [row for row in news if "id" in row.values] + [
        row for row in news if "id" not in row.values
    ]
    kept = [row.values["id"] for row in news if "id" in row.values]
    count = len(news)
    names = [name for name in news[0].values if name != "id"] if news else []
    leads = by_column([row.values for row in news], names)
    changes = {
        "from_stage": [None] * count, "to_stage": leads.get("stage", ()),
        "changed_at": leads.get("stage_changed_at", ()), "changed_by": leads.get("owner_id", ()),
    }  # fmt: skip
    events = {
        "kind": [IMPORTED_EVENT] * count, "actor_id": [None] * count, "at": [now] * count,
        "detail": [{"import": import_id, "line": row.line} for row in news],
    }  # fmt: skip
    seen: dict[Any, Any] = {}
    return Ready(
        updates=tuple(row for row in rows if isinstance(row, UpdateRow)),
        kept=tuple(kept),
        leads=_Ready.of(dialect, _LEADS, "id", leads, count, seen=seen),
        stage_changes=_Ready.of(dialect, _STAGE_CHANGES, "lead_id", changes, count, seen=seen),
        events=_Ready.of(dialect, _LEAD_EVENTS, "lead_id", events, count, seen=seen),
    )


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


def _insert_leads(session: Session, ready: Ready) -> list[int]:
    """Insert a batch's new leads in a few multi-row statements; their ids in the batch's order."""
    kept = list(ready.kept)
    if kept:
        ready.leads.insert(session, kept, part=slice(len(kept)))
        if session.get_bind().dialect.name == "postgresql":
            # Numbers handed out after these must come after them.
            sequence = func.pg_get_serial_sequence(_LEADS.name, "id")
            highest = select(func.max(_LEADS.c.id)).scalar_subquery()
            session.execute(select(func.setval(sequence, highest)))
    fresh = _next_ids(session, ready.created - len(kept))
    ready.leads.insert(session, fresh, part=slice(len(kept), None))
    return kept + fresh


def write_batch(
    session: Session,
    *,
    rows: Sequence[Row],
    import_id: str,
    now: datetime,
    ready: Ready | None = None,
) -> Batch:
    """Insert the new leads and apply the updates of one batch, each with its `imported` event.

    `ready` is `ready_batch` of the same rows, done before the transaction so that it only writes.
    """
    if ready is None:
        ready = ready_batch(session.get_bind().dialect, rows=rows, import_id=import_id, now=now)
    events: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    if ready.updates:
        updates = ready.updates
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
        # Their events go before the new leads', as the rows came.
        insert_many(session, _LEAD_EVENTS, events)
    if ready.created:
        ids = _insert_leads(session, ready)
        ready.stage_changes.insert(session, ids)
        ready.events.insert(session, ids)
    return Batch(
        created=ready.created, updated=len(changed), unchanged=len(ready.updates) - len(changed)
    )


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
