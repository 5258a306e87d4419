"""CSV import of leads: every row is checked first, and a file with any bad row imports nothing."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import IO

from sqlalchemy.orm import Session

from bot.config import PipelineConfig
from bot.domain.leads import STATUSES, Status, company_key
from bot.models import Lead, StageChange
from bot.services.export import LEAD_COLUMNS, unshield_formula
from bot.services.reps import known_rep

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
MAX_TEXT = 200


@dataclass(frozen=True)
class RowError:
    line: int
    message: str


@dataclass(frozen=True)
class ImportResult:
    imported: int
    errors: tuple[RowError, ...]


def _time(text: str, column: str) -> datetime | None:
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"{column} must be an ISO-8601 time like 2026-11-30T14:00:00Z") from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _date(text: str, column: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"{column} must be an ISO date like 2026-12-04") from exc


def _value(text: str) -> Decimal | None:
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError("value must be a plain decimal like 12500.00") from exc
    if value < 0 or value >= Decimal(10) ** 12 or not value.is_finite():
        raise ValueError("value must be between 0 and 999,999,999,999")
    return value.quantize(Decimal("0.01"))


def _text(row: dict[str, str], column: str, limit: int = MAX_TEXT) -> str | None:
    value = unshield_formula((row.get(column) or "").strip())
    if len(value) > limit:
        raise ValueError(f"{column} is longer than {limit} characters")
    return value or None


def _lead_from_row(
    row: dict[str, str], *, pipeline: PipelineConfig, default_owner: str, now: datetime
) -> Lead:
    company = _text(row, "company")
    if not company:
        raise ValueError("company is empty")
    owner = _text(row, "owner") or default_owner
    if not owner:
        raise ValueError(
            "owner is empty; fill the owner column or set PIPEBOT_MANAGERS to own such leads"
        )
    if not _USER_ID.match(owner):
        raise ValueError(f"owner {owner!r} is not a Slack user ID like U012AB3CD")
    stage = _text(row, "stage") or pipeline.stages[0].key
    if stage not in pipeline.stage_by_key:
        raise ValueError(f"unknown stage {stage!r}; use one of {', '.join(pipeline.stage_by_key)}")
    status = _text(row, "status") or Status.OPEN
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}; use one of {', '.join(STATUSES)}")
    email = _text(row, "email", 254)
    if email and not _EMAIL.match(email):
        raise ValueError(f"email {email!r} does not look like an address")
    currency = (_text(row, "currency") or "USD").upper()
    if not _CURRENCY.match(currency):
        raise ValueError(f"currency {currency!r} must be a 3-letter code like USD")
    created = _time(row.get("created_at", ""), "created_at") or now
    touches = (row.get("touches") or "0").strip() or "0"
    if not touches.isdigit():
        raise ValueError("touches must be a whole number")
    return Lead(
        company=company, company_key=company_key(company), contact=_text(row, "contact"), email=email,
        phone=_text(row, "phone", 64), value=_value((row.get("value") or "").strip()), currency=currency,
        source=_text(row, "source", 100), owner_id=owner, created_by=owner, stage=stage, status=status,
        created_at=created, updated_at=now,
        stage_changed_at=_time(row.get("stage_changed_at", ""), "stage_changed_at") or created,
        last_touch_at=_time(row.get("last_touch_at", ""), "last_touch_at"),
        next_follow_up=_date((row.get("next_follow_up") or "").strip(), "next_follow_up"),
        touch_count=int(touches), lost_reason=_text(row, "lost_reason", 500), close_pushes=0,
        closed_at=now if status != Status.OPEN else None,
    )  # fmt: skip


def read_rows(source: IO[str]) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    """Rows with their line numbers, or a header error."""
    reader = csv.DictReader(source)
    header = reader.fieldnames or []
    if "company" not in header:
        return [], [RowError(1, "the header must include a `company` column")]
    unknown = [name for name in header if name not in LEAD_COLUMNS]
    if unknown:
        return [], [
            RowError(1, f"unknown column {unknown[0]!r}; columns are {', '.join(LEAD_COLUMNS)}")
        ]
    return [(reader.line_num, row) for row in reader], []


def import_leads(
    session: Session,
    *,
    rows: Iterable[tuple[int, dict[str, str]]],
    pipeline: PipelineConfig,
    default_owner: str,
    now: datetime,
    dry_run: bool = False,
) -> ImportResult:
    """Validate every row; insert them all only when none is bad (and not a dry run)."""
    leads, errors = [], []
    for line, row in rows:
        try:
            leads.append(
                _lead_from_row(row, pipeline=pipeline, default_owner=default_owner, now=now)
            )
        except ValueError as exc:
            errors.append(RowError(line, str(exc)))
    if errors or dry_run:
        return ImportResult(0 if errors else len(leads), tuple(errors))
    for owner in sorted({lead.owner_id for lead in leads}):
        known_rep(session, user_id=owner, now=now)
    session.flush()
    session.add_all(leads)
    session.flush()
    session.add_all(
        StageChange(lead_id=lead.id, from_stage=None, to_stage=lead.stage, changed_at=lead.stage_changed_at, changed_by=lead.owner_id)
        for lead in leads
    )  # fmt: skip
    session.flush()
    return ImportResult(len(leads), ())
