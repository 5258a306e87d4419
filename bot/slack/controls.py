"""What a button or menu option carries in its `value`, written and read in one place.

Every control about a lead carries `LeadControl`: the lead number, then `:`-separated parts (a
snooze span, a stage key, a menu verb and its argument, a subcommand to re-run on a picked lead).
"Create anyway" carries the whole lead to create as compact JSON. A value that does not read back
— an old message, a hand-made payload — is one stale-control line for the user, never a crash.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeAlias

from bot.domain.errors import UserFacingError
from bot.domain.leads import parse_lead_id, sane_date, sane_value
from bot.domain.lost import LOST_CATEGORIES
from bot.domain.parsing import (
    CURRENCIES,
    ArchiveCmd,
    AssignCmd,
    EditCmd,
    LeadRef,
    LostCmd,
    MoveCmd,
    QualifyCmd,
    ReopenCmd,
    ShowCmd,
    SnoozeCmd,
    WonCmd,
    read_email,
    read_phone,
)
from bot.domain.parsing.lead import MAX_COMPANY_LENGTH, MAX_CONTACT_LENGTH, MAX_SOURCE_LENGTH
from bot.domain.parsing.text import tidy_line
from bot.services.leads import NewLead
from bot.slack.kit import BUTTON_VALUE_MAX

STALE_CONTROL = (
    "That button no longer points at a lead; find it again with `/lead list` or `/lead show`."
)
_USER_ID_RE = re.compile(r"[UW][A-Z0-9]{2,}")


class StaleControl(UserFacingError):
    """A control whose value no longer reads: an old message or a payload Slack never sent."""

    def __init__(self) -> None:
        super().__init__(STALE_CONTROL)


def lead_value(lead_id: int, *parts: str) -> str:
    """`LeadControl(lead_id, parts).encode()` without building one: for the rows of every job DM."""
    return f"{lead_id}:{':'.join(parts)}" if parts else str(lead_id)


@dataclass(frozen=True)
class LeadControl:
    """A control about one lead: its number and what else the control says, `42[:part…]` on the wire."""

    lead_id: int
    parts: tuple[str, ...] = ()

    def encode(self) -> str:
        return lead_value(self.lead_id, *self.parts)

    @classmethod
    def decode(cls, value: str, *, parts: int = 0) -> LeadControl:
        """Read `value` with at most `parts` parts after the lead (the last keeps any `:`); StaleControl when it is not one."""
        head, *rest = value.split(":", parts) if parts else (value,)
        lead_id = parse_lead_id(head)
        if lead_id is None or len(value) > BUTTON_VALUE_MAX:
            raise StaleControl()
        return cls(lead_id, tuple(rest))

    @classmethod
    def of_action(cls, action: Mapping[str, Any], *, parts: int = 0) -> LeadControl:
        """The control a clicked button or a picked option (select, overflow) stands for."""
        value = action.get("value")
        if value is None:
            value = (action.get("selected_option") or {}).get("value")
        if not isinstance(value, str) or not value:
            raise StaleControl()
        return cls.decode(value, parts=parts)

    def part(self, index: int) -> str:
        return self.parts[index] if index < len(self.parts) else ""


RefCommand: TypeAlias = (
    ShowCmd
    | MoveCmd
    | WonCmd
    | LostCmd
    | AssignCmd
    | QualifyCmd
    | SnoozeCmd
    | ArchiveCmd
    | ReopenCmd
)

SUBCOMMANDS: dict[type, str] = {
    ShowCmd: "show",
    MoveCmd: "move",
    WonCmd: "won",
    LostCmd: "lost",
    AssignCmd: "assign",
    QualifyCmd: "qualify",
    SnoozeCmd: "snooze",
    ArchiveCmd: "archive",
    ReopenCmd: "reopen",
    EditCmd: "edit",
}
_BY_NAME = {name: kind for kind, name in SUBCOMMANDS.items()}


def subcommand_of(cmd: RefCommand | EditCmd) -> str:
    return SUBCOMMANDS[type(cmd)]


def _argument(cmd: RefCommand) -> str:
    match cmd:
        case MoveCmd(stage_key=stage_key):
            return stage_key
        case LostCmd(reason=reason, category=category):
            return f"{category or ''}|{reason or ''}"
        case AssignCmd(owner_id=owner_id):
            return owner_id
        case SnoozeCmd(until=until):
            return until.isoformat()
    return ""


def pick_value(lead_id: int, cmd: RefCommand) -> str:
    """`<lead_id>:<subcommand>:<argument>`: the command to run on the lead a picker button names."""
    return LeadControl(lead_id, (subcommand_of(cmd), _argument(cmd))).encode()


def read_pick_value(value: str, *, stage_keys: Collection[str]) -> RefCommand:
    """The command a picker button stands for, aimed at its lead; StaleControl when it is not one."""
    control = LeadControl.decode(value, parts=2)
    name, argument = control.part(0), control.part(1)
    ref = LeadRef(lead_id=control.lead_id)
    kind = _BY_NAME.get(name)
    if kind is MoveCmd and argument in stage_keys:
        return MoveCmd(ref=ref, stage_key=argument)
    if kind is SnoozeCmd:
        try:
            return SnoozeCmd(ref=ref, until=date.fromisoformat(argument))
        except ValueError:
            raise StaleControl() from None
    if kind is AssignCmd and _USER_ID_RE.fullmatch(argument):
        return AssignCmd(ref=ref, owner_id=argument)
    if kind is LostCmd:
        category, _, reason = argument.partition("|")
        if category and category not in LOST_CATEGORIES:
            raise StaleControl()
        return LostCmd(ref=ref, reason=reason or None, category=category or None)
    if kind in (ShowCmd, WonCmd, QualifyCmd, ArchiveCmd, ReopenCmd):
        return kind(ref=ref)
    raise StaleControl()


def pending_lead_value(new: NewLead, *, after_id: int) -> str | None:
    """The lead a "Create anyway" button creates, as compact JSON; None when it would not fit a button."""
    fields = {
        "c": new.company,
        "o": new.owner_id,
        "s": new.stage,
        "v": None if new.value is None else f"{new.value:f}",
        "u": new.currency,
        "n": new.contact,
        "e": new.email,
        "p": new.phone,
        "r": new.source,
        "f": new.next_follow_up.isoformat() if new.next_follow_up else None,
        "x": new.expected_close.isoformat() if new.expected_close else None,
        "a": after_id,
    }
    value = json.dumps(
        {key: item for key, item in fields.items() if item is not None},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return value if len(value) <= BUTTON_VALUE_MAX else None


def read_pending_lead_value(value: str, *, stage_keys: Collection[str]) -> tuple[NewLead, int]:
    """The lead and the duplicate watermark a "Create anyway" button carries; StaleControl when it is not one."""
    try:
        data = json.loads(value)
        new = NewLead(
            company=str(data["c"]),
            owner_id=str(data["o"]),
            stage=str(data["s"]),
            value=Decimal(data["v"]) if "v" in data else None,
            currency=str(data.get("u", "USD")),
            contact=data.get("n"),
            email=data.get("e"),
            phone=data.get("p"),
            source=data.get("r"),
            next_follow_up=date.fromisoformat(data["f"]) if "f" in data else None,
            expected_close=date.fromisoformat(data["x"]) if "x" in data else None,
        )
        # The highest lead id when the button was made: 0 on a database with no leads yet.
        after_id = 0 if str(data["a"]) == "0" else parse_lead_id(str(data["a"]))
    except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError) as error:
        raise StaleControl() from error
    valid = (
        after_id is not None
        and new.stage in stage_keys
        and _USER_ID_RE.fullmatch(new.owner_id)
        and all(
            isinstance(item, str | None) for item in (new.contact, new.email, new.phone, new.source)
        )
        and _retyped_ok(new)
    )
    if not valid:
        raise StaleControl()
    return new, after_id


def _retyped_ok(new: NewLead) -> bool:
    """A lead carried in a button passes the checks typed input passes: a button can be forged."""
    texts = ((new.company, MAX_COMPANY_LENGTH), (new.contact, MAX_CONTACT_LENGTH),
             (new.source, MAX_SOURCE_LENGTH), (new.email, 254), (new.phone, 64))  # fmt: skip
    if any(
        text is not None and (tidy_line(text) != text or len(text) > limit) for text, limit in texts
    ):
        return False
    try:
        email_ok = new.email is None or read_email(new.email) == new.email
        phone_ok = new.phone is None or read_phone(new.phone) == new.phone
    except UserFacingError:
        return False
    return (
        bool(new.company)
        and new.currency in CURRENCIES
        and (new.value is None or sane_value(new.value))
        and (new.next_follow_up is None or sane_date(new.next_follow_up))
        and (new.expected_close is None or sane_date(new.expected_close))
        and email_ok
        and phone_ok
    )


class ItemKind(StrEnum):
    """What a managers'-channel item is about, and so which leads stand behind it."""

    LEAD = "lead"  # one lead (a speed-to-lead breach)
    OWNER = "owner"  # every open lead of one person (orphaned pipeline)
    WIP = "wip"  # one rep's leads in one stage (over its WIP limit)
    STAGE = "stage"  # every open lead in one stage (congestion, bulge)
    LEADS = "leads"  # the leads the item listed (value at risk)
    REP = "rep"  # one rep's whole pipeline (thin)


