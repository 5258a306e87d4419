"""`/lead Acme Corp $12,500 @dana stage:qualification next:friday`: one line to a new lead."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from bot.domain.errors import ParseError
from bot.domain.parsing.dates import parse_when
from bot.domain.parsing.money import (
    SYMBOLS,
    VALUE_EXAMPLES,
    Money,
    is_currency_code,
    is_currency_marker,
    parse_value,
)
from bot.domain.parsing.refs import StageRef, parse_mention, resolve_stage
from bot.domain.parsing.text import Token, clean_line, key_value, shown, tokenize, unescape

LEAD_KEYS: tuple[str, ...] = (
    "stage",
    "next",
    "source",
    "email",
    "contact",
    "phone",
    "value",
    "owner",
    "close",
)
MAX_COMPANY_LENGTH = 200
MAX_CONTACT_LENGTH = 200
MAX_SOURCE_LENGTH = 100
MAX_EMAIL_LENGTH = 254
MAX_PHONE_LENGTH = 40

_EXAMPLES = {
    "company": 'company:"Acme Corp"',
    "source": "source:webinar",
    "contact": 'contact:"Ann Lee"',
    "email": "email:ann@acme.test",
    "phone": 'phone:"+1 555 0100"',
    "value": "value:$12,500",
    "owner": "owner:@dana",
    "close": "close:2027-03-31",
}
_TRAILING = ",;."
_FIELD_NAMES = {
    "owner": "owner_id",
    "stage": "stage_key",
    "next": "next_follow_up",
    "close": "expected_close",
}
_MAILTO_RE = re.compile(r"<mailto:([^|<>]*)(?:\|[^<>]*)?>", re.IGNORECASE)
_EMAIL_RE = re.compile(
    r"[^\s@<>\"(),;:]+@[^\W_](?:[\w-]*[^\W_])?(?:\.[^\W_](?:[\w-]*[^\W_])?)*\.[^\W\d_]{2,}"
)
_PHONE_RE = re.compile(r"\+?[\d\s().\-/]+(?:\s*(?:x|ext\.?)\s*\d{1,6})?", re.IGNORECASE)
_PHONE_PART_RE = re.compile(r"[\d().\-/]*\d[\d().\-/]*")
_BARE_AT_RE = re.compile(r"@[\w.\-]+")

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class NewLeadInput:
    """Everything `/lead …` said about a new lead; None where the user said nothing."""

    company: str
    value: Money | None = None
    owner_id: str | None = None
    stage_key: str | None = None
    next_follow_up: date | None = None
    source: str | None = None
    email: str | None = None
    contact: str | None = None
    phone: str | None = None
    expected_close: date | None = None


def parse_new_lead(
    text: str, *, today: date, stages: Sequence[StageRef], working_days: Collection[int] = ()
) -> NewLeadInput:
    """Read `/lead` text: whatever is not a value, mention or `key:value` is the company name."""
    tokens = tokenize(text)
    fields: dict[str, object] = {}
    said: dict[str, str] = {}
    readers = field_readers(today, stages, working_days)
    company: list[str] = []
    i = 0
    while i < len(tokens):
        field = _keyed_field(tokens, i, readers) or _bare_field(tokens, i)
        if field is None:
            company.append(tokens[i].text)
            i += 1
            continue
        key, value, raw, used = field
        if key in fields:
            raise ParseError(_twice(key, said[key], raw))
        fields[key], said[key] = value, raw
        i += used

    name = " ".join(word for word in (clean_line(part) for part in company) if word).strip(" ,;")
    if not name:
        raise ParseError("Add the company name, e.g. `/lead Acme Corp $12,500 @dana`.")
    if len(name) > MAX_COMPANY_LENGTH:
        raise ParseError(
            f"The company name is {len(name)} characters long; keep it to {MAX_COMPANY_LENGTH}."
        )
    named = {_FIELD_NAMES.get(key, key): value for key, value in fields.items()}
    return NewLeadInput(company=name, **named)  # type: ignore[arg-type]


def field_readers(
    today: date, stages: Sequence[StageRef], working_days: Collection[int]
) -> dict[str, Callable[[str], object]]:
    """How each `key:` value is read, by key (`company` too, for `/lead edit`)."""
    return {
        "company": lambda value: _read_text("company", value, MAX_COMPANY_LENGTH),
        "stage": lambda value: resolve_stage(value, stages).key,
        "next": lambda value: parse_when(value, today=today, working_days=working_days),
        "close": lambda value: parse_when(value, today=today, working_days=working_days),
        "source": lambda value: _read_text("source", value, MAX_SOURCE_LENGTH),
        "contact": lambda value: _read_text("contact", value, MAX_CONTACT_LENGTH),
        "email": read_email,
        "phone": read_phone,
        "value": _read_value,
        "owner": _read_owner,
    }


# A field found in the text: its key, its value, the words that said it, and how many tokens.
_Field = tuple[str, object, str, int]


def _keyed_field(
    tokens: list[Token], i: int, readers: dict[str, Callable[[str], object]]
) -> _Field | None:
    """A `key:value` field at `tokens[i]`, or None when the token is not one."""
    token = tokens[i]
    key = token.key
    if key is None or (key not in LEAD_KEYS and not token.value):
        return None
    if key not in LEAD_KEYS:
        keys = ", ".join(f"{name}:" for name in LEAD_KEYS)
        raise ParseError(
            f"Unknown key `{key}:`. Use {keys} (quote the company name if it has a colon)."
        )
    value, used = key_value(tokens, i)
    if key == "phone" and not token.quoted and used == 1:
        value, used = _phone_continuation(tokens, i, value)
    return key, readers[key](value), f"{key}:{value}", used


def _bare_field(tokens: list[Token], i: int) -> _Field | None:
    """A field given without its key at `tokens[i]`: an @mention, a mailto link or a value."""
    if tokens[i].quoted:
        return None
    word = tokens[i].text.rstrip(_TRAILING)
    if owner := parse_mention(word):
        return "owner", owner, word, 1
    if _MAILTO_RE.fullmatch(word):
        return "email", read_email(word), word, 1
    money, used = _value_at(tokens, i)
    if money is not None:
        return "value", money, " ".join(t.text for t in tokens[i : i + used]), used
    if len(word) > 1 and word[0] in SYMBOLS:  # `$abc`, `$NaN`: a value that does not read
        raise ParseError(f"Can't read the value {shown(word)}. {VALUE_EXAMPLES}")
    if _BARE_AT_RE.fullmatch(word):
        raise ParseError(
            f"{shown(word)} is not a Slack user I can see; pick them from the @ menu so Slack sends a mention."
        )
    return None


def _phone_continuation(tokens: list[Token], i: int, value: str) -> tuple[str, int]:
    """`phone:+1 555 0100` unquoted: the digit groups after the colon belong to the number."""
    parts = [value]
    j = i + 1
    while j < len(tokens) and not tokens[j].quoted and _PHONE_PART_RE.fullmatch(tokens[j].text):
        parts.append(tokens[j].text)
        j += 1
    return " ".join(parts), j - i


def _value_at(tokens: list[Token], i: int) -> tuple[Money | None, int]:
    """A value at `tokens[i]`, also when sign or code is a word of its own: `$ 500`, `5000 EUR`."""
    word = tokens[i].text.rstrip(_TRAILING)
    following = tokens[i + 1] if i + 1 < len(tokens) else None
    if following is not None and not following.quoted and following.key is None:
        next_word = following.text.rstrip(_TRAILING)
        if is_currency_marker(word) and next_word[:1].isdigit():
            return parse_value(f"{word} {next_word}"), 2
        if word[:1].isdigit() and is_currency_code(next_word) and parse_value(word) is None:
            return parse_value(f"{word} {next_word}"), 2
    return parse_value(word), 1


def _read_text(key: str, value: str, limit: int) -> str:
    text = clean_line(value)
    if not text:
        raise ParseError(f"`{key}:` needs a value, e.g. {_EXAMPLES[key]}.")
    if len(text) > limit:
        raise ParseError(f"`{key}:` is {len(text)} characters long; keep it to {limit}.")
    return text


def find_emails(text: str) -> Iterator[str]:
    """What looks like an email address in free text, in order; `read_email` says which really are."""
    return (match.group(0) for match in _EMAIL_RE.finditer(text))


def read_email(value: str) -> str:
    """An email address as given to `email:` (plain, or Slack's mailto link); ParseError otherwise."""
    mailto = _MAILTO_RE.fullmatch(value.strip())
    address = unescape(mailto.group(1)).split("?")[0] if mailto else clean_line(value)
    if not address:
        raise ParseError(f"`email:` needs an address, e.g. {_EXAMPLES['email']}.")
    if len(address) > MAX_EMAIL_LENGTH or not _EMAIL_RE.fullmatch(address):
        raise ParseError(
            f"{shown(address)} doesn't look like an email address, e.g. {_EXAMPLES['email']}."
        )
    return address


def read_phone(value: str) -> str:
    """A phone number as given to `phone:`: 4 to 20 digits with the usual separators; ParseError otherwise."""
    phone = clean_line(value)
    if not phone:
        raise ParseError(f"`phone:` needs a number, e.g. {_EXAMPLES['phone']}.")
    digits = sum(char.isdigit() for char in phone)
    if len(phone) > MAX_PHONE_LENGTH or not _PHONE_RE.fullmatch(phone) or not 4 <= digits <= 20:
        raise ParseError(
            f"Can't read the phone number {shown(phone)}; write it like {_EXAMPLES['phone']}."
        )
    return phone


def _read_value(value: str) -> Money:
    return _found(
        parse_value(value),
        f'{shown(value)} needs a currency, e.g. value:$12,500 or value:"12500 EUR".',
    )


def _read_owner(value: str) -> str:
    return _found(parse_mention(value), f"`owner:` needs an @mention, e.g. {_EXAMPLES['owner']}.")


def _found(value: T | None, refusal: str) -> T:
    if value is None:
        raise ParseError(refusal)
    return value


def _twice(name: str, first: str, second: str) -> str:
    if name in ("value", "owner", "email"):
        return f"Give one {name}, not two ({shown(first)} and {shown(second)})."
    return f"`{name}:` is given twice; give it once."
