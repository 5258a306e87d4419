"""Asking which lead was meant, and what `/lead find` found: a line per lead, a button each. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo

from slack_sdk.models.blocks import Block, ButtonElement

from bot.domain.parsing import EditCmd
from bot.services.records import LeadView
from bot.services.search import Found
from bot.slack import format as fmt
from bot.slack.controls import LeadControl, RefCommand, TouchPick, pick_value, subcommand_of
from bot.slack.ids import Action
from bot.slack.kit import (
    SlackMessage,
    accessible,
    clip,
    context,
    lead_label,
    section,
    to_dicts,
    touched_label,
    who,
)
from bot.slack.messages.cards import open_button
from bot.slack.mrkdwn import escape

PICK_LIMIT = 10
NOTE_SHOWN = 80
_MATCHED = {
    "company": "company",
    "contact": "contact",
    "email": "email",
    "phone": "phone",
    "source": "source",
    "note": "a touch note",
    "number": "number",
}


def lead_name(lead: LeadView) -> str:
    """`#42 Acme Corp` as mrkdwn."""
    return f"#{lead.id} {escape(clip(lead.company, 60))}"


def _line(lead: LeadView, stage_names: Mapping[str, str]) -> str:
    status = "" if lead.status == "open" else f" · *{lead.status}*"
    return (
        f"*{lead_name(lead)}* · {fmt.short_money(lead.value, lead.currency)}"
        f" · {escape(stage_names.get(lead.stage, lead.stage))}{status} · {who(lead.owner_id)}"
    )


def build_pick_lead_blocks(
    matches: Sequence[LeadView],
    *,
    ref_text: str,
    cmd: RefCommand | EditCmd,
    stage_names: Mapping[str, str],
    more: bool,
) -> SlackMessage:
    """Several leads match a reference: one button per lead re-runs the subcommand on it (for
    `edit`, opens the Edit lead form on it)."""
    shown = list(matches[:PICK_LIMIT])
    name = subcommand_of(cmd)
    which = "closed" if name == "reopen" else "open"
    intro = (
        f"“{escape(clip(ref_text, 100))}” matches {len(matches)}{'+' if more else ''} {which} "
        f"leads. Which one did you mean for `{name}`? Nothing has changed yet."
    )
    blocks: list[Block] = [section(intro)]
    for lead in shown:
        label = accessible(f"Pick {lead_label(lead.id, lead.company)} to {name}")
        if isinstance(cmd, EditCmd):
            button = ButtonElement(
                text="Edit",
                action_id=Action.EDIT_LEAD,
                value=LeadControl(lead.id).encode(),
                accessibility_label=accessible(f"Edit {lead_label(lead.id, lead.company)}"),
            )
        else:
            button = ButtonElement(
                text="Pick",
                action_id=Action.PICK_LEAD,
                value=pick_value(lead.id, cmd),
                accessibility_label=label,
            )
        blocks.append(
            section(_line(lead, stage_names), block_id=f"pick_lead_{lead.id}", accessory=button)
        )
    if more:
        blocks.append(
            context("More leads match: type more of the name, or use the number like `#42`.")
        )
    lines = [intro] + [f"• {lead_name(lead)}" for lead in shown]
    return SlackMessage(text="\n".join(lines), blocks=to_dicts(blocks))


def build_pick_readings_blocks(
    picks: Sequence[tuple[LeadView, RefCommand]],
    *,
    ref_text: str,
    stage_names: Mapping[str, str],
    why: bool,
) -> SlackMessage:
    """The start of a line could name more than one lead: a button per lead, each with its own reading."""
    reason = "could name more than one lead" if why else "matches several open leads"
    intro = f"“{escape(clip(ref_text, 100))}…” {reason}. Which one did you mean? Nothing has changed yet."
    blocks: list[Block] = [section(intro)]
    for lead, cmd in picks[:PICK_LIMIT]:
        button = ButtonElement(
            text="Pick",
            action_id=Action.PICK_LEAD,
            value=pick_value(lead.id, cmd),
            accessibility_label=accessible(f"Pick {lead_label(lead.id, lead.company)}"),
        )
        blocks.append(
            section(_line(lead, stage_names), block_id=f"pick_lead_{lead.id}", accessory=button)
        )
    lines = [intro] + [f"• {lead_name(lead)}" for lead, _ in picks[:PICK_LIMIT]]
    return SlackMessage(text="\n".join(lines), blocks=to_dicts(blocks))


def build_touch_pick_blocks(
    picks: Sequence[tuple[LeadView, int, str]],
    *,
    text: str,
    stage_names: Mapping[str, str],
    why: bool,
) -> SlackMessage:
    """`/touch` whose lead is not clear: a button per lead, each logging the touch as it would read
    for that lead (`preview`: "call: First call")."""
    reason = "could be about more than one lead" if why else "matches several open leads"
    intro = (
        f"“{escape(clip(text, 60))}” {reason}. Which lead is this touch for? "
        "Nothing was logged yet."
    )
    blocks: list[Block] = [section(intro)]
    too_long = False
    for lead, words, preview in picks[:PICK_LIMIT]:
        value = TouchPick(lead.id, words, text).encode()
        line = f"{_line(lead, stage_names)}\n_{escape(clip(preview, NOTE_SHOWN))}_"
        if value is None:
            too_long = True
            blocks.append(section(line, block_id=f"pick_touch_{lead.id}"))
            continue
        button = ButtonElement(
            text="Log it here",
            action_id=Action.TOUCH_PICK,
            value=value,
            accessibility_label=accessible(f"Log the touch on {lead_label(lead.id, lead.company)}"),
        )
        blocks.append(section(line, block_id=f"pick_touch_{lead.id}", accessory=button))
    if too_long:
        blocks.append(context("The note is too long for a button: use `/touch #<number> …`."))
    lines = [intro] + [f"• {lead_name(lead)}" for lead, _, _ in picks[:PICK_LIMIT]]
    return SlackMessage(text="\n".join(lines), blocks=to_dicts(blocks))


def build_find_blocks(
    found: Sequence[Found],
    *,
    text: str,
    more: bool,
    stage_names: Mapping[str, str],
    now: datetime,
    zone: tzinfo | None = None,
) -> SlackMessage:
    """`/lead find`: each lead found (open or closed), what matched, newest activity first."""
    wanted = escape(clip(text, 80))
    if not found:
        head = f"Nothing of yours matches “{wanted}” in a company, contact, email, phone, source or note."
        return SlackMessage(text=head, blocks=to_dicts([section(head, block_id="find_none")]))
    count = f"{len(found)}{'+' if more else ''}"
    head = (
        f"*{count} lead{'' if len(found) == 1 else 's'} match “{wanted}”*, newest activity first:"
    )
    blocks: list[Block] = [section(head, block_id="find_head")]
    for item in found:
        lead = item.lead
        row = (
            f"{_line(lead, stage_names)}\nmatched its {_MATCHED.get(item.matched, item.matched)}"
            f" · last touch {touched_label(lead.last_touch_at, now, zone)}"
        )
        button = open_button(lead.id)
        button.accessibility_label = accessible(f"Open {lead_label(lead.id, lead.company)}")
        blocks.append(section(row, block_id=f"find_lead_{lead.id}", accessory=button))
    if more:
        blocks.append(context("More leads match: add a word, or look in `/lead list`."))
    lines = [head] + [f"• {lead_name(item.lead)}" for item in found[:10]]
    return SlackMessage(text="\n".join(lines), blocks=to_dicts(blocks))
