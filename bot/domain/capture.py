"""Guesses from a Slack message: which lead it is about, and the fields of a new lead."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from decimal import Decimal

from bot.domain.errors import ParseError
from bot.domain.leads import company_key
from bot.domain.parsing import Money, find_emails, parse_value, read_email, read_phone
from bot.domain.parsing.money import is_currency_code, is_currency_marker
from bot.domain.parsing.text import clean_block, clean_line, plain

MAX_NOTE_LENGTH = 3000
MAX_COMPANY_LENGTH = 200
MAX_FIRST_LINE = 80
MIN_NAME_KEY = 2

_ELLIPSIS = "…"
_TRIM = ",;:.!?)]}\"'“”"
_WORD_RE = re.compile(r"[^\W_][\w&'’.\-]*")
_SENTENCE_END = ".!?:\n"
_PHONE_RE = re.compile(r"(?<![\w$€£¥₹.,])\+?\(?\d[\d \t().\-]{5,22}\d(?![\w%])")
_ISO_DATE_RE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_SUFFIXES = _wordset(
    "inc corp corporation co company llc llp ltd limited gmbh ag sa sas srl spa bv nv plc oy ab "
    "as kk pty labs group holdings technologies systems software partners"
)
_CONNECTORS = frozenset({"&", "and", "of", "de", "du", "der", "la", "von", "van", "+"})
_BEFORE_COMPANY = frozenset({"from", "at", "of"})
_STOPWORDS = _wordset(
    "hi hello hey dear thanks thank cheers regards best the a an we i i'm i've our they their "
    "this that these those it it's please just fyi re fwd fw new lead call called meeting met "
    "spoke talked email emailed today tomorrow yesterday can could would will should good great "
    "ok okay yes no cc also so and but if when then from to at for with on in by via my your he "
    "she his her them us you let let's here there what who how why where is are was were be been "
    "monday tuesday wednesday thursday friday saturday sunday mon tue wed thu fri sat sun "
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec q1 q2 q3 q4 ceo cfo cto coo vp"
)
_FREEMAIL = _wordset(
    "gmail googlemail yahoo hotmail outlook live msn icloud me mac aol proton protonmail gmx "
    "mail yandex zoho fastmail hey"
)


@dataclass(frozen=True, slots=True)
class LeadGuess:
    """New-lead fields read from a message; None where the message gave nothing away."""

    company: str | None = None
    email: str | None = None
    phone: str | None = None
    value: str | None = None
    currency: str | None = None
    note: str | None = None

    def as_prefill(self) -> dict[str, str]:
        """The guess as the New lead modal's prefill: only the fields that were found."""
        return {key: value for key, value in asdict(self).items() if value}


def message_note(text: str, *, limit: int = MAX_NOTE_LENGTH) -> str:
    """A message's text as a plain note: markup turned to words, at most `limit` characters."""
    return _shorten(clean_block(text), limit)


def guess_lead(text: str, candidates: Iterable[tuple[int, str]]) -> int | None:
    """The lead whose company name appears in the text as whole words; the longest wins, a tie is no guess."""
    haystack = f" {company_key(plain(text))} "
    best_length, best_ids = 0, set[int]()
    for lead_id, company in candidates:
        needle = company_key(company)
        if len(needle) < MIN_NAME_KEY or f" {needle} " not in haystack:
            continue
        if len(needle) > best_length:
            best_length, best_ids = len(needle), {lead_id}
        elif len(needle) == best_length:
            best_ids.add(lead_id)
    return next(iter(best_ids)) if len(best_ids) == 1 else None


def guess_new_lead(text: str) -> LeadGuess:
    """Company, email, phone and value a message mentions, plus the message as a note."""
    readable = plain(text)
    email = _find_email(readable)
    money = _find_money(readable)
    return LeadGuess(
        company=_guess_company(readable, email),
        email=email,
        phone=_find_phone(readable),
        value=amount_text(money.amount) if money else None,
        currency=money.currency if money else None,
        note=message_note(text) or None,
    )


def amount_text(amount: Decimal) -> str:
    """An amount as a rep would type it back: `12,500` or `12,500.50`."""
    return f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - len(_ELLIPSIS)].rstrip() + _ELLIPSIS


