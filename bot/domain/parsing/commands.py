"""`/lead <subcommand> …`: the first word picks what to do; anything else creates a lead."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeAlias, TypeVar

from bot.domain.errors import ParseError
from bot.domain.lost import CATEGORY_WORDS
from bot.domain.parsing.dates import parse_when
from bot.domain.parsing.lead import NewLeadInput, parse_new_lead
from bot.domain.parsing.refs import LeadRef, StageRef, parse_mention, ref_from_tokens, resolve_stage
from bot.domain.parsing.text import Token, clean_block, tokenize
from bot.domain.parsing.usage import USAGE, usage_hint

SCOPE_MINE = "mine"
SCOPE_ALL = "all"
MAX_REASON_LENGTH = 500

_MINE_WORDS = frozenset({"mine", "me", "my"})
_ALL_WORDS = frozenset({"all", "team", "everyone"})
_HELP_WORDS = frozenset({"help", "?", "-h", "--help"})
_JOINERS = frozenset({"to", "until", "till"})

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class OpenModal:
    """`/lead` with no text: open the New lead modal."""


@dataclass(frozen=True, slots=True)
class HelpCmd:
    """`/lead help [subcommand]`."""

    topic: str | None = None


@dataclass(frozen=True, slots=True)
class ListCmd:
    """`/lead list`: `scope` is `mine`, `all`, or the Slack user id of a rep."""

    scope: str = SCOPE_MINE
    stage_key: str | None = None


@dataclass(frozen=True, slots=True)
class ShowCmd:
    """`/lead show <ref>`."""

    ref: LeadRef


@dataclass(frozen=True, slots=True)
class MoveCmd:
    """`/lead move <ref> <stage>`."""

    ref: LeadRef
    stage_key: str


@dataclass(frozen=True, slots=True)
class WonCmd:
    """`/lead won <ref>`."""

    ref: LeadRef


@dataclass(frozen=True, slots=True)
class LostCmd:
    """`/lead lost <ref> [category] [reason]`: category one of the lost categories (default other)."""

    ref: LeadRef
    reason: str | None = None
    category: str | None = None


@dataclass(frozen=True, slots=True)
class AssignCmd:
    """`/lead assign <ref> @rep`."""

    ref: LeadRef
    owner_id: str


@dataclass(frozen=True, slots=True)
class QualifyCmd:
    """`/lead qualify <ref>`: open the qualification modal."""

    ref: LeadRef


@dataclass(frozen=True, slots=True)
class SnoozeCmd:
    """`/lead snooze <ref> <when>`."""

    ref: LeadRef
    until: date


@dataclass(frozen=True, slots=True)
class ArchiveCmd:
    """`/lead archive <ref>`."""

    ref: LeadRef


@dataclass(frozen=True, slots=True)
class ExportCmd:
    """`/lead export`: the caller's leads as CSV in a DM."""


@dataclass(frozen=True, slots=True)
class CreateCmd:
    """`/lead <company> …` or `/lead add <company> …`."""

    lead: NewLeadInput


LeadCommand: TypeAlias = (
    OpenModal
    | HelpCmd
    | ListCmd
    | ShowCmd
    | MoveCmd
    | WonCmd
    | LostCmd
    | AssignCmd
    | QualifyCmd
    | SnoozeCmd
    | ArchiveCmd
    | ExportCmd
    | CreateCmd
)


_REF_ONLY: dict[str, Callable[[LeadRef], LeadCommand]] = {
    "show": ShowCmd,
    "won": WonCmd,
    "qualify": QualifyCmd,
    "archive": ArchiveCmd,
}


def parse_lead_subcommand(text: str, *, today: date, stages: Sequence[StageRef]) -> LeadCommand:
    """Read everything `/lead` accepts; `stages` are the configured stages in pipeline order."""
    tokens = tokenize(text)
    if not tokens:
        return OpenModal()
    head, args = tokens[0], tokens[1:]
    word = head.text.lower()
    if head.quoted:
        return CreateCmd(parse_new_lead(text, today=today, stages=stages))
    if word in _HELP_WORDS:
        topic = args[0].text.lower() if args else None
        return HelpCmd(topic=topic if topic in USAGE else None)
    if word == "add":
        if not args:
            raise ParseError(f"Say which company to add. {usage_hint('add')}")
        return CreateCmd(parse_new_lead(text[args[0].start :], today=today, stages=stages))
    if word == "list":
        return _list(args, stages)
    if word == "export":
        if args:
            raise ParseError(f"`export` takes nothing after it. {usage_hint('export')}")
        return ExportCmd()
    if word in _REF_ONLY:
        return _REF_ONLY[word](_ref(args, word))
    if word == "move":
        return _move(args, stages)
    if word == "lost":
        return _lost(text, args)
    if word == "assign":
        return _assign(args)
    if word == "snooze":
        return _snooze(args, today)
    return CreateCmd(parse_new_lead(text, today=today, stages=stages))


