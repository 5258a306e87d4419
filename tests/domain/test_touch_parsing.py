from datetime import date

import pytest

from bot.domain.parsing import LeadRef, ParseError, TouchInput, parse_touch
from bot.domain.parsing.touch import is_help, near_help, ref_prefixes
from tests.domain.samples import FRIDAY


def touch(text: str) -> TouchInput:
    return parse_touch(text, today=FRIDAY)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "acme call Spoke with the CFO, sending pricing next:tue",
            TouchInput(
                LeadRef(text="acme"),
                "call",
                "Spoke with the CFO, sending pricing",
                date(2026, 3, 10),
            ),
        ),
        ("acme Left a voicemail", TouchInput(LeadRef(text="acme"), "other", "Left a voicemail")),
        ("#42 demo", TouchInput(LeadRef(lead_id=42), "demo", "")),
        ("42 email: sent the deck", TouchInput(LeadRef(lead_id=42), "email", "sent the deck")),
        ("acme", TouchInput(LeadRef(text="acme"), "other", "")),
        (
            '"Acme Corp" meeting went well &amp; they want a demo',
            TouchInput(LeadRef(text="Acme Corp"), "meeting", "went well & they want a demo"),
        ),
        (
            "“Acme Corp” Mtg agreed next steps",
            TouchInput(LeadRef(text="Acme Corp"), "meeting", "agreed next steps"),
        ),
        (
            "next:2w acme call  follow up   later",
            TouchInput(LeadRef(text="acme"), "call", "follow up   later", date(2026, 3, 20)),
        ),
        (
            "acme call asked about next: fri pricing",
            TouchInput(LeadRef(text="acme"), "call", "asked about pricing", date(2026, 3, 13)),
        ),
        (
            "acme note line one\nline two",
            TouchInput(LeadRef(text="acme"), "note", "line one\nline two"),
        ),
        (
            "acme call with <@U123ABC|dana> re:pricing <https://acme.test/deck|deck>",
            TouchInput(
                LeadRef(text="acme"), "call", "with @dana re:pricing deck (https://acme.test/deck)"
            ),
        ),
        ("acme calling them back", TouchInput(LeadRef(text="acme"), "other", "calling them back")),
        ('acme "call" is a word', TouchInput(LeadRef(text="acme"), "other", '"call" is a word')),
    ],
)
def test_touch(text: str, expected: TouchInput) -> None:
    assert touch(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "Say which lead"),
        ("   ", "Say which lead"),
        ("next:fri", "Say which lead"),
        ("a call", "at least 2 letters"),
        ("#0 call", "no lead"),
        ("acme call next:2020-01-01", "in the past"),
        ("acme call next:fri next:mon", "given twice"),
        ("acme note " + "x" * 5000, "keep it to 4000"),
    ],
)
def test_touch_errors(text: str, says: str) -> None:
    with pytest.raises(ParseError, match=says):
        touch(text)


def test_the_readings_of_a_line_go_from_the_longest_name_to_the_first_word() -> None:
    assert ref_prefixes("blue harbor call First call next:tue") == [
        (5, "blue harbor call First call"),
        (4, "blue harbor call First"),
        (3, "blue harbor call"),
        (2, "blue harbor"),
        (1, "blue"),
    ]
    assert ref_prefixes("#42 call hello") == [(1, "#42")]
    assert ref_prefixes('"Word Co" call') == [(1, "Word Co")]
    assert ref_prefixes("a b c d e f g h") == [
        (n, " ".join("abcdefgh"[:n])) for n in range(6, 0, -1)
    ]


def test_a_reading_takes_the_kind_and_note_after_the_name() -> None:
    text = "blue harbor call First call next:tue"
    two = parse_touch(text, today=date(2026, 11, 30), ref_words=2)
    assert (two.ref, two.kind, two.note) == (LeadRef(text="blue harbor"), "call", "First call")
    one = parse_touch(text, today=date(2026, 11, 30))
    assert (one.ref, one.kind, one.note) == (
        LeadRef(text="blue"),
        "other",
        "harbor call First call",
    )
    assert two.next_follow_up == one.next_follow_up == date(2026, 12, 1)


def test_help_is_reserved() -> None:
    assert is_help("help") and is_help("HELP me") and not is_help('"Help Scout" call')
    assert not is_help("helpful co call")


@pytest.mark.parametrize("text", ["hepl", "hlep", "halp", "hel", "helpp", "Hepl me", "hepl."])
def test_a_word_one_slip_from_help_is_near_help(text: str) -> None:
    assert near_help(text)


@pytest.mark.parametrize("text", ["help", "he", "hell0 call", "helpful", '"Hepl" call', "", "#4"])
def test_help_itself_quoted_names_and_other_words_are_not_near_help(text: str) -> None:
    assert not near_help(text)
