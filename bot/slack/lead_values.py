"""What `/lead` buttons carry in their `value`: a subcommand to re-run on a picked lead, or a lead to create."""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from datetime import date
from decimal import Decimal
from typing import TypeAlias

from bot.domain.parsing import (
    ArchiveCmd,
    AssignCmd,
    LeadRef,
    LostCmd,
    MoveCmd,
    QualifyCmd,
    ShowCmd,
    SnoozeCmd,
    WonCmd,
)
from bot.services.leads import NewLead

BUTTON_VALUE_MAX = 2000
_USER_ID_RE = re.compile(r"[UW][A-Z0-9]{2,}")

RefCommand: TypeAlias = (
    ShowCmd | MoveCmd | WonCmd | LostCmd | AssignCmd | QualifyCmd | SnoozeCmd | ArchiveCmd
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
}
_BY_NAME = {name: kind for kind, name in SUBCOMMANDS.items()}


def subcommand_of(cmd: RefCommand) -> str:
    return SUBCOMMANDS[type(cmd)]


def _argument(cmd: RefCommand) -> str:
    match cmd:
        case MoveCmd(stage_key=stage_key):
            return stage_key
        case LostCmd(reason=reason):
            return reason or ""
        case AssignCmd(owner_id=owner_id):
            return owner_id
        case SnoozeCmd(until=until):
            return until.isoformat()
    return ""


def pick_value(lead_id: int, cmd: RefCommand) -> str:
    """`<lead_id>|<subcommand>|<argument>`: the command to run on the lead a picker button names."""
    return f"{lead_id}|{subcommand_of(cmd)}|{_argument(cmd)}"


def read_pick_value(value: str, *, stage_keys: Collection[str]) -> RefCommand:
    """The command a picker button stands for, aimed at its lead; ValueError when it is not one."""
    lead_id, name, argument = value.split("|", 2)
    ref = LeadRef(lead_id=int(lead_id))
    kind = _BY_NAME.get(name)
    if kind is MoveCmd and argument in stage_keys:
        return MoveCmd(ref=ref, stage_key=argument)
    if kind is SnoozeCmd:
        return SnoozeCmd(ref=ref, until=date.fromisoformat(argument))
    if kind is AssignCmd and _USER_ID_RE.fullmatch(argument):
        return AssignCmd(ref=ref, owner_id=argument)
    if kind is LostCmd:
        return LostCmd(ref=ref, reason=argument or None)
    if kind in (ShowCmd, WonCmd, QualifyCmd, ArchiveCmd):
        return kind(ref=ref)
    raise ValueError(f"not a picker value: {name}")


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
        "a": after_id,
    }
    value = json.dumps(
        {key: item for key, item in fields.items() if item is not None},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return value if len(value) <= BUTTON_VALUE_MAX else None


def read_pending_lead_value(value: str, *, stage_keys: Collection[str]) -> tuple[NewLead, int]:
    """The lead and the duplicate watermark a "Create anyway" button carries; ValueError when it is not one."""
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
        )
        after_id = int(data["a"])
    except (KeyError, TypeError, ArithmeticError, json.JSONDecodeError) as error:
        raise ValueError("not a pending lead") from error
    valid = (
        new.stage in stage_keys
        and new.company.strip()
        and _USER_ID_RE.fullmatch(new.owner_id)
        and all(
            isinstance(item, str | None) for item in (new.contact, new.email, new.phone, new.source)
        )
    )
    if not valid:
        raise ValueError("not a pending lead")
    return new, after_id
