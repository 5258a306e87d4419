"""References inside commands: leads (`#42`, `acme`), stages and user mentions."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.errors import ParseError
from bot.domain.parsing.text import Token, clean_line, shown, tokenize

MAX_REF_LENGTH = 200
MIN_REF_LENGTH = 2
_MAX_LEAD_ID = 2**63 - 1
_MENTION_RE = re.compile(r"<@([UW][A-Z0-9]{2,})(?:\|[^<>]*)?>")
_LEAD_ID_RE = re.compile(r"#?\s*(\d+)")
_SEPARATORS_RE = re.compile(r"[\s_-]+")
_OUTCOMES = ("won", "lost")


@dataclass(frozen=True, slots=True)
class StageRef:
    """A configured pipeline stage, as parsers need it: its key and its display name."""

    key: str
    name: str


@dataclass(frozen=True, slots=True)
class LeadRef:
    """Which lead a command means: a number (`#42`) or part of a company name."""

    lead_id: int | None = None
    text: str | None = None

    def __post_init__(self) -> None:
        if (self.lead_id is None) == (self.text is None):
            raise ValueError("a LeadRef has either a lead_id or a text")

    def __str__(self) -> str:
        return f"#{self.lead_id}" if self.lead_id is not None else str(self.text)


def parse_mention(token: str) -> str | None:
    """The user id in a `<@U123>` or `<@U123|name>` mention, else None."""
    match = _MENTION_RE.fullmatch(token.strip())
    return match.group(1) if match else None


def parse_ref(text: str) -> LeadRef:
    """`42` or `#42` is a lead number; anything else (or anything quoted) is part of a company name."""
    tokens = tokenize(text)
    if len(tokens) == 1 and tokens[0].quoted:
        return _text_ref(tokens[0].text)
    flat = clean_line(" ".join(token.text for token in tokens))
    if number := _LEAD_ID_RE.fullmatch(flat):
        digits = number.group(1).lstrip("0")
        if not digits or len(digits) > 19 or int(digits) > _MAX_LEAD_ID:
            raise ParseError(f"There is no lead {shown(flat)}; lead numbers look like #42.")
        return LeadRef(lead_id=int(digits))
    return _text_ref(flat)


def ref_from_tokens(tokens: Sequence[Token]) -> LeadRef:
    """A lead reference made of already-split words; a single quoted phrase is always a name."""
    if len(tokens) == 1 and tokens[0].quoted:
        return _text_ref(tokens[0].text)
    return parse_ref(" ".join(token.text for token in tokens))


def resolve_stage(text: str, stages: Sequence[StageRef]) -> StageRef:
    """The stage `text` names: its key, its name, or a prefix of exactly one of them, in any case."""
    wanted = _normal(clean_line(text))
    choices = ", ".join(stage.key for stage in stages)
    if not stages:
        raise ParseError(
            "No pipeline stages are configured; ask your admin to check pipeline.toml."
        )
    if not wanted:
        raise ParseError(f"Say which stage. Use one of: {choices}.")
    for stage in stages:
        if wanted in (_normal(stage.key), _normal(stage.name)):
            return stage
    matches = [
        stage
        for stage in stages
        if _normal(stage.key).startswith(wanted) or _normal(stage.name).startswith(wanted)
    ]
    if len(matches) == 1:
        return matches[0]
    if matches:
        both = ", ".join(stage.key for stage in matches)
        raise ParseError(f"Stage {shown(text)} could be {both}. Use one of: {choices}.")
    if wanted in _OUTCOMES:
        raise ParseError(f"`{wanted}` is an outcome, not a stage: use `/lead {wanted} <ref>`.")
    raise ParseError(f"Unknown stage {shown(text)}. Use one of: {choices}.")


def _text_ref(raw: str) -> LeadRef:
    text = clean_line(raw)
    if len(text) < MIN_REF_LENGTH:
        raise ParseError(
            f"Say which lead: its number like #42, or at least {MIN_REF_LENGTH} letters of the company name."
        )
    if len(text) > MAX_REF_LENGTH:
        raise ParseError(
            "That lead reference is too long; use its number like #42 or part of its name."
        )
    return LeadRef(text=text)


def _normal(name: str) -> str:
    return _SEPARATORS_RE.sub(" ", name.casefold()).strip()
