"""Checking what a rep typed into the New lead and Log touch modals, field by field."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar

from bot.domain.errors import ParseError
from bot.domain.parsing import Money, parse_value, read_email, read_phone
from bot.domain.parsing.dates import MAX_DAYS_AHEAD
from bot.domain.parsing.lead import MAX_COMPANY_LENGTH, MAX_CONTACT_LENGTH, MAX_SOURCE_LENGTH
from bot.domain.parsing.text import tidy_block, tidy_line
from bot.domain.parsing.touch import DEFAULT_KIND, TOUCH_KINDS

MAX_NOTE_LENGTH = 3000
# A touch logged "now" from a phone whose clock runs a little fast is still now.
FUTURE_SLACK = timedelta(minutes=10)
OLDEST_TOUCH = timedelta(days=5 * 366)

T = TypeVar("T")


class FormInvalid(Exception):
    """What is wrong with a submitted form, one message per field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class NewLeadForm:
    """The New lead modal's fields exactly as submitted (None where left empty)."""

    company: str | None = None
    contact: str | None = None
    email: str | None = None
    phone: str | None = None
    value: str | None = None
    currency: str | None = None
    source: str | None = None
    owner_id: str | None = None
    stage: str | None = None
    next_follow_up: str | None = None
    note: str | None = None
    expected_close: str | None = None


@dataclass(frozen=True, slots=True)
class ValidLead:
    """A New lead form that passed every check, in the types the services take."""

    company: str
    owner_id: str
    stage: str
    value: Money | None = None
    currency: str = "USD"
    contact: str | None = None
    email: str | None = None
    phone: str | None = None
    source: str | None = None
    next_follow_up: date | None = None
    note: str | None = None
    expected_close: date | None = None


@dataclass(frozen=True, slots=True)
class TouchForm:
    """The Log touch modal's fields exactly as submitted."""

    lead_id: str | None = None
    kind: str | None = None
    note: str | None = None
    occurred_at: int | None = None
    next_follow_up: str | None = None


@dataclass(frozen=True, slots=True)
class ValidTouch:
    """A Log touch form that passed every check."""

    lead_id: int
    kind: str
    note: str
    occurred_at: datetime
    next_follow_up: date | None = None


def validate_new_lead(
    form: NewLeadForm, *, caller_id: str, today: date, stage_keys: Collection[str], currency: str
) -> ValidLead:
    """The lead the form describes; `FormInvalid` names every field that needs fixing."""
    errors: dict[str, str] = {}
    company = tidy_line(form.company or "")
    if not company:
        errors["company"] = "Enter the company name."
    elif len(company) > MAX_COMPANY_LENGTH:
        errors["company"] = f"Keep the company name to {MAX_COMPANY_LENGTH} characters."
    stage = form.stage or ""
    if stage not in stage_keys:
        errors["stage"] = "Pick one of the pipeline's stages."
    chosen = form.currency or currency
    value = _field(errors, "value", lambda: read_money(form.value, chosen))
    result = ValidLead(
        company=company,
        owner_id=form.owner_id or caller_id,
        stage=stage,
        value=value,
        currency=value.currency if value else chosen,
        contact=_field(errors, "contact", lambda: _text(form.contact, MAX_CONTACT_LENGTH, "name")),
        email=_field(errors, "email", lambda: _email(form.email)),
        phone=_field(errors, "phone", lambda: _phone(form.phone)),
        source=_field(errors, "source", lambda: _text(form.source, MAX_SOURCE_LENGTH, "source")),
        next_follow_up=_field(
            errors, "next_follow_up", lambda: follow_up_date(form.next_follow_up, today=today)
        ),
        note=_field(errors, "note", lambda: _note(form.note)) or None,
        expected_close=_field(
            errors, "expected_close", lambda: follow_up_date(form.expected_close, today=today)
        ),
    )
    if errors:
        raise FormInvalid(errors)
    return result


def validate_touch(form: TouchForm, *, now: datetime, today: date) -> ValidTouch:
    """The touch the form describes; `FormInvalid` names every field that needs fixing."""
    errors: dict[str, str] = {}
    lead_id = _lead_id(form.lead_id)
    if lead_id is None:
        errors["lead"] = "Pick the lead this touch is for."
    kind = form.kind or DEFAULT_KIND
    if kind not in TOUCH_KINDS:
        errors["kind"] = "Pick what kind of touch it was."
    occurred_at = _field(errors, "occurred_at", lambda: _occurred_at(form.occurred_at, now=now))
    result = ValidTouch(
        lead_id=lead_id or 0,
        kind=kind,
        note=_field(errors, "note", lambda: _note(form.note)) or "",
        occurred_at=occurred_at or now,
        next_follow_up=_field(
            errors, "next_follow_up", lambda: follow_up_date(form.next_follow_up, today=today)
        ),
    )
    if errors:
        raise FormInvalid(errors)
    return result


def read_money(text: str | None, currency: str) -> Money | None:
    """A value typed in the modal: its own sign or code wins, else the currency picked beside it."""
    raw = tidy_line(text or "")
    if not raw:
        return None
    money = parse_value(raw)
    if money is None:
        money = parse_value(f"{raw} {currency}")
    if money is None:
        raise ParseError("Enter an amount like 12,500 or 12.5k.")
    return money


def follow_up_date(text: str | None, *, today: date) -> date | None:
    """A datepicker's `YYYY-MM-DD`, refused when it is in the past or absurdly far away."""
    if not text:
        return None
    try:
        when = date.fromisoformat(text)
    except ValueError:
        raise ParseError("Pick a date from the calendar.") from None
    if when < today:
        raise ParseError("That date is in the past; pick today or a later date.")
    if (when - today).days > MAX_DAYS_AHEAD:
        raise ParseError("That is more than ten years away; pick a nearer date.")
    return when


def _field(errors: dict[str, str], name: str, read: Callable[[], T]) -> T | None:
    """Run one field's reader, filing its ParseError under the field's name."""
    try:
        return read()
    except ParseError as error:
        errors[name] = error.message
        return None


def _text(value: str | None, limit: int, what: str) -> str | None:
    text = tidy_line(value or "")
    if len(text) > limit:
        raise ParseError(f"Keep the {what} to {limit} characters.")
    return text or None


def _email(value: str | None) -> str | None:
    if not tidy_line(value or ""):
        return None
    try:
        return read_email(value or "")
    except ParseError:
        raise ParseError("Enter an email address like ann@acme.test.") from None


def _phone(value: str | None) -> str | None:
    if not tidy_line(value or ""):
        return None
    try:
        return read_phone(value or "")
    except ParseError:
        raise ParseError("Enter a phone number like +1 555 0100.") from None


def _note(value: str | None) -> str:
    note = tidy_block(value or "")
    if len(note) > MAX_NOTE_LENGTH:
        raise ParseError(f"Keep the note to {MAX_NOTE_LENGTH} characters.")
    return note


def _lead_id(value: str | None) -> int | None:
    text = (value or "").strip()
    if not text.isdigit() or len(text) > 18:
        return None
    return int(text) or None


def _occurred_at(value: int | None, *, now: datetime) -> datetime:
    if value is None:
        return now
    try:
        when = datetime.fromtimestamp(int(value), UTC)
    except (OverflowError, OSError, ValueError):
        raise ParseError("Pick a date and time from the picker.") from None
    if when > now + FUTURE_SLACK:
        raise ParseError("A touch can't be in the future; pick when it happened.")
    if when < now - OLDEST_TOUCH:
        raise ParseError("That is more than five years ago; pick when it happened.")
    return when
