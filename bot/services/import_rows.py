"""Reading a lead CSV for import: every cell checked, every problem a line number and a message.

Pure: no session. Rows come back in file order as new leads (whole, defaults filled in) or as
updates (the cells given), and `planned_changes` says what an update does to a lead as it stands.
"""

from __future__ import annotations

import csv
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from bot.config import PipelineConfig
from bot.domain.errors import ParseError
from bot.domain.leads import (
    LEAD_ID_MAX,
    LOST,
    OPEN,
    STATUSES,
    company_key,
    lead_search_text,
    parse_lead_id,
)
from bot.domain.lost import LOST_CATEGORIES, lost_category
from bot.domain.parsing import read_email, read_phone
from bot.domain.parsing.commands import MAX_REASON_LENGTH
from bot.domain.parsing.lead import MAX_COMPANY_LENGTH, MAX_CONTACT_LENGTH, MAX_SOURCE_LENGTH
from bot.domain.parsing.text import shown, tidy_block, tidy_line
from bot.services.export import LEAD_COLUMNS, cell, unshield_formula

# Export's columns, then what import also accepts (new columns only ever go at the end).
IMPORT_COLUMNS = (*LEAD_COLUMNS, "closed_at")
MAX_ROWS = 1_000_000
FIRST_YEAR, LAST_YEAR = 1970, 2100
MAX_TOUCHES = 999_999
# Lead numbers a new database takes over from a file; above this there would be too little room
# left for the leads added after them.
KEEP_IDS_UP_TO = LEAD_ID_MAX // 2
MAX_VALUE = Decimal(10) ** 12
_CENT = Decimal("0.01")
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,31}")
_PLAIN_DECIMAL = re.compile(r"[0-9]{1,20}(?:\.[0-9]{0,10})?|\.[0-9]{1,10}")
_WHOLE = re.compile(r"[0-9]{1,6}")
_CURRENCY = re.compile(r"[A-Za-z]{3}")
# Distinct cells a column keeps the reading of: stages, owners, currencies and days repeat down
# a file and are read once each; names and emails do not, and stop being kept here.
READ_BEFORE_CELLS = 4096
# Rows read between giving the other threads of the process a turn.
YIELD_EVERY = 200
_UNREAD = object()