def _find_email(text: str) -> str | None:
    for candidate in find_emails(text):
        try:
            return read_email(candidate.rstrip(_TRIM))
        except ParseError:
            continue
    return None


def _find_phone(text: str) -> str | None:
    for match in _PHONE_RE.finditer(text):
        candidate = match.group(0).strip()
        digits = sum(char.isdigit() for char in candidate)
        separated = candidate.startswith("+") or any(char in " ().-" for char in candidate)
        if _ISO_DATE_RE.fullmatch(candidate) or digits < 7 or not (separated or digits >= 10):
            continue
        try:
            return read_phone(candidate)
        except ParseError:
            continue
    return None


def _find_money(text: str) -> Money | None:
    words = [word.strip(_TRIM).lstrip("([{") for word in text.split()]
    for i, word in enumerate(words):
        following = words[i + 1] if i + 1 < len(words) else ""
        sign_then_amount = is_currency_marker(word) and following[:1].isdigit()
        amount_then_code = word[:1].isdigit() and is_currency_code(following)
        attempts = [f"{word} {following}", word] if sign_then_amount or amount_then_code else [word]
        for attempt in attempts:
            try:
                money = parse_value(attempt)
            except ParseError:
                continue
            if money is not None:
                return money
    return None


def _guess_company(text: str, email: str | None) -> str | None:
    runs = _capitalised_runs(text)
    preferences = (
        [run for run in runs if run.words[-1].lower().rstrip(".") in _SUFFIXES],
        [run for run in runs if run.after_preposition],
        [run for run in runs if len(run.words) > 1],
        [run for run in runs if not run.starts_sentence],
    )
    for choice in preferences:
        if choice:
            return _fit_company(choice[0].text)
    domain = _company_from_email(email)
    if domain:
        return domain
    first_line = next((line for line in text.splitlines() if clean_line(line)), "")
    return _fit_company(_first_words(clean_line(first_line), MAX_FIRST_LINE)) or None


@dataclass
class _Run:
    """Capitalised words in a row, and what came just before them."""

    words: list[str]
    after_preposition: bool
    starts_sentence: bool

    @property
    def text(self) -> str:
        return " ".join(self.words)


def _capitalised_runs(text: str) -> list[_Run]:
    """Runs of capitalised words such as `Acme Corp` or `Procter & Gamble`, in order."""
    runs: list[_Run] = []
    current: _Run | None = None
    previous, position, sentence_start = "", 0, True
    for match in _WORD_RE.finditer(text):
        gap, position = text[position : match.start()], match.end()
        raw = match.group(0)
        word = raw.rstrip(".'’-") or raw
        joiner = gap.strip()
        if current is not None and (joiner not in ("", "&", "+") or "\n" in gap):
            _close(runs, current)
            current = None
        sentence_start = sentence_start or any(char in _SENTENCE_END for char in gap)
        lower = word.lower()
        handle = gap.endswith(("@", "#"))  # `@dana` or `#sales` name people and channels
        name_like = word[0].isupper() and lower not in _STOPWORDS and not is_currency_code(word)
        if name_like and not handle:
            if current is None:
                after = previous in _BEFORE_COMPANY
                current = _Run([], after, sentence_start)
            elif joiner:
                current.words.append(joiner)
            current.words.append(word)
        elif current is not None and lower in _CONNECTORS:
            current.words.append(word)
        elif current is not None:
            _close(runs, current)
            current = None
        previous, sentence_start = lower, raw[-1] in _SENTENCE_END
    if current is not None:
        _close(runs, current)
    return runs


def _close(runs: list[_Run], run: _Run) -> None:
    while run.words and run.words[-1].lower() in _CONNECTORS | {"&", "+"}:
        run.words.pop()
    if run.words:
        runs.append(run)


def _company_from_email(email: str | None) -> str | None:
    if not email:
        return None
    labels = email.rpartition("@")[2].lower().split(".")
    name = labels[-2] if len(labels) >= 2 else ""
    if not name or name in _FREEMAIL:
        return None
    return name.replace("-", " ").title()


def _first_words(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut or text[:limit]


def _fit_company(name: str) -> str:
    return _shorten(clean_line(name).strip(_TRIM + " -"), MAX_COMPANY_LENGTH)
