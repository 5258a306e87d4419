import pytest

from bot.domain.parsing import LeadRef, ParseError, parse_mention, parse_ref


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("42", LeadRef(lead_id=42)),
        ("#42", LeadRef(lead_id=42)),
        (" # 7 ", LeadRef(lead_id=7)),
        ("<#C123|42>", LeadRef(lead_id=42)),
        ("acme", LeadRef(text="acme")),
        ("Acme   Corp", LeadRef(text="Acme Corp")),
        ('"42"', LeadRef(text="42")),
        ("AT&amp;T", LeadRef(text="AT&T")),
        ("ab", LeadRef(text="ab")),
    ],
)
def test_refs(text: str, expected: LeadRef) -> None:
    assert parse_ref(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "Say which lead"),
        ("a", "at least 2"),
        ("#0", "no lead"),
        ("#" + "9" * 30, "no lead"),
        ("x" * 201, "too long"),
    ],
)
def test_ref_errors(text: str, says: str) -> None:
    with pytest.raises(ParseError, match=says):
        parse_ref(text)


def test_ref_str() -> None:
    assert str(LeadRef(lead_id=42)) == "#42"
    assert str(LeadRef(text="acme")) == "acme"


def test_ref_needs_exactly_one_part() -> None:
    with pytest.raises(ValueError):
        LeadRef()
    with pytest.raises(ValueError):
        LeadRef(lead_id=1, text="acme")


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("<@U123ABC>", "U123ABC"),
        ("<@U123ABC|dana>", "U123ABC"),
        ("<@W0AB|dana lee>", "W0AB"),
        (" <@U123ABC> ", "U123ABC"),
        ("@dana", None),
        ("<#C123|general>", None),
        ("<!here>", None),
        ("<@u123abc>", None),
        ("<@U123ABC", None),
        ("U123ABC", None),
    ],
)
def test_mentions(token: str, expected: str | None) -> None:
    assert parse_mention(token) == expected