def _ref(tokens: Sequence[Token], name: str) -> LeadRef:
    if not tokens:
        raise ParseError(f"Say which lead. {usage_hint(name)}")
    return ref_from_tokens(tokens)


def _list(args: Sequence[Token], stages: Sequence[StageRef]) -> ListCmd:
    scope: str | None = None
    stage_words: list[str] = []
    for token in args:
        word = token.text.lower()
        found = None if token.quoted else _scope_of(word, token.text)
        if found is None:
            stage_words.append(token.text)
            continue
        if scope is not None:
            raise ParseError(f"Give one of mine, all or @rep, not two. {usage_hint('list')}")
        scope = found
    stage_key = resolve_stage(" ".join(stage_words), stages).key if stage_words else None
    return ListCmd(scope=scope or SCOPE_MINE, stage_key=stage_key)


def _scope_of(word: str, text: str) -> str | None:
    if word in _MINE_WORDS:
        return SCOPE_MINE
    if word in _ALL_WORDS:
        return SCOPE_ALL
    return parse_mention(text)


def _move(args: Sequence[Token], stages: Sequence[StageRef]) -> MoveCmd:
    def stage_of(target: Token) -> str:
        return resolve_stage(target.value if target.key == "stage" else target.text, stages).key

    ref, stage_key = _ref_and_last(args, "move", "which stage", stage_of)
    return MoveCmd(ref=ref, stage_key=stage_key)


def _lost(text: str, args: Sequence[Token]) -> LostCmd:
    if not args:
        raise ParseError(f"Say which lead. {usage_hint('lost')}")
    category = None
    rest = args[0].end
    if len(args) > 1 and not args[1].quoted:
        category = CATEGORY_WORDS.get(args[1].text.lower().rstrip(".,:;"))
        if category is not None:
            rest = args[1].end
    reason = clean_block(text[rest:])
    if len(reason) > MAX_REASON_LENGTH:
        raise ParseError(
            f"The reason is {len(reason)} characters long; keep it to {MAX_REASON_LENGTH}."
        )
    return LostCmd(
        ref=ref_from_tokens(args[:1]),
        reason=reason or None,
        category=category.value if category else None,
    )


def _assign(args: Sequence[Token]) -> AssignCmd:
    def owner_of(target: Token) -> str:
        owner_id = None if target.quoted else parse_mention(target.text)
        if owner_id is None:
            raise ParseError(f"Say which lead and @mention the rep. {usage_hint('assign')}")
        return owner_id

    ref, owner_id = _ref_and_last(args, "assign", "@mention the rep", owner_of)
    return AssignCmd(ref=ref, owner_id=owner_id)


def _snooze(args: Sequence[Token], today: date) -> SnoozeCmd:
    def until_of(target: Token) -> date:
        when = target.value if target.key in ("next", "until") else target.text
        return parse_when(when, today=today)

    ref, until = _ref_and_last(args, "snooze", "until when", until_of)
    return SnoozeCmd(ref=ref, until=until)


def _ref_and_last(
    args: Sequence[Token], name: str, what: str, read_last: Callable[[Token], T]
) -> tuple[LeadRef, T]:
    """`<lead words> [to|until] <last>`: the last word is read first, then the words before it as the lead."""
    if len(args) < 2:
        raise ParseError(f"Say which lead and {what}. {usage_hint(name)}")
    last = read_last(args[-1])
    return ref_from_tokens(_without_joiner(args[:-1])), last


def _without_joiner(tokens: Sequence[Token]) -> Sequence[Token]:
    """`assign acme to @dana`: a trailing `to` belongs to the sentence, not the lead's name."""
    if len(tokens) > 1 and not tokens[-1].quoted and tokens[-1].text.lower() in _JOINERS:
        return tokens[:-1]
    return tokens
