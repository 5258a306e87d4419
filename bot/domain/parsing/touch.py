"""`/touch acme call Spoke with the CFO next:tue`: one line to a logged touch.

Where the lead's name ends is not known from the words alone (`/touch blue harbor call …`): the
parser offers each reading, the lead named by its first one word, two words, … (`ref_prefixes`),
and the caller takes the longest that names exactly one lead (`parse_touch(…, ref_words=n)`).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from bot.domain.errors import ParseError
from bot.domain.leads import TouchKind
from bot.domain.parsing.commands import HELP_WORDS, one_slip_from
from bot.domain.parsing.dates import parse_when
from bot.domain.parsing.refs import LeadRef, ref_from_tokens
from bot.domain.parsing.text import Token, clean_block, key_value, tokenize
from bot.domain.parsing.usage import usage_hint

TOUCH_KINDS: tuple[str, ...] = tuple(TouchKind)
# A touch without a kind word is a contact of some kind; a note must be said.
DEFAULT_KIND = TouchKind.OTHER
MAX_NOTE_LENGTH = 4000
# The longest lead name a reading tries, in words.
MAX_REF_WORDS = 6

_NUMBER_RE = re.compile(r"#?\d+")
_KIND_WORDS = {kind: kind for kind in TOUCH_KINDS} | {
    "e-mail": "email",
    "mtg": "meeting",
    "msg": "message",
}


@dataclass(frozen=True, slots=True)
class TouchInput:
    """A touch as `/touch` described it: which lead, what kind, the note, maybe a next date."""

    ref: LeadRef
    kind: str
    note: str
    next_follow_up: date | None = None


def is_help(text: str) -> bool:
    """`/touch help`: help is a reserved word, never a lead's name."""
    tokens = tokenize(text)
    return bool(tokens) and not tokens[0].quoted and tokens[0].text.lower() in HELP_WORDS


def near_help(text: str) -> bool:
    """`/touch hepl`: a first word one slip from `help` (never a quoted one)."""
    tokens = tokenize(text)
    if not tokens or tokens[0].quoted:
        return False
    word = tokens[0].text.lower().rstrip(".,:;!")
    return len(word) >= 3 and one_slip_from(word, "help")


def names_lead_by_number(text: str) -> bool:
    """Whether a line starts with a lead's number (`#42 call …`), not a company's name."""
    prefixes = ref_prefixes(text)
    return len(prefixes) == 1 and _NUMBER_RE.fullmatch(prefixes[0][1]) is not None


def ref_prefixes(text: str, *, skip_next: bool = True) -> list[tuple[int, str]]:
    """The lead names a line may start with, as (words, name), longest first: `blue harbor call`,
    `blue harbor`, `blue`. A number (`#42`) or a quoted name is the only one.

    The words are counted as `parse_touch` counts them (`next:` and its date left out), or, with
    `skip_next=False`, as they come (`/lead lost`).
    """
    tokens = tokenize(text)
    words = _words(tokens) if skip_next else tokens
    if not words:
        return []
    if words[0].quoted or _NUMBER_RE.fullmatch(words[0].text):
        return [(1, words[0].text)]
    count = min(len(words), MAX_REF_WORDS)
    return [
        (n, " ".join(token.text for token in words[:n]))
        for n in range(count, 0, -1)
        if not any(token.quoted for token in words[1:n])
    ]


def _words(tokens: list[Token]) -> list[Token]:
    """The words of a `/touch` line that are not `next:` and its date."""
    words = []
    i = 0
    while i < len(tokens):
        if tokens[i].key == "next":
            i += key_value(tokens, i)[1]
            continue
        words.append(tokens[i])
        i += 1
    return words


def parse_touch(
    text: str, *, today: date, working_days: Collection[int] = (), ref_words: int = 1
) -> TouchInput:
    """Read `/touch <ref> [kind] [note] [next:<when>]` with the lead named by its first
    `ref_words` words; the note keeps the user's own wording."""
    tokens = tokenize(text)
    next_follow_up: date | None = None
    cuts: list[tuple[int, int]] = []
    words = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.key != "next":
            words.append(token)
            i += 1
            continue
        if next_follow_up is not None:
            raise ParseError("`next:` is given twice; give it once.")
        value, used = key_value(tokens, i)
        next_follow_up = parse_when(value, today=today, working_days=working_days)
        cuts.append((token.start, tokens[i + used - 1].end))
        i += used
    if not words:
        raise ParseError(f"Say which lead the touch is for. {usage_hint('touch')}")
    named = max(1, min(ref_words, len(words)))
    ref = ref_from_tokens(words[:named])
    kind = DEFAULT_KIND
    body_start = words[named - 1].end
    if len(words) > named and not words[named].quoted:
        word = words[named].text.lower().rstrip(":,.;-—–")
        if word in _KIND_WORDS:
            kind = _KIND_WORDS[word]
            body_start = words[named].end
    note = _note(text, body_start, cuts)
    if len(note) > MAX_NOTE_LENGTH:
        raise ParseError(f"The note is {len(note)} characters long; keep it to {MAX_NOTE_LENGTH}.")
    return TouchInput(ref=ref, kind=kind, note=note, next_follow_up=next_follow_up)


def _note(text: str, start: int, cuts: list[tuple[int, int]]) -> str:
    """The text after `start`, as typed, without the `next:` words."""
    pieces: list[str] = []
    position = start
    for cut_start, cut_end in cuts:
        if cut_end <= start:
            continue
        pieces.append(text[position:cut_start])
        position = cut_end
    pieces.append(text[position:])
    return clean_block(" ".join(piece.strip() for piece in pieces if piece.strip()))
