"""Guessing from a Slack message: the lead it is about, and a new lead's fields."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.capture import LeadGuess, guess_lead, guess_new_lead, message_note

LEADS = [(1, "Acme"), (2, "Acme Corp"), (3, "AT&T"), (4, "Initech"), (5, "Initech")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Call with ACME corp. about renewal", 2),
        ("acme said yes", 1),
        ("Acmeville is not Acmecorp", None),
        ("Acme Corporation", 1),
        ("AT&amp;T called back", 3),
        ("<https://acme.test|Acme Corp> pricing", 2),
        ("Initech again", None),  # two open leads with that name: no guess
        ("nothing here", None),
        ("", None),
    ],
)
def test_guess_lead_picks_the_longest_whole_name(text: str, expected: int | None) -> None:
    assert guess_lead(text, LEADS) == expected


def test_names_shorter_than_two_characters_never_match() -> None:
    assert guess_lead("a b c", [(1, "A"), (2, "?")]) is None


@pytest.mark.parametrize(
    ("text", "guess"),
    [
        (
            "New inbound from Globex Inc: <mailto:ann@globex.test|ann@globex.test>, +1 555 0100, budget €5,000",
            LeadGuess(company="Globex Inc", email="ann@globex.test", phone="+1 555 0100",
                      value="5,000", currency="EUR"),
        ),
        ("Spoke with Ann Lee from Acme about $12.5k", LeadGuess(company="Acme", value="12,500", currency="USD")),
        ("Procter &amp; Gamble wants a demo", LeadGuess(company="Procter & Gamble")),
        ("Sent pricing to Globex today", LeadGuess(company="Globex")),
        ("hey, ann@initech.io asked for a quote of 5000 EUR", LeadGuess(
            company="Initech", email="ann@initech.io", value="5,000", currency="EUR")),
        ("bob@gmail.com wants a call", LeadGuess(company="bob@gmail.com wants a call", email="bob@gmail.com")),
        ("<@U123> Evil Corp", LeadGuess(company="Evil Corp")),
        ("meeting on 2026-12-01, ref 1250000", LeadGuess(company="meeting on 2026-12-01, ref 1250000")),
    ],
)  # fmt: skip
def test_guess_new_lead(text: str, guess: LeadGuess) -> None:
    found = guess_new_lead(text)
    assert (found.company, found.email, found.phone, found.value, found.currency) == (
        guess.company, guess.email, guess.phone, guess.value, guess.currency,
    )  # fmt: skip
    assert found.note


def test_the_note_is_readable_text_cut_to_3000() -> None:
    assert message_note("<@U1|dana> said &lt;hi&gt; &amp; <!here>") == "@dana said <hi> & @here"
    long = message_note("word " * 1000)
    assert len(long) == 3000 and long.endswith("…")
    assert guess_new_lead("").as_prefill() == {}


@given(st.text(max_size=4000))
def test_guessing_never_fails_and_stays_within_limits(text: str) -> None:
    found = guess_new_lead(text)
    assert len(found.note or "") <= 3000 and len(found.company or "") <= 200
    assert found.company is None or found.company.strip() == found.company
    guess_lead(text, LEADS)
