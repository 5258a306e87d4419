"""CSV export with exactly the columns of the operational contract, and the same rows as JSON for webhooks."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Lead, LeadEvent, StageChange, Touchpoint

LEAD_COLUMNS = (
    "id", "company", "contact", "email", "phone", "value", "currency", "stage", "status", "owner",
    "source", "created_at", "stage_changed_at", "last_touch_at", "next_follow_up", "touches", "lost_reason",
    "lost_category",
)  # fmt: skip
TOUCH_COLUMNS = ("id", "lead_id", "kind", "note", "occurred_at", "author")
STAGE_CHANGE_COLUMNS = ("id", "lead_id", "from_stage", "to_stage", "changed_at", "changed_by")
EVENT_COLUMNS = ("id", "lead_id", "kind", "actor", "at", "detail")
EXPORTS = ("leads", "touches", "stage-changes", "events")
BATCH = 1000

# The lead's columns in LEAD_COLUMNS order.
_LEAD_FIELDS = (
    Lead.id, Lead.company, Lead.contact, Lead.email, Lead.phone, Lead.value, Lead.currency,
    Lead.stage, Lead.status, Lead.owner_id, Lead.source, Lead.created_at, Lead.stage_changed_at,
    Lead.last_touch_at, Lead.next_follow_up, Lead.touch_count, Lead.lost_reason, Lead.lost_category,
)  # fmt: skip


# A spreadsheet runs a cell that starts with one of these as a formula; a leading apostrophe
# makes it text again (and the importer takes it off).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def shield_formula(text: str) -> str:
    """Text that a spreadsheet will show, never run."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def unshield_formula(text: str) -> str:
    """The text `shield_formula` protected."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def cell(value: object) -> str:
    """A value as it is written in a CSV cell."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, str):
        return shield_formula(value)
    return str(value)


def json_value(value: object) -> Any:
    """A value as a webhook carries it: text as the CSV cell shows it (never shielded), null when empty.

    Money stays a plain decimal string so no receiver rounds it through a float.
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, datetime | date | Decimal):
        return cell(value)
    return str(value)


def lead_record(session: Session, *, lead_id: int) -> dict[str, Any] | None:
    """One lead as its export row, keyed by LEAD_COLUMNS, with JSON values; None when there is none."""
    row = session.execute(select(*_LEAD_FIELDS).where(Lead.id == lead_id)).first()
    if row is None:
        return None
    return {column: json_value(value) for column, value in zip(LEAD_COLUMNS, row, strict=True)}


def lead_rows(session: Session, *, owner_id: str | None = None) -> Iterator[list[str]]:
    """Every lead (or one owner's) as a row of LEAD_COLUMNS, streamed in id order."""
    query = select(*_LEAD_FIELDS).order_by(Lead.id)
    if owner_id is not None:
        query = query.where(Lead.owner_id == owner_id)
    for row in session.execute(query.execution_options(yield_per=BATCH)):
        yield [cell(value) for value in row]


def touch_rows(session: Session) -> Iterator[list[str]]:
    """Every touch as a row of TOUCH_COLUMNS, streamed in id order."""
    query = select(
        Touchpoint.id,
        Touchpoint.lead_id,
        Touchpoint.kind,
        Touchpoint.note,
        Touchpoint.occurred_at,
        Touchpoint.author_id,
    ).order_by(Touchpoint.id)
    for row in session.execute(query.execution_options(yield_per=BATCH)):
        yield [cell(value) for value in row]


def stage_change_rows(session: Session) -> Iterator[list[str]]:
    """Every move of every lead (its first stage, each move, each close) as STAGE_CHANGE_COLUMNS, in id order."""
    query = select(
        StageChange.id,
        StageChange.lead_id,
        StageChange.from_stage,
        StageChange.to_stage,
        StageChange.changed_at,
        StageChange.changed_by,
    ).order_by(StageChange.id)
    for row in session.execute(query.execution_options(yield_per=BATCH)):
        yield [cell(value) for value in row]


def event_rows(session: Session) -> Iterator[list[str]]:
    """The rest of every lead's history (assignments, outcomes, snoozes, notes, imports) as EVENT_COLUMNS.

    `detail` is the event's own JSON object, as one cell.
    """
    query = select(
        LeadEvent.id, LeadEvent.lead_id, LeadEvent.kind, LeadEvent.actor_id, LeadEvent.at,
        LeadEvent.detail,
    ).order_by(LeadEvent.id)  # fmt: skip
    for *fields, detail in session.execute(query.execution_options(yield_per=BATCH)):
        text = "" if detail is None else json.dumps(detail, ensure_ascii=False, sort_keys=True)
        yield [cell(value) for value in fields] + [shield_formula(text)]


def write_csv(session: Session, *, what: str, out: IO[str], owner_id: str | None = None) -> int:
    """Write one of EXPORTS (`leads` all, or one owner's) as CSV to `out`; returns the number of rows."""
    if what == "leads":
        columns, rows = LEAD_COLUMNS, lead_rows(session, owner_id=owner_id)
    elif what == "touches":
        columns, rows = TOUCH_COLUMNS, touch_rows(session)
    elif what == "stage-changes":
        columns, rows = STAGE_CHANGE_COLUMNS, stage_change_rows(session)
    elif what == "events":
        columns, rows = EVENT_COLUMNS, event_rows(session)
    else:
        raise ValueError(f"nothing to export called {what!r}; use {', '.join(EXPORTS)}")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count