ROUND_ROBIN = "rr"
OPTION_VALUE_MAX = 150
_ITEM_PARTS = {ItemKind.LEAD: 1, ItemKind.OWNER: 1, ItemKind.WIP: 2, ItemKind.STAGE: 1,
               ItemKind.LEADS: 1, ItemKind.REP: 1}  # fmt: skip
_STAGE_KEY_RE = re.compile(r"[a-z][a-z0-9_-]{0,31}")
_IDS_RE = re.compile(r"[0-9]{1,10}(?:\.[0-9]{1,10}){0,99}")


@dataclass(frozen=True)
class ItemControl:
    """A button or menu on a managers'-channel item: `kind:part[:part]`, with `|target` on a Reassign pick."""

    kind: ItemKind
    parts: tuple[str, ...]
    target: str | None = None

    def encode(self) -> str:
        text = ":".join((self.kind.value, *self.parts))
        return f"{text}|{self.target}" if self.target else text

    @classmethod
    def decode(cls, value: str) -> ItemControl:
        """Read a value; StaleControl when it is not one this app wrote."""
        if len(value) > BUTTON_VALUE_MAX:
            raise StaleControl()
        head, _, target = value.partition("|")
        kind_text, *parts = head.split(":")
        try:
            kind = ItemKind(kind_text)
        except ValueError:
            raise StaleControl() from None
        if len(parts) != _ITEM_PARTS[kind] or not all(
            _part_ok(kind, i, p) for i, p in enumerate(parts)
        ):
            raise StaleControl()
        if target and target != ROUND_ROBIN and not _USER_ID_RE.fullmatch(target):
            raise StaleControl()
        return cls(kind, tuple(parts), target or None)

    @classmethod
    def of_action(cls, action: Mapping[str, Any]) -> ItemControl:
        """The item a clicked button or a picked option stands for."""
        value = action.get("value")
        if value is None:
            value = (action.get("selected_option") or {}).get("value")
        if not isinstance(value, str) or not value:
            raise StaleControl()
        return cls.decode(value)

    def lead_ids(self) -> tuple[int, ...]:
        """The lead numbers a LEAD or LEADS item names."""
        if self.kind is ItemKind.LEAD:
            return (int(self.parts[0]),)
        if self.kind is ItemKind.LEADS:
            return tuple(int(part) for part in self.parts[0].split("."))
        return ()

    def picking(self, target: str) -> ItemControl:
        return ItemControl(self.kind, self.parts, target)


