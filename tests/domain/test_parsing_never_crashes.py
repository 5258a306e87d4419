"""Whatever a user types, parsers either succeed or raise ParseError with one line to show."""

import contextlib
import time
import unicodedata
from collections.abc import Callable
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.parsing import (
    CreateCmd,
    ParseError,
    parse_lead_subcommand,
    parse_mention,
    parse_new_lead,
    parse_ref,
    parse_touch,
    parse_value,
    parse_when,
    resolve_stage,
)
from tests.domain.samples import FRIDAY, STAGES

PIECES = [
    " ",
    "  ",
    "\n",
    "\t",
    "\u00a0",
    '"',
    "“",
    "”",
    "„",
    "'",
    "<",
    ">",
    "|",
    "&",
    "&amp;",
    "&lt;",
    "&gt;",
    "#",
    "#42",
    "42",
    "0",
    "@",
    "@dana",
    "<@U123ABC>",
    "<@U123ABC|dana>",
    "<@W1",
    "<#C1|general>",
    "<!channel>",
    "<!subteam^S1|@sales>",
    "<mailto:a@b.co|a@b.co>",
    "<https://x.test|x>",
    "<tel:+1|+1>",
    "$",
    "€",
    "£",
    "¥",
    "US$",
    "C$",
    "-",
    "−",
    ",",
    ".",
    "k",
    "m",
    "kk",
    "12,500",
    "12.5",
    "5000",
    "EUR",
    "usd",
    "Nok",
    ":",
    "stage:",
    "stage:p",
    "stage:prop",
    "next:",
    "next:fri",
    "next:2020-01-01",
    "next:9999w",
    "email:",
    "email:a@b.co",
    "contact:",
    'contact:"',
    "phone:",
    "phone:+1",
    "555",
    "source:",
    "value:",
    "owner:",
    "foo:",
    "http:",
    "help",
    "list",
    "show",
    "move",
    "won",
    "lost",
    "assign",
    "qualify",
    "snooze",
    "archive",
    "export",
    "add",
    "mine",
    "all",
    "to",
    "until",
    "call",
    "note",
    "fri",
    "today",
    "3d",
    "2w",
    "1m",
    "12/01",
    "2026-02-30",
    "2026-12-01",
    "\x00",
    "\u202e",
    "\ud800",
    "株式会社",
    "Müller",
    "9" * 30,
]

command_text = st.one_of(
    st.text(max_size=80),
    st.lists(st.sampled_from(PIECES) | st.text(max_size=4), max_size=16).map("".join),
)
parsers: list[tuple[str, Callable[[str], object]]] = [
    ("new_lead", lambda text: parse_new_lead(text, today=FRIDAY, stages=STAGES)),
    ("touch", lambda text: parse_touch(text, today=FRIDAY)),
    ("subcommand", lambda text: parse_lead_subcommand(text, today=FRIDAY, stages=STAGES)),
    ("ref", parse_ref),
    ("value", parse_value),
    ("when", lambda text: parse_when(text, today=FRIDAY)),
    ("when_at_the_end_of_time", lambda text: parse_when(text, today=date.max)),
    ("stage", lambda text: resolve_stage(text, STAGES)),
    ("mention", parse_mention),
]


@pytest.mark.parametrize(("name", "parse"), parsers, ids=[name for name, _ in parsers])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=command_text)
def test_only_parse_errors_escape(name: str, parse: Callable[[str], object], text: str) -> None:
    try:
        parse(text)
    except ParseError as error:
        assert error.message
        assert "\n" not in error.message and "\r" not in error.message


@settings(max_examples=150, deadline=None)
@given(text=command_text)
def test_created_companies_are_clean_single_lines(text: str) -> None:
    try:
        parsed = parse_lead_subcommand(text, today=FRIDAY, stages=STAGES)
    except ParseError:
        return
    if isinstance(parsed, CreateCmd):
        company = parsed.lead.company
        assert company == company.strip() and 0 < len(company) <= 200
        assert not any(unicodedata.category(char) in ("Cc", "Cs") for char in company)


@settings(max_examples=150, deadline=None)
@given(text=command_text)
def test_notes_keep_only_line_breaks_as_control_characters(text: str) -> None:
    try:
        parsed = parse_touch(text, today=FRIDAY)
    except ParseError:
        return
    assert not any(
        unicodedata.category(char) in ("Cc", "Cs") and char != "\n" for char in parsed.note
    )
    assert parsed.next_follow_up is None or parsed.next_follow_up >= FRIDAY


def test_long_inputs_are_refused_quickly() -> None:
    text = "<" * 3000 + '"' * 3000 + "$5k " * 1000
    started = time.perf_counter()
    for _, parse in parsers:
        with contextlib.suppress(ParseError):
            parse(text)
    assert time.perf_counter() - started < 5
