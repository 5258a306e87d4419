"""Money as reps type it in slash commands: `$12,500`, `€5k`, `5000 EUR`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from bot.domain.errors import ParseError
from bot.domain.parsing.text import shown

CURRENCIES: frozenset[str] = frozenset(
    {
        "USD",
        "EUR",
        "GBP",
        "JPY",
        "CHF",
        "CAD",
        "AUD",
        "SEK",
        "NOK",
        "DKK",
        "PLN",
        "INR",
        "BRL",
        "SGD",
        "NZD",
    }
)
SYMBOLS: dict[str, str] = {
    "$": "USD",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "₹": "INR",
    "US$": "USD",
    "C$": "CAD",
    "CA$": "CAD",
    "A$": "AUD",
    "AU$": "AUD",
    "NZ$": "NZD",
    "S$": "SGD",
    "R$": "BRL",
}
MAX_AMOUNT = Decimal(10) ** 12

# A bare `$` is ambiguous across the dollar currencies, so a code may narrow it.
_DOLLAR_CODES = frozenset({"USD", "CAD", "AUD", "NZD", "SGD"})
_SYMBOLS_LONGEST_FIRST = sorted(SYMBOLS, key=len, reverse=True)
_MINUS = ("-", "−", "–")
_CENT = Decimal("0.01")
_MULTIPLIERS = {"": 1, "k": 1_000, "m": 1_000_000}
_CODE_BEFORE_RE = re.compile(r"([A-Za-z]{3})(?=\s?[-−–]?[\d.])")
_CODE_AFTER_RE = re.compile(r"(?<=[\d.kKmM])\s?([A-Za-z]{3})$")
_NUMBER_RE = re.compile(
    r"(?P<whole>\d{1,3}(?:,\d{3})+|\d+)?(?:\.(?P<frac>\d+))?(?P<suffix>[kKmM]?)"
)
VALUE_EXAMPLES = "Write it like $12,500, $12.5k, €5,000 or 5000 EUR."


@dataclass(frozen=True, slots=True)
class Money:
    """An amount rounded to cents, in an ISO 4217 currency."""

    amount: Decimal
    currency: str


def is_currency_marker(word: str) -> bool:
    """True for a currency sign or a known ISO code standing alone, like `$` or `eur`."""
    return word in SYMBOLS or word.upper() in CURRENCIES


def is_currency_code(word: str) -> bool:
    """True for a known ISO currency code, in any letter case."""
    return word.upper() in CURRENCIES


def parse_value(token: str) -> Money | None:
    """Read a deal value; None when the token has no currency, since bare numbers are names."""
    text = token.strip()
    body, negative = _strip_minus(text)
    sign, body = _take_symbol_prefix(body)
    code = None
    if sign is None:
        code, body = _take_code_prefix(body)
    body, minus_after_currency = _strip_minus(body)
    negative = negative or minus_after_currency
    trailing_sign, body = _take_symbol_suffix(body)
    trailing_code = None
    if trailing_sign is None:
        trailing_code, body = _take_code_suffix(body)
    body = body.strip()

    found = [c for c in (sign, code, trailing_sign, trailing_code) if c is not None]
    if not found:
        return None
    if body and not any(char.isdigit() for char in body):
        return None  # `A$AP` or `$abc`: a name that happens to hold a sign, not an amount.
    if not body:
        raise ParseError(f"{shown(text)} needs an amount. {VALUE_EXAMPLES}")
    if negative:
        raise ParseError(f"A value can't be negative ({shown(text)}). {VALUE_EXAMPLES}")
    currency = _one_currency(found, text)
    amount = _read_amount(body, text)
    return Money(amount=amount, currency=currency)


def _strip_minus(text: str) -> tuple[str, bool]:
    if text.startswith(_MINUS):
        return text[1:].lstrip(), True
    return text, False


def _take_symbol_prefix(text: str) -> tuple[str | None, str]:
    upper = text.upper()
    for symbol in _SYMBOLS_LONGEST_FIRST:
        if upper.startswith(symbol):
            return SYMBOLS[symbol], text[len(symbol) :].lstrip()
    return None, text


def _take_symbol_suffix(text: str) -> tuple[str | None, str]:
    upper = text.upper()
    for symbol in _SYMBOLS_LONGEST_FIRST:
        if upper.endswith(symbol):
            return SYMBOLS[symbol], text[: -len(symbol)].rstrip()
    return None, text


def _take_code_prefix(text: str) -> tuple[str | None, str]:
    match = _CODE_BEFORE_RE.match(text)
    if match and match.group(1).upper() in CURRENCIES:
        return match.group(1).upper(), text[3:].lstrip()
    return None, text


def _take_code_suffix(text: str) -> tuple[str | None, str]:
    match = _CODE_AFTER_RE.search(text)
    if match and match.group(1).upper() in CURRENCIES:
        return match.group(1).upper(), text[: match.start()].rstrip()
    return None, text


def _one_currency(found: list[str], text: str) -> str:
    if len(found) == 1:
        return found[0]
    first, second = found[0], found[-1]
    if len(found) == 2 and (first == second or (first == "USD" and second in _DOLLAR_CODES)):
        return second
    raise ParseError(f"{shown(text)} names two currencies; use one. {VALUE_EXAMPLES}")


def _read_amount(body: str, text: str) -> Decimal:
    match = _NUMBER_RE.fullmatch(body)
    if match is None or (match["whole"] is None and match["frac"] is None):
        raise ParseError(f"Can't read the value {shown(text)}. {VALUE_EXAMPLES}")
    whole = (match["whole"] or "0").replace(",", "")
    frac = match["frac"] or ""
    suffix = match["suffix"].lower()
    if len(frac) > 2 and not suffix:
        # `12.500` is a thousand separator in much of Europe; don't guess.
        raise ParseError(
            f"Can't read the value {shown(text)}: use at most two decimals. {VALUE_EXAMPLES}"
        )
    amount = Decimal(f"{whole}.{frac or '0'}") * _MULTIPLIERS[suffix]
    if amount > MAX_AMOUNT:
        raise ParseError(
            f"{shown(text)} is more than a trillion; check the amount. {VALUE_EXAMPLES}"
        )
    return amount.quantize(_CENT, rounding=ROUND_HALF_UP)
