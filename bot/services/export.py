"""CSV export with exactly the columns of the operational contract."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Lead, Touchpoint

LEAD_COLUMNS = (
    "id", "company", "contact", "email", "phone", "value", "currency", "stage", "status", "owner",
    "source", "created_at", "stage_changed_at", "last_touch_at", "next_follow_up", "touches", "lost_reason",
    "lost_category",
)  # fmt: skip
TOUCH_COLUMNS = ("id", "lead_id", "kind", "note", "occurred_at", "author")
BATCH = 1000


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


def lead_rows(session: Session, *, owner_id: str | None = None) -> Iterator[list[str]]:
    """Every lead (or one owner's) as a row of LEAD_COLUMNS, streamed in id order."""
    query = select(
        Lead.id, Lead.company, Lead.contact, Lead.email, Lead.phone, Lead.value, Lead.currency,
        Lead.stage, Lead.status, Lead.owner_id, Lead.source, Lead.created_at, Lead.stage_changed_at,
        Lead.last_touch_at, Lead.next_follow_up, Lead.touch_count, Lead.lost_reason,
        Lead.lost_category,
    ).order_by(Lead.id)  # fmt: skip
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


def write_csv(session: Session, *, what: str, out: IO[str], owner_id: str | None = None) -> int:
    """Write `leads` (all, or one owner's) or `touches` as CSV to `out`; returns the number of rows."""
    if what == "leads":
        columns, rows = LEAD_COLUMNS, lead_rows(session, owner_id=owner_id)
    elif what == "touches":
        columns, rows = TOUCH_COLUMNS, touch_rows(session)
    else:
        raise ValueError(f"nothing to export called {what!r}; use leads or touches")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count
