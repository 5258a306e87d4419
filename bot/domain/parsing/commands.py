"""`/lead <subcommand> …`: the first word picks what to do.

Nothing changes by accident. A first word one slip away from a subcommand (`lsit`, `edti`) is
answered with "did you mean" and changes nothing. Other text creates a lead only when it reads
like one — a value, an @mention or an option such as `stage:` — or through `/lead add …`;
anything else is asked first, with a button. `help` is reserved: `/lead help`, `/lead <sub>
help` and `/touch help` always show help.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import TypeAlias, TypeVar

from bot.domain.errors import ParseError
from bot.domain.lost import CATEGORY_WORDS
from bot.domain.parsing.dates import parse_when
from bot.domain.parsing.lead import NewLeadInput, field_readers, parse_new_lead
from bot.domain.parsing.refs import LeadRef, StageRef, parse_mention, ref_from_tokens, resolve_stage
from bot.domain.parsing.text import Token, clean_block, clean_line, tokenize
from bot.domain.parsing.usage import USAGE, usage_hint

SCOPE_MINE = "mine"
SCOPE_ALL = "all"
MAX_REASON_LENGTH = 500

MAX_FIND_LENGTH = 200
_MINE_WORDS = frozenset({"mine", "me", "my"})
_ALL_WORDS = frozenset({"all", "team", "everyone"})
HELP_WORDS = frozenset({"help", "?", "-h", "--help"})
_JOINERS = frozenset({"to", "until", "till"})
# What `/lead edit` may change, besides `stage:` and `owner:` (a move and an assignment).
EDIT_KEYS = ("company", "contact", "email", "phone", "value", "source", "close", "next")
_CLEAR_WORDS = frozenset({"-", "none", "clear"})

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


@dataclass(frozen=True, slots=True)
class ConfirmCreate:
    """`/lead Acme Corp` with nothing else that reads like a lead: ask before creating it."""

    lead: NewLeadInput


@dataclass(frozen=True, slots=True)
class DidYouMean:
    """A first word one slip away from a subcommand: say which, change nothing.

    `lead` is what `/lead add` would create from the same text, when it reads as one.
    """

    typed: str
    subcommand: str
    lead: NewLeadInput | None = None


@dataclass(frozen=True, slots=True)
class FindCmd:
    """`/lead find <text>`: leads by company, contact, email, phone, source or touch notes."""

    text: str


@dataclass(frozen=True, slots=True)
class ReopenCmd:
    """`/lead reopen <ref>`: a closed lead back to the stage it closed from."""

    ref: LeadRef


class Cleared(Enum):
    """A field `/lead edit` empties: given with nothing, `-`, `none` or `clear`."""

    CLEAR = "clear"


CLEAR = Cleared.CLEAR


@dataclass(frozen=True, slots=True)
class EditCmd:
    """`/lead edit <ref> key:value …`: the fields to change (`CLEAR` to empty an optional one)."""

    ref: LeadRef
    fields: tuple[tuple[str, object], ...]

    def as_dict(self) -> dict[str, object]:
        return dict(self.fields)


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
    | ConfirmCreate
    | DidYouMean
    | FindCmd
    | ReopenCmd
    | EditCmd
)


_REF_ONLY: dict[str, Callable[[LeadRef], LeadCommand]] = {
    "show": ShowCmd,
    "won": WonCmd,
    "qualify": QualifyCmd,
    "archive": ArchiveCmd,
    "reopen": ReopenCmd,
}
# Every subcommand name, each reserved: `/lead add <name> …` creates a company called that.
SUBCOMMANDS: tuple[str, ...] = (
    "help", "add", "list", "find", "show", "edit", "move", "won", "lost", "reopen", "assign",
    "qualify", "snooze", "archive", "export",
)  # fmt: skip


def parse_lead_subcommand(
    text: str,
    *,
    today: date,
    stages: Sequence[StageRef],
    working_days: Collection[int] = (),
    ref_words: int = 1,
) -> LeadCommand:
    """Read everything `/lead` accepts; `stages` are the configured stages in pipeline order.

    `today` and `working_days` are the calendar relative dates land on (the owner's, when known).
    `ref_words` is how many words name the lead in `lost`, whose reason follows the name
    (`lost blue harbor competitor …`): the caller finds it with `ref_prefixes`.
    """
    tokens = tokenize(text)
    if not tokens:
        return OpenModal()
    head, args = tokens[0], tokens[1:]
    word = head.text.lower()

    def new_lead(start: int = 0) -> NewLeadInput:
        return parse_new_lead(text[start:], today=today, stages=stages, working_days=working_days)

    if head.quoted:
        return CreateCmd(new_lead())
    if word in HELP_WORDS:
        topic = args[0].text.lower() if args else None
        return HelpCmd(topic=topic if topic in USAGE else None)
    if word in SUBCOMMANDS and _asks_help(args):
        return HelpCmd(topic=word)
    if word == "add":
        if not args:
            raise ParseError(f"Say which company to add. {usage_hint('add')}")
        return CreateCmd(new_lead(args[0].start))
    if word == "find":
        return _find(text, args)
    if word == "edit":
        return _edit(args, today, stages, working_days)
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
        return _lost(text, args, ref_words)
    if word == "assign":
        return _assign(args)
    if word == "snooze":
        return _snooze(args, today, working_days)
    suggestion = near_subcommand(head.text)
    if suggestion is not None:
        return DidYouMean(head.text, suggestion, _lead_or_none(new_lead))
    lead = new_lead()
    return CreateCmd(lead) if reads_like_a_lead(lead) else ConfirmCreate(lead)


def reads_like_a_lead(lead: NewLeadInput) -> bool:
    """Whether `/lead` text said more than a name: a value, an @mention, an email or an option."""
    return any(
        getattr(lead, field) is not None
        for field in lead.__slots__  # type: ignore[attr-defined]
        if field != "company"
    )


def _lead_or_none(read: Callable[[], NewLeadInput]) -> NewLeadInput | None:
    try:
        return read()
    except ParseError:
        return None


def _asks_help(args: Sequence[Token]) -> bool:
    """`/lead move help`: help is reserved, never a lead's name or an argument."""
    return len(args) == 1 and not args[0].quoted and args[0].text.lower() in HELP_WORDS


def near_subcommand(typed: str) -> str | None:
    """The subcommand a first word is one slip away from (`lsit` → list), or None.

    A slip is one letter added, dropped or changed, or two neighbours swapped; a word of three
    letters or fewer must not have a letter changed (`win` is not `won`), and a word shorter
    than three letters is never a slip.
    """
    word = typed.lower().rstrip(".,:;!")
    if len(word) < 3 or word in SUBCOMMANDS:
        return None
    for name in SUBCOMMANDS:
        if one_slip_from(word, name):
            return name
    return None


def one_slip_from(word: str, name: str) -> bool:
    """Whether `word` is `name` with one slip (see `near_subcommand`)."""
    return _slips(word, name) == 1 and not (len(name) <= 3 and _changed_one(word, name))


def _changed_one(word: str, name: str) -> bool:
    """True when `word` is `name` with exactly one letter changed (same length, one difference)."""
    return len(word) == len(name) and sum(a != b for a, b in zip(word, name, strict=True)) == 1


def _slips(a: str, b: str) -> int:
    """Edits between two words: insertions, deletions, changes and swaps of neighbours (at most 2)."""
    if abs(len(a) - len(b)) > 1:
        return 2
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, other in enumerate(b, 1):
            cost = 0 if char == other else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char == b[j - 2] and a[i - 2] == other:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return min(previous[-1], 2)


def _find(text: str, args: Sequence[Token]) -> FindCmd:
    if not args:
        raise ParseError(f"Say what to look for. {usage_hint('find')}")
    wanted = clean_line(text[args[0].start :])
    if len(wanted) > MAX_FIND_LENGTH:
        raise ParseError(f"That is {len(wanted)} characters; look for at most {MAX_FIND_LENGTH}.")
    return FindCmd(wanted)


def _edit(
    args: Sequence[Token],
    today: date,
    stages: Sequence[StageRef],
    working_days: Collection[int],
) -> EditCmd:
    """`/lead edit <ref> key:value …`: the reference is every word before the first `key:`.

    A value runs to the next `key:` (`contact: Ann Lee`); a key given nothing, `-` or `none`
    clears that field.
    """
    first_key = next((i for i, token in enumerate(args) if token.key is not None), None)
    if not first_key:
        raise ParseError(f"Say which lead and what to change. {usage_hint('edit')}")
    readers = field_readers(today, stages, working_days)
    allowed = (*EDIT_KEYS, "stage", "owner")
    fields: dict[str, object] = {}
    for key, words, quoted in _keyed_groups(args[first_key:]):
        if key not in allowed:
            keys = ", ".join(f"{name}:" for name in allowed)
            raise ParseError(f"`/lead edit` can't change `{key}:`. Use {keys}.")
        if key in fields:
            raise ParseError(f"`{key}:` is given twice; give it once.")
        if not quoted and words.lower() in ("", *_CLEAR_WORDS):
            if key in ("company", "stage", "owner"):
                raise ParseError(f"`{key}:` can't be cleared; give the new one, e.g. {key}:…")
            fields[key] = CLEAR
        else:
            fields[key] = readers[key](words)
    return EditCmd(ref=ref_from_tokens(args[:first_key]), fields=tuple(fields.items()))


def _keyed_groups(tokens: Sequence[Token]) -> list[tuple[str, str, bool]]:
    """Each `key:` with the words of its value (up to the next key) and whether it was quoted."""
    groups: list[tuple[str, list[str], bool]] = []
    for token in tokens:
        if token.key is not None:
            groups.append((token.key, [token.value] if token.value else [], token.quoted))
        else:
            groups[-1][1].append(token.text)
    return [(key, " ".join(words).strip(), quoted) for key, words, quoted in groups]


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


def _lost(text: str, args: Sequence[Token], ref_words: int = 1) -> LostCmd:
    if not args:
        raise ParseError(f"Say which lead. {usage_hint('lost')}")
    named = max(1, min(ref_words, len(args)))
    category = None
    rest = args[named - 1].end
    if len(args) > named and not args[named].quoted:
        category = CATEGORY_WORDS.get(args[named].text.lower().rstrip(".,:;"))
        if category is not None:
            rest = args[named].end
    reason = clean_block(text[rest:])
    if len(reason) > MAX_REASON_LENGTH:
        raise ParseError(
            f"The reason is {len(reason)} characters long; keep it to {MAX_REASON_LENGTH}."
        )
    return LostCmd(
        ref=ref_from_tokens(args[:named]),
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


def _snooze(args: Sequence[Token], today: date, working_days: Collection[int]) -> SnoozeCmd:
    def until_of(target: Token) -> date:
        when = target.value if target.key in ("next", "until") else target.text
        return parse_when(when, today=today, working_days=working_days)

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