def leads_item(lead_ids: Collection[int]) -> ItemControl:
    """An item about these leads (at most 100)."""
    return ItemControl(ItemKind.LEADS, (".".join(str(i) for i in list(lead_ids)[:100]),))


def _part_ok(kind: ItemKind, index: int, part: str) -> bool:
    if kind is ItemKind.LEAD:
        return parse_lead_id(part) is not None
    if kind is ItemKind.LEADS:
        return bool(_IDS_RE.fullmatch(part)) and all(
            parse_lead_id(p) is not None for p in part.split(".")
        )
    if kind is ItemKind.STAGE or (kind is ItemKind.WIP and index == 1):
        return bool(_STAGE_KEY_RE.fullmatch(part))
    return bool(_USER_ID_RE.fullmatch(part))


@dataclass(frozen=True)
class TouchPick:
    """A `/touch` line whose lead had to be picked: the lead, how many words named it, the line."""

    lead_id: int
    words: int
    text: str

    def encode(self) -> str | None:
        """The button's value, or None when the line is too long to carry in one."""
        value = json.dumps({"l": self.lead_id, "w": self.words, "t": self.text}, ensure_ascii=False)
        return value if len(value) <= BUTTON_VALUE_MAX else None

    @classmethod
    def decode(cls, value: str) -> TouchPick:
        """Read a value this app wrote; StaleControl otherwise."""
        try:
            data = json.loads(value)
            lead_id = parse_lead_id(str(data["l"]))
            words, text = data["w"], data["t"]
        except (KeyError, TypeError, ValueError) as error:
            raise StaleControl() from error
        if lead_id is None or not isinstance(words, int) or not 1 <= words <= 20:
            raise StaleControl()
        if not isinstance(text, str) or len(value) > BUTTON_VALUE_MAX:
            raise StaleControl()
        return cls(lead_id, words, text)
