"""Checking the New lead and Log touch forms field by field."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from bot.domain.errors import ParseError
from bot.domain.forms import (
    FormInvalid,
    NewLeadForm,
    TouchForm,
    follow_up_date,
    read_money,
    validate_new_lead,
    validate_touch,
)
from bot.domain.parsing import Money

TODAY = date(2026, 11, 30)
NOW = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
STAGES = ("prospecting", "qualification")


def new_lead(**fields) -> NewLeadForm:
    return NewLeadForm(**{"company": "Acme", "stage": "prospecting", **fields})


def check(form: NewLeadForm):
    return validate_new_lead(form, caller_id="U1", today=TODAY, stage_keys=STAGES, currency="USD")


def errors_of(form: NewLeadForm) -> dict[str, str]:
    with pytest.raises(FormInvalid) as raised:
        check(form)
    return raised.value.errors


def test_a_full_form_becomes_a_valid_lead() -> None:
    valid = check(
        new_lead(
            company="  Acme   Corp ", contact="Ann", email="ann@acme.test", phone="+1 555 0100",
            value="12.5k", currency="EUR", source="webinar", owner_id="U2",
            next_follow_up="2026-12-04", note="line one  \r\nline <two>\n\n",
        )
    )  # fmt: skip
    assert valid.company == "Acme Corp" and valid.owner_id == "U2"
    assert valid.value == Money(Decimal("12500.00"), "EUR") and valid.currency == "EUR"
    assert valid.next_follow_up == date(2026, 12, 4)
    assert valid.note == "line one\nline <two>"


def test_an_empty_form_defaults_to_the_caller_and_the_chosen_currency() -> None:
    valid = check(new_lead(currency="GBP"))
    assert (valid.owner_id, valid.value, valid.currency, valid.note) == ("U1", None, "GBP", None)


def test_every_bad_field_is_named() -> None:
    errors = errors_of(
        new_lead(
            company=" ", email="nope", phone="call me", value="lots", stage="closing",
            next_follow_up="2026-11-01", source="s" * 101,
        )
    )  # fmt: skip
    assert set(errors) == {
        "company",
        "email",
        "phone",
        "value",
        "stage",
        "next_follow_up",
        "source",
    }
    assert errors["next_follow_up"].startswith("That date is in the past")


@pytest.mark.parametrize(
    ("typed", "currency", "money"),
    [
        ("12,500", "USD", Money(Decimal("12500.00"), "USD")),
        ("€5k", "USD", Money(Decimal("5000.00"), "EUR")),
        ("5000 GBP", "EUR", Money(Decimal("5000.00"), "GBP")),
        ("1.5m", "CHF", Money(Decimal("1500000.00"), "CHF")),
        ("", "USD", None),
    ],
)
def test_read_money(typed: str, currency: str, money: Money | None) -> None:
    assert read_money(typed, currency) == money


@pytest.mark.parametrize("typed", ["lots", "-5", "12.500", "$ 5 5"])
def test_unreadable_money_is_an_error(typed: str) -> None:
    with pytest.raises(ParseError):
        read_money(typed, "USD")


def test_follow_up_dates() -> None:
    assert follow_up_date(None, today=TODAY) is None
    assert follow_up_date("2026-11-30", today=TODAY) == TODAY
    for bad in ("2026-11-29", "2040-01-01", "tomorrow"):
        with pytest.raises(ParseError):
            follow_up_date(bad, today=TODAY)


def test_a_touch_form() -> None:
    earlier = int((NOW - timedelta(hours=2)).timestamp())
    valid = validate_touch(
        TouchForm(lead_id="7", kind="call", note=" hi ", occurred_at=earlier), now=NOW, today=TODAY
    )
    assert (valid.lead_id, valid.kind, valid.note) == (7, "call", "hi")
    assert valid.occurred_at == NOW - timedelta(hours=2)
    defaulted = validate_touch(TouchForm(lead_id="7"), now=NOW, today=TODAY)
    assert (defaulted.kind, defaulted.occurred_at, defaulted.note) == ("other", NOW, "")


def test_touch_mistakes() -> None:
    future = int((NOW + timedelta(hours=1)).timestamp())
    ancient = int((NOW - timedelta(days=6 * 365)).timestamp())
    for form, field in [
        (TouchForm(lead_id=None), "lead"),
        (TouchForm(lead_id="0"), "lead"),
        (TouchForm(lead_id="7", kind="telepathy"), "kind"),
        (TouchForm(lead_id="7", occurred_at=future), "occurred_at"),
        (TouchForm(lead_id="7", occurred_at=ancient), "occurred_at"),
        (TouchForm(lead_id="7", note="x" * 3001), "note"),
        (TouchForm(lead_id="7", next_follow_up="2026-01-01"), "next_follow_up"),
    ]:
        with pytest.raises(FormInvalid) as raised:
            validate_touch(form, now=NOW, today=TODAY)
        assert set(raised.value.errors) == {field}, form
    near_future = int((NOW + timedelta(minutes=5)).timestamp())
    assert validate_touch(TouchForm(lead_id="7", occurred_at=near_future), now=NOW, today=TODAY)