# On an update an empty cell clears an optional field; in these, which every lead has, it keeps
# what the lead holds.
KEEP_WHEN_EMPTY = frozenset(
    {"currency", "stage", "status", "owner_id", "created_at", "stage_changed_at", "touch_count",
     "closed_at"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem, on the line of the file where its row starts (the header is line 1)."""

    line: int
    message: str


@dataclass(frozen=True, slots=True)
class NewRow:
    """A row without an id: the whole new lead it makes."""

    line: int
    values: dict[str, Any]


@dataclass(frozen=True, slots=True)
class UpdateRow:
    """A row with an id: the cells it gives, read (None for an empty cell)."""

    line: int
    lead_id: int
    fields: dict[str, Any]


Row = NewRow | UpdateRow


# ---- reading cells ------------------------------------------------------------------------


def _text(limit: int, *, block: bool = False) -> Callable[[str], str | None]:
    tidy = tidy_block if block else tidy_line

    def read(text: str) -> str | None:
        # Cleaned the way Slack commands and forms clean text: controls, direction overrides
        # and (on one-line fields) line breaks go.
        value = tidy(text)
        if len(value) > limit:
            raise ValueError(f"is longer than {limit} characters")
        return value or None

    return read


def _email(text: str) -> str:
    try:
        return read_email(text)
    except ParseError:
        raise ValueError(f"{shown(text)} is not an email address like ann@acme.com") from None


def _phone(text: str) -> str:
    try:
        return read_phone(text)
    except ParseError:
        raise ValueError(f"{shown(text)} is not a phone number like +1 415 555 0100") from None


def _value(text: str) -> Decimal:
    if not _PLAIN_DECIMAL.fullmatch(text):
        raise ValueError(
            f"{shown(text)} is not a plain decimal like 12500.00 "
            "(digits and a point, without sign, exponent, currency or thousands separator)"
        )
    value = Decimal(text).quantize(_CENT, rounding=ROUND_HALF_UP)
    if value >= MAX_VALUE:
        raise ValueError(f"{shown(text)} is more than 999,999,999,999.99")
    return value


def _currency(text: str) -> str:
    if not _CURRENCY.fullmatch(text):
        raise ValueError(f"{shown(text)} is not a 3-letter code like USD")
    return text.upper()


def _owner(text: str) -> str:
    if not _USER_ID.fullmatch(text):
        raise ValueError(
            f"{shown(text)} is not a Slack member ID like U012AB3CD or a teammate's email address"
        )
    return text


# Finds the member ID of the teammate with an email (None: nobody has it); raises ValueError
# saying why when it cannot tell.
OwnerLookup = Callable[[str], str | None]


def _owner_reader(lookup: OwnerLookup | None) -> Callable[[str], str]:
    """Owners as member IDs or, with a way to look them up in Slack, as email addresses."""

    def read(text: str) -> str:
        if "@" not in text:
            return _owner(text)
        email = _email(text)
        if lookup is None:
            raise ValueError(
                f"{shown(text)} is an email address; owners given by email are looked up in Slack, "
                "so set SLACK_BOT_TOKEN (or give the member ID, like U012AB3CD)"
            )
        member = lookup(email)
        if member is None:
            raise ValueError(f"{shown(text)}: no active Slack member has that email")
        return member

    return read


def _status(text: str) -> str:
    if text not in STATUSES:
        raise ValueError(f"{shown(text)} is not a status (use one of {', '.join(STATUSES)})")
    return text


def _lost_category(text: str) -> str:
    if text not in LOST_CATEGORIES:
        raise ValueError(
            f"{shown(text)} is not a lost category (use one of {', '.join(LOST_CATEGORIES)})"
        )
    return text


def _category_for(status: str, fields: Mapping[str, Any]) -> str | None:
    """A lost row's category: the given one, else what its reason implies; none for other rows."""
    if status != LOST:
        return None
    return lost_category(fields.get("lost_category"), fields.get("lost_reason"))


def _touches(text: str) -> int:
    if not _WHOLE.fullmatch(text):
        raise ValueError(f"{shown(text)} is not a whole number from 0 to {MAX_TOUCHES}")
    return int(text)


def _in_range(year: int, text: str) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"{shown(text)} is outside the years {FIRST_YEAR}–{LAST_YEAR}")


def _time(text: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{shown(text)} is not an ISO-8601 time like 2026-11-30T14:00:00Z"
        ) from None
    _in_range(parsed.year, text)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    moved = parsed.astimezone(UTC)  # within 1970–2100 an offset cannot overflow
    _in_range(moved.year, text)
    return moved


def _date(text: str) -> date:
    try:
        parsed = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{shown(text)} is not an ISO date like 2026-12-04") from None
    _in_range(parsed.year, text)
    return parsed


def _readers(
    pipeline: PipelineConfig, owner_lookup: OwnerLookup | None = None
) -> dict[str, tuple[str, Callable[[str], Any]]]:
    """Each importable column (but `id`): the lead attribute it sets and how its cell is read."""
    stages = tuple(pipeline.stage_by_key)

    def stage(text: str) -> str:
        if text not in stages:
            raise ValueError(f"{shown(text)} is not a stage here (use one of {', '.join(stages)})")
        return text

    return {
        "company": ("company", _text(MAX_COMPANY_LENGTH)),
        "contact": ("contact", _text(MAX_CONTACT_LENGTH)),
        "email": ("email", _email),
        "phone": ("phone", _phone),
        "value": ("value", _value),
        "currency": ("currency", _currency),
        "stage": ("stage", stage),
        "status": ("status", _status),
        "owner": ("owner_id", _owner_reader(owner_lookup)),
        "source": ("source", _text(MAX_SOURCE_LENGTH)),
        "created_at": ("created_at", _time),
        "stage_changed_at": ("stage_changed_at", _time),
        "last_touch_at": ("last_touch_at", _time),
        "next_follow_up": ("next_follow_up", _date),
        "touches": ("touch_count", _touches),
        "lost_reason": ("lost_reason", _text(MAX_REASON_LENGTH, block=True)),
        "lost_category": ("lost_category", _lost_category),
        "closed_at": ("closed_at", _time),
    }


# ---- reading rows -------------------------------------------------------------------------


def _header_problem(names: list[str]) -> str | None:
    if "company" not in names:
        return "the header must include a `company` column"
    unknown = [name for name in names if name not in IMPORT_COLUMNS]
    if unknown:
        return f"unknown column {shown(unknown[0])}; columns are {', '.join(IMPORT_COLUMNS)}"
    doubled = [name for name in names if names.count(name) > 1]
    if doubled:
        return f"column {shown(doubled[0])} appears twice"
    return None


def new_lead_values(
    fields: Mapping[str, Any], *, pipeline: PipelineConfig, default_owner: str, now: datetime
) -> dict[str, Any]:
    """The whole lead a row without an id makes, defaults filled in."""
    owner = fields.get("owner_id") or default_owner
    if not owner:
        raise ValueError(
            "owner is empty; fill the owner column or set PIPEBOT_MANAGERS to own such leads"
        )
    status = fields.get("status") or OPEN
    closed_at = fields.get("closed_at")
    if closed_at is not None and status == OPEN:
        raise ValueError("closed_at is only for won, lost or archived leads")
    created = fields.get("created_at") or now
    return {
        "company": fields["company"], "company_key": company_key(fields["company"]),
        "contact": fields.get("contact"), "email": fields.get("email"), "phone": fields.get("phone"),
        "value": fields.get("value"), "currency": fields.get("currency") or "USD",
        "source": fields.get("source"), "owner_id": owner, "created_by": owner,
        "stage": fields.get("stage") or pipeline.stages[0].key, "status": status,
        "created_at": created, "updated_at": now,
        "stage_changed_at": fields.get("stage_changed_at") or created,
        "last_touch_at": fields.get("last_touch_at"), "next_follow_up": fields.get("next_follow_up"),
        "touch_count": fields.get("touch_count") or 0, "lost_reason": fields.get("lost_reason"),
        "lost_category": _category_for(status, fields), "close_pushes": 0, "closed_at": closed_at or (now if status != OPEN else None),
        "search_text": lead_search_text(fields["company"], fields.get("contact"), fields.get("email"),
                                        fields.get("phone"), fields.get("source")),
    }  # fmt: skip


def read_lead_rows(
    source: Iterable[str],
    *,
    pipeline: PipelineConfig,
    default_owner: str,
    now: datetime,
    update: bool = True,
    owner_lookup: OwnerLookup | None = None,
) -> tuple[list[Row], list[RowError]]:
    """Every row of a lead CSV checked, in file order, or the problems by line number.

    A row with an `id` updates that lead (a second row with the same id is a problem; with
    `update=False` any id is); a row without one is a new lead. Rows whose cells are all empty
    are skipped. Owners given as email addresses are resolved with `owner_lookup`.
    """
    reader = csv.reader(source)
    try:
        header = next(reader)
    except StopIteration:
        return [], [RowError(1, "the file is empty; its first line must name the columns")]
    names = [name.strip() for name in header]
    problem = _header_problem(names)
    if problem:
        return [], [RowError(1, problem)]
    readers = _readers(pipeline, owner_lookup)
    # Each column remembers how its cells read, but the owner where reading may ask Slack.
    columns = [
        (
            name,
            readers.get(name),
            None if name == "id" or (name == "owner" and owner_lookup) else {},
        )
        for name in names
    ]
    rows: list[Row] = []
    errors: list[RowError] = []
    first_line_of: dict[int, int] = {}
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(RowError(line, f"the CSV cannot be read from here on ({exc})"))
            break
        if not any(text.strip() for text in cells):
            continue
        if len(rows) + len(errors) >= MAX_ROWS:
            errors.append(RowError(line, f"more than {MAX_ROWS:,} rows; split the file"))
            break
        if len(cells) != len(names):
            errors.append(
                RowError(line, f"has {len(cells)} fields but the header has {len(names)}")
            )
            continue
        if line % YIELD_EVERY == 0:
            # Let the process's other threads in: a thread waiting on a database call otherwise
            # waits for the interpreter at every step while this loop keeps it busy.
            time.sleep(0)
        lead_id, fields, problems = _read_cells(cells, columns)
        if problems:
            errors.append(RowError(line, "; ".join(problems)))
            continue
        if lead_id is None:
            try:
                rows.append(NewRow(line, new_lead_values(fields, pipeline=pipeline,
                                                         default_owner=default_owner, now=now)))  # fmt: skip
            except ValueError as exc:
                errors.append(RowError(line, str(exc)))
            continue
        earlier = first_line_of.setdefault(lead_id, line)
        if earlier != line:
            errors.append(
                RowError(line, f"id {lead_id} is also on line {earlier}; a lead can appear once")
            )
        elif not update:
            errors.append(RowError(line, f"id {lead_id} names an existing lead and --no-update refuses "
                                         "changes; empty the id cell to add it as a new lead"))  # fmt: skip
        else:
            rows.append(UpdateRow(line, lead_id, fields))
    return rows, errors


def _read_cells(
    cells: list[str],
    columns: list[tuple[str, tuple[str, Callable[[str], Any]] | None, dict[str, Any] | None]],
) -> tuple[int | None, dict[str, Any], list[str]]:
    """One row's id (None: a new lead), its cells read into lead fields (None where empty), and its problems."""
    fields: dict[str, Any] = {}
    problems: list[str] = []
    lead_id: int | None = None
    for (name, reader, read_before), raw in zip(columns, cells, strict=True):
        if read_before is not None and reader is not None:
            value = read_before.get(raw, _UNREAD)
            if value is not _UNREAD:
                fields[reader[0]] = value
                continue
        # Export puts a `'` before text a spreadsheet would run as a formula; take it off.
        text = unshield_formula(raw.strip())
        if reader is None:  # the id column
            if text:
                lead_id = parse_lead_id(text.removeprefix("#"))
                if lead_id is None:
                    problems.append(f"id {shown(text)} is not a lead number like 42")
            continue
        attr, read = reader
        try:
            value = read(text) if text else None
        except ValueError as exc:
            problems.append(f"{name} {exc}")
            continue
        fields[attr] = value
        if read_before is not None and len(read_before) < READ_BEFORE_CELLS:
            read_before[raw] = value
    if not problems and fields.get("company") is None:
        problems.append("company is empty")
    return lead_id, fields, problems


def keepable_id(lead_id: int) -> int:
    """A lead number a new database can take over as it is; too high a one would leave no room."""
    if lead_id > KEEP_IDS_UP_TO:
        raise ValueError(
            f"id {lead_id} is too high to keep (at most {KEEP_IDS_UP_TO:,}); empty the id cell"
        )
    return lead_id


# ---- what an update changes -----------------------------------------------------------------


# The lead columns search looks through (bot.domain.leads.lead_search_text).
SEARCHED_ORDER = ("company", "contact", "email", "phone", "source")
SEARCHED = frozenset(SEARCHED_ORDER)


def search_text_change(changes: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """The folded search text an update needs when it changes a searched field, else nothing."""
    if not SEARCHED.intersection(changes):
        return {}
    merged = {attr: changes.get(attr, current[attr]) for attr in SEARCHED}
    return {"search_text": lead_search_text(**merged)}


def planned_changes(
    fields: Mapping[str, Any], current: Mapping[str, Any], *, now: datetime
) -> dict[str, Any]:
    """What an update row changes on a lead as it stands: the fields whose exported text differs.

    Compared as export writes them, so re-importing an unchanged export changes nothing (an
    export keeps times to the second).
    """
    target = {a: v for a, v in fields.items() if v is not None or a not in KEEP_WHEN_EMPTY}
    if target.get("status", current["status"]) == OPEN:
        if target.get("closed_at") is not None:
            raise ValueError("closed_at is only for won, lost or archived leads")
        target["closed_at"] = None
    elif current["status"] == OPEN and target.get("closed_at") is None:
        target["closed_at"] = now
    changes = {a: v for a, v in target.items() if cell(v) != cell(current[a])}
    if "company" in changes:
        changes["company_key"] = company_key(changes["company"])
    if "stage" in changes and "stage_changed_at" not in changes:
        changes["stage_changed_at"] = now
    if changes:
        changes["updated_at"] = now
    return changes
