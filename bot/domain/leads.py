"""Pure rules about leads: statuses and kinds, identity of a company and of a lead number, weighted value."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal
from enum import StrEnum


class Status(StrEnum):
    """Where a lead stands: open, or closed as won, lost or archived."""

    OPEN = "open"
    WON = "won"
    LOST = "lost"
    ARCHIVED = "archived"


class TouchKind(StrEnum):
    """What a touch was; a note is context, every other kind is a contact."""

    CALL = "call"
    EMAIL = "email"
    MEETING = "meeting"
    DEMO = "demo"
    MESSAGE = "message"
    LINKEDIN = "linkedin"
    NOTE = "note"
    OTHER = "other"
    # The buyer came back on their own (a web form sent again): a contact, but not the rep's.
    INBOUND = "inbound"


# A contact touch resets the no-touch clock and completes a follow-up; a note never does.
CONTACT_KINDS = frozenset(
    kind.value for kind in TouchKind if kind not in (TouchKind.NOTE, TouchKind.INBOUND)
)
# What the cleanup counts as an attempt to reach the buyer, and what counts as their answer.
ATTEMPT_KINDS = frozenset({"call", "email", "message", "linkedin", "other"})
MEETING_KINDS = frozenset({"meeting", "demo"})


def is_contact(kind: str) -> bool:
    """True for a rep reaching the buyer: every kind but a note (context) and an inbound (the buyer writing in)."""
    return kind not in (TouchKind.NOTE, TouchKind.INBOUND)


class Role(StrEnum):
    """A person's role on the team."""

    REP = "rep"
    MANAGER = "manager"


OPEN, WON, LOST, ARCHIVED = Status.OPEN, Status.WON, Status.LOST, Status.ARCHIVED
STATUSES = tuple(Status)
CLOSED = (Status.WON, Status.LOST, Status.ARCHIVED)
TOUCH_KINDS = tuple(TouchKind)

# Lead numbers are the `leads.id` column: a 32-bit integer on every database.
LEAD_ID_MAX = 2**31 - 1
_LEAD_ID = re.compile(r"[0-9]{1,10}")
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
_NOT_ASCII_DIGIT = re.compile(r"[^0-9]+")


def parse_lead_id(text: str) -> int | None:
    """The lead number `text` spells in ASCII digits (leading zeros allowed), or None when it cannot be one."""
    digits = text.lstrip("0") if len(text) <= 40 else text
    if not digits or not _LEAD_ID.fullmatch(digits):
        return None
    number = int(digits)
    return number if number <= LEAD_ID_MAX else None


def company_key(company: str) -> str:
    """A case-, accent- and punctuation-insensitive key for spotting duplicate companies."""
    if company.isascii():  # nothing to decompose, and ASCII folds to lower case
        return _NOT_WORD.sub(" ", company.lower()).strip()
    folded = unicodedata.normalize("NFKD", company).encode("ascii", "ignore").decode() or company
    return _NOT_WORD.sub(" ", folded.casefold()).strip()


# Letters that carry their mark inside them, so decomposing leaves them as they are (`Søren`).
_LETTER_FOLDS = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th"}
)


def search_fold(text: str) -> str:
    """Text as search compares it: case and accents folded, whitespace collapsed (`Lée` → `lee`,
    `Søren` → `soren`)."""
    if text.isascii():  # no accent to take off, and ASCII folds to lower case
        return " ".join(text.lower().split())
    decomposed = unicodedata.normalize("NFKD", text.casefold()).translate(_LETTER_FOLDS)
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).split())


def lead_search_text(
    company: str,
    contact: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    source: str | None = None,
) -> str:
    """What `/lead find` and the lead picker look through, one folded field a line.

    A phone is there twice, as written and as bare digits, so `5550100` finds `+1 555 0100`.
    """
    if phone is None or phone.isascii():
        digits = _NOT_ASCII_DIGIT.sub("", phone or "")
    else:
        digits = "".join(ch for ch in phone if ch.isdigit())
    fields = (company, contact, email, phone, digits, source)
    return "\n".join(search_fold(field) for field in fields if field)


def weighted(value: Decimal | None, probability: Decimal) -> Decimal:
    """Value times stage probability, to the cent."""
    return ((value or Decimal(0)) * probability).quantize(Decimal("0.01"))


# Dates a lead can carry (follow-ups, expected closes, imported history): anything else is a typo.
EARLIEST_DATE = date(1970, 1, 1)
LATEST_DATE = date(2100, 12, 31)
MAX_VALUE = Decimal(10) ** 12


def sane_date(value: date) -> bool:
    """True for a date between 1970 and 2100."""
    return EARLIEST_DATE <= value <= LATEST_DATE


def sane_value(value: Decimal) -> bool:
    """True for a finite amount from 0 up to a trillion, in cents at most."""
    return (
        value.is_finite()
        and Decimal(0) <= value < MAX_VALUE
        and value == value.quantize(Decimal("0.01"))
    )
