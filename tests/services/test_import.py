"""Reading a lead CSV: every cell checked, every problem a line and a message, never a traceback."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from bot.config import load_config
from bot.services import import_rows
from bot.services.import_rows import (
    YIELD_EVERY,
    NewRow,
    RowError,
    UpdateRow,
    planned_changes,
    read_lead_rows,
)
from tests.support import app_env

NOW = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
PIPELINE = load_config(app_env("sqlite://")).pipeline


def read(text: str, **options: Any) -> tuple[list[NewRow | UpdateRow], list[RowError]]:
    options.setdefault("default_owner", "UMANAGER1")
    return read_lead_rows(io.StringIO(text), pipeline=PIPELINE, now=NOW, **options)


def problems(text: str, **options: Any) -> list[tuple[int, str]]:
    return [(error.line, error.message) for error in read(text, **options)[1]]


def one_lead(header: str, row: str) -> dict[str, Any]:
    rows, errors = read(f"{header}\n{row}\n")
    assert errors == [] and len(rows) == 1
    assert isinstance(rows[0], NewRow)
    return rows[0].values


# --- values and touches: anything but a plain number is a line, never a traceback -------------


@pytest.mark.parametrize(
    "value",
    ["NaN", "nan", "sNaN", "-sNaN", "Infinity", "-Infinity", "inf", "1e23", "1E3", "-0", "-5",
     "+5", '"1,000"', "$100", "100 USD", "0x10", "１２", "٣", "12.5.1", "1_000", "1e-2",
     "1000000000000", "9" * 40],
)  # fmt: skip
def test_a_value_that_is_not_a_plain_decimal_is_a_line(value: str) -> None:
    [(line, message)] = problems(f"company,value\nAcme,{value}\n")
    assert line == 2 and message.startswith("value ")


@pytest.mark.parametrize(
    ("text", "stored"),
    [("12500", "12500.00"), ("12500.5", "12500.50"), ("0", "0.00"), (".5", "0.50"),
     ("0.005", "0.01"), ("999999999999.99", "999999999999.99"), (" 42 ", "42.00")],
)  # fmt: skip
def test_plain_decimals_are_kept_to_the_cent(text: str, stored: str) -> None:
    assert one_lead("company,value", f"Acme,{text}")["value"] == Decimal(stored)


@pytest.mark.parametrize(
    "touches", ["NaN", "Infinity", "1e23", "-0", "-1", "+1", "1.0", "٣", "²", "1000000", "9" * 30]
)
def test_touches_that_are_not_a_small_whole_number_are_a_line(touches: str) -> None:
    [(line, message)] = problems(f"company,touches\nAcme,{touches}\n")
    assert line == 2 and message.startswith("touches ")


# --- row shape ---------------------------------------------------------------------------------


def test_a_row_with_more_fields_than_the_header_is_refused_with_its_line() -> None:
    assert problems("company,value\nAcme,100\nGlobex,200,extra\nInitech,300\n") == [
        (3, "has 3 fields but the header has 2")
    ]


def test_a_row_with_fewer_fields_than_the_header_is_refused_with_its_line() -> None:
    assert problems("company,value,stage\nAcme,100\n") == [(2, "has 2 fields but the header has 3")]


def test_a_quoted_line_break_keeps_later_line_numbers_true() -> None:
    text = 'company,contact\n"Acme\nCorp",Ann\nGlobex,"Bo\nB"\nInitech,x,y\n'
    assert problems(text) == [(6, "has 3 fields but the header has 2")]


def test_blank_lines_and_rows_of_empty_cells_are_skipped() -> None:
    rows, errors = read("company,value\n\nAcme,1\n,\n  ,  \nGlobex,2\n")
    assert errors == [] and [row.line for row in rows] == [3, 6]


@pytest.mark.parametrize(
    ("header", "message"),
    [("", "the header must include a `company` column"),
     ("name,value", "the header must include a `company` column"),
     ("company,colour", "unknown column `colour`"),
     ("company,value,value", "column `value` appears twice")],
)  # fmt: skip
def test_a_bad_header_is_line_one(header: str, message: str) -> None:
    [(line, text)] = problems(f"{header}\nAcme,1\n")
    assert line == 1 and text.startswith(message)


def test_an_empty_file_is_line_one() -> None:
    assert problems("") == [(1, "the file is empty; its first line must name the columns")]


def test_every_problem_of_a_row_is_named_at_once() -> None:
    [(line, message)] = problems("company,value,touches,stage\nAcme,NaN,x,nowhere\n")
    assert line == 2
    assert [part.split()[0] for part in message.split("; ")] == ["value", "touches", "stage"]


# --- dates and times: 1970–2100 ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "text"),
    [("created_at", "9999-12-31T23:59:59Z"), ("created_at", "9999-12-31T23:59:59+14:00"),
     ("created_at", "0001-01-01T00:00:00-12:00"), ("created_at", "0001-01-01"),
     ("created_at", "1969-12-31T23:59:59Z"), ("stage_changed_at", "2101-01-01T00:00:00Z"),
     ("last_touch_at", "2100-12-31T23:00:00-05:00"), ("next_follow_up", "9999-12-31"),
     ("next_follow_up", "0001-01-01"), ("next_follow_up", "1969-12-31"),
     ("closed_at", "9999-12-31T00:00:00Z")],
)  # fmt: skip
def test_dates_and_times_outside_1970_to_2100_are_a_line(column: str, text: str) -> None:
    status = ",won" if column == "closed_at" else ""
    header = "company," + column + (",status" if status else "")
    [(line, message)] = problems(f"{header}\nAcme,{text}{status}\n")
    assert line == 2 and message.startswith(f"{column} `{text}` is outside the years 1970–2100")


@pytest.mark.parametrize("text", ["yesterday", "2026-13-01", "2026-02-30T00:00:00Z", "1e9", "NaN"])
def test_an_unreadable_time_is_a_line(text: str) -> None:
    [(line, message)] = problems(f"company,created_at\nAcme,{text}\n")
    assert line == 2 and "is not an ISO-8601 time" in message


def test_the_edges_of_the_range_are_accepted_and_kept_in_utc() -> None:
    lead = one_lead("company,created_at,next_follow_up",
                    "Acme,1970-01-01T00:00:00Z,2100-12-31")  # fmt: skip
    assert lead["created_at"] == datetime(1970, 1, 1, tzinfo=UTC)
    assert lead["next_follow_up"] == date(2100, 12, 31)
    assert one_lead("company,created_at", "Acme,2026-11-30T09:00:00-05:00")["created_at"] == NOW


# --- text: cleaned like Slack input ------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "kept"),
    [("Acme\u202e Corp", "Acme Corp"), ("\u202eproC emcA", "proC emcA"), ("Ac\x00me", "Acme"),
     ("Ac\x07me\x1b[31m", "Acme[31m"), ('"Acme\nCorp"', "Acme Corp"), ('"Acme\r\n\tCorp"', "Acme Corp"),
     ("Acme\u2066\u2069 Corp", "Acme Corp"), ("  Acme   Corp ", "Acme Corp")],
)  # fmt: skip
def test_control_and_direction_characters_are_stripped_like_slack_input(
    cell: str, kept: str
) -> None:
    lead = one_lead("company,contact,source", f"{cell},{cell},{cell}")
    assert lead["company"] == kept and lead["contact"] == kept and lead["source"] == kept


def test_a_company_that_is_only_control_characters_is_empty() -> None:
    assert problems("company,contact\n\u202e\x00,Ann\n") == [(2, "company is empty")]


def test_a_lost_reason_keeps_its_line_breaks_but_not_its_controls() -> None:
    lead = one_lead("company,status,lost_reason", '"Acme",lost,"Budget\x00\ncut\u202e"')
    assert lead["lost_reason"] == "Budget\ncut"


def test_text_a_spreadsheet_would_run_is_taken_back_from_its_apostrophe() -> None:
    lead = one_lead("company,phone", "'=HYPERLINK(1),'+1 415 555 0100")
    assert lead["company"] == "=HYPERLINK(1)" and lead["phone"] == "+1 415 555 0100"


@pytest.mark.parametrize(
    ("column", "cell"),
    [("company", "x" * 201), ("contact", "x" * 201), ("source", "x" * 101),
     ("lost_reason", "x" * 501), ("email", "not-an-email"), ("phone", "call me"),
     ("owner", "dana"), ("owner", "U" + "A" * 40), ("currency", "EURO"), ("stage", "negotiation"),
     ("status", "closed"), ("id", "abc"), ("id", "99999999999")],
)  # fmt: skip
def test_each_column_refuses_what_it_cannot_hold(column: str, cell: str) -> None:
    header = "company" if column == "company" else f"company,{column}"
    row = cell if column == "company" else f"Acme,{cell}"
    [(line, message)] = problems(f"{header}\n{row}\n")
    assert line == 2 and message.startswith(f"{column} ")


# --- ids: update, once per file ---------------------------------------------------------------


def test_a_row_with_an_id_updates_and_one_without_adds() -> None:
    rows, errors = read("id,company\n7,Acme\n,Globex\n#8,Initech\n")
    assert errors == []
    assert [(type(row).__name__, getattr(row, "lead_id", None)) for row in rows] == [
        ("UpdateRow", 7), ("NewRow", None), ("UpdateRow", 8)
    ]  # fmt: skip


def test_an_id_twice_in_one_file_is_a_line() -> None:
    assert problems("id,company\n7,Acme\n8,Globex\n7,Acme again\n") == [
        (4, "id 7 is also on line 2; a lead can appear once")
    ]


def test_no_update_refuses_every_row_with_an_id() -> None:
    found = problems("id,company\n7,Acme\n,Globex\n", update=False)
    assert [line for line, _ in found] == [2] and "--no-update" in found[0][1]


def test_a_new_row_without_owner_and_no_manager_is_a_line() -> None:
    assert problems("company\nAcme\n", default_owner="") == [
        (2, "owner is empty; fill the owner column or set PIPEBOT_MANAGERS to own such leads")
    ]


def test_closed_at_is_for_closed_rows() -> None:
    assert problems("company,closed_at\nAcme,2026-11-01T00:00:00Z\n") == [
        (2, "closed_at is only for won, lost or archived leads")
    ]
    lead = one_lead("company,status,closed_at", "Acme,won,2026-11-01T10:00:00Z")
    assert lead["closed_at"] == datetime(2026, 11, 1, 10, tzinfo=UTC)
    assert one_lead("company,status", "Acme,lost")["closed_at"] == NOW
    assert one_lead("company", "Acme")["closed_at"] is None


# --- what an update changes ------------------------------------------------------------------

STORED = {
    "company": "Acme", "company_key": "acme", "contact": "Ann", "email": None, "phone": None,
    "value": Decimal("100.00"), "currency": "USD", "stage": "proposal", "status": "open",
    "owner_id": "UREP00001", "source": None,
    "created_at": datetime(2026, 11, 2, 9, 30, 15, 123456, tzinfo=UTC),
    "stage_changed_at": datetime(2026, 11, 2, 9, 30, 15, 123456, tzinfo=UTC),
    "last_touch_at": None, "next_follow_up": None, "touch_count": 2, "lost_reason": None,
    "closed_at": None, "updated_at": datetime(2026, 11, 3, tzinfo=UTC),
}  # fmt: skip


def changes(header: str, row: str) -> dict[str, Any]:
    rows, errors = read(f"id,{header}\n1,{row}\n")
    assert errors == [] and isinstance(rows[0], UpdateRow)
    return planned_changes(rows[0].fields, STORED, now=NOW)


def test_an_update_the_export_already_shows_changes_nothing() -> None:
    # Export keeps times to the second; the stored microseconds are not a change.
    assert changes("company,contact,value,created_at,touches,lost_reason",
                   "Acme,Ann,100.00,2026-11-02T09:30:15Z,2,") == {}  # fmt: skip


def test_an_empty_cell_clears_an_optional_field_and_keeps_one_every_lead_has() -> None:
    assert changes("company,contact,stage,owner", "Acme,,,") == {"contact": None, "updated_at": NOW}


def test_a_new_stage_is_dated_and_a_closed_outcome_gets_its_date() -> None:
    assert changes("company,stage", "Acme,closing") == {
        "stage": "closing", "stage_changed_at": NOW, "updated_at": NOW
    }  # fmt: skip
    assert changes("company,status", "Acme,won") == {
        "status": "won", "closed_at": NOW, "updated_at": NOW
    }  # fmt: skip
    renamed = changes("company", "Acme Corp")
    assert renamed["company_key"] == "acme corp"


def test_reading_a_long_file_gives_the_processs_other_threads_a_turn(monkeypatch) -> None:
    # A rep's write in the same process waits for the interpreter at each database call; without
    # a turn now and then, it waited for the whole file to be read (seconds at 100,000 rows).
    turns: list[float] = []
    monkeypatch.setattr(import_rows.time, "sleep", turns.append)
    rows, errors = read("company\n" + "".join(f"Co {n}\n" for n in range(1000)), default_owner="U1")
    assert len(rows) == 1000 and errors == []
    assert turns == [0] * (1000 // YIELD_EVERY)
