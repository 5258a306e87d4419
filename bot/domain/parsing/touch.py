"""`/touch acme call Spoke with the CFO next:tue`: one line to a logged touch."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from bot.domain.errors import ParseError
from bot.domain.leads import TouchKind
from bot.domain.parsing.dates import parse_when
from bot.domain.parsing.refs import LeadRef, ref_from_tokens
from bot.domain.parsing.text import clean_block, key_value, tokenize
from bot.domain.parsing.usage import usage_hint

TOUCH_KINDS: tuple[str, ...] = tuple(TouchKind)
# A touch without a kind word is a contact of some kind; a note must be said.
DEFAULT_KIND = TouchKind.OTHER
MAX_NOTE_LENGTH = 4000

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


def parse_touch(text: str, *, today: date, working_days: Collection[int] = ()) -> TouchInput:
    """Read `/touch <ref> [kind] [note] [next:<when>]`; the note keeps the user's own wording."""
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
    ref = ref_from_tokens(words[:1])
    kind = DEFAULT_KIND
    body_start = words[0].end
    if len(words) > 1 and not words[1].quoted:
        word = words[1].text.lower().rstrip(":,.;-—–")
        if word in _KIND_WORDS:
            kind = _KIND_WORDS[word]
            body_start = words[1].end
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
