"""Block Kit for `/lead` replies: lists, a lead in full, pickers, duplicates, help, the assignment DM."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, tzinfo
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement

from bot.domain.access import Actor
from bot.domain.parsing import HELP_EXAMPLES, USAGE
from bot.services.queries import HistoryEntry, LeadDetail, LeadPage
from bot.services.records import LeadView, TouchView
from bot.slack import format as fmt
from bot.slack.controls import LeadControl, RefCommand, pick_value, subcommand_of
from bot.slack.ids import Action
from bot.slack.kit import (
    MESSAGE_BLOCKS_MAX,
    SlackMessage,
    clip,
    context,
    money_label,
    section,
    to_dicts,
    touched_label,
    who,
)
from bot.slack.messages.cards import build_lead_card_blocks, lead_actions, open_button
from bot.slack.mrkdwn import escape, link, truncate
from bot.slack.render import render

LIST_LIMIT = 40
PICK_LIMIT = 10
NOTE_CLIP = 200
FALLBACK_ITEMS = 10
FALLBACK_COMPANY = 60
LIST_COMPANY = 80
# Slack answers msg_blocks_too_long well before 50 full sections (reported near 13k characters).
TEXT_BUDGET = 11_000


def lead_name(lead: LeadView) -> str:
    """`#42 Acme Corp` as mrkdwn, short enough for a fallback line."""
    return f"#{lead.id} {escape(clip(lead.company, FALLBACK_COMPANY))}"


def follow_up_label(lead: LeadView, today: date) -> str:
    """Where a lead's follow-up stands today, in a few words."""
    if lead.snoozed_until and lead.snoozed_until > today:
        return f"snoozed until {fmt.day(lead.snoozed_until, today=today)}"
    if lead.next_follow_up is None:
        return "no follow-up set"
    when = fmt.day(lead.next_follow_up, today=today)
    if lead.next_follow_up < today:
        return f"follow-up overdue since {when}"
    return "follow-up due today" if lead.next_follow_up == today else f"follow-up {when}"


def build_lead_list_blocks(
    page: LeadPage,
    *,
    whose: str,
    stage_name: str | None,
    stage_names: Mapping[str, str],
    now: datetime,
    today: date,
    show_owner: bool,
    narrowed: bool = False,
    zone: tzinfo | None = None,
) -> SlackMessage:
    """`/lead list`: a line per lead by next follow-up with an Open button, totals first, the rest counted.

    "today" and "N days ago" are the reader's calendar days (`zone`)."""
    head = render(
        "lead_list_head.md.j2",
        whose=whose,
        stage_name=stage_name,
        total=page.total,
        value=money_label(page.value),
        overdue=page.overdue,
        due_today=page.due_today,
        narrowed=narrowed,
    )
    blocks: list[Block] = [section(head)]
    if not page.leads:
        blocks.append(context("Nothing open here. Add a lead with `/lead Acme Corp $12,500`."))
    used = len(head)
    for lead in page.leads[: MESSAGE_BLOCKS_MAX - 3]:
        in_stage = fmt.age(lead.stage_changed_at, now, zone)
        row = render(
            "lead_list_row.md.j2",
            lead=lead,
            company=clip(lead.company, LIST_COMPANY),
            stage_name=stage_names.get(lead.stage, lead.stage),
            in_stage="since today" if in_stage == "today" else f"for {in_stage}",
            owner=who(lead.owner_id) if show_owner else None,
            follow_up=follow_up_label(lead, today),
            touched=touched_label(lead.last_touch_at, now, zone),
        )
        used += len(row)
        if used > TEXT_BUDGET:
            break
        blocks.append(section(row, block_id=f"list_lead_{lead.id}", accessory=open_button(lead.id)))
    hidden = page.total - (len(blocks) - 1 if page.leads else 0)
    if hidden > 0:
        blocks.append(
            context(
                f"…and {hidden} more. Narrow it with a stage (`/lead list proposal`), "
                "or get every lead with `/lead export`."
            )
        )
    lines = [head.splitlines()[0]]
    lines += [f"• {lead_name(lead)}" for lead in page.leads[:FALLBACK_ITEMS]]
    if page.total > FALLBACK_ITEMS:
        lines.append(f"…and {page.total - min(len(page.leads), FALLBACK_ITEMS)} more")
    return SlackMessage(text="\n".join(lines), blocks=to_dicts(blocks))


def _touch_item(touch: TouchView, *, zone: tzinfo, today: date) -> dict[str, Any]:
    return {
        "day": fmt.day(touch.occurred_at.astimezone(zone).date(), today=today),
        "kind": touch.kind,
        "author": who(touch.author_id),
        "note": clip(touch.note, NOTE_CLIP),
        "link": link(touch.permalink, "message") if touch.permalink else None,
    }


def _history_item(
    entry: HistoryEntry, *, stage_names: Mapping[str, str], zone: tzinfo, today: date
) -> dict[str, Any]:
    detail = entry.detail or {}
    score = detail.get("score")
    until = detail.get("until")
    try:
        until_label = fmt.day(date.fromisoformat(until), today=today) if until else "—"
    except (TypeError, ValueError):
        until_label = "—"
    return {
        "day": fmt.day(entry.at.astimezone(zone).date(), today=today),
        "kind": entry.kind if entry.kind.isidentifier() else "changed",
        "actor": who(entry.actor_id) if entry.actor_id else None,
        "from_name": stage_names.get(entry.from_stage or "", entry.from_stage),
        "to_name": stage_names.get(entry.to_stage or "", entry.to_stage),
        "to_owner": who(detail.get("to")),
        "from_owner": who(detail["from"]) if detail.get("from") else None,
        "reason": clip(str(detail.get("reason") or ""), NOTE_CLIP),
        "note": clip(" ".join(str(detail.get("text") or "").split()), NOTE_CLIP),
        "until": until_label,
        "score": int(score) if isinstance(score, int | float) else "?",
    }


def build_lead_detail_blocks(
    detail: LeadDetail,
    *,
    stage_names: Mapping[str, str],
    now: datetime,
    today: date,
    zone: tzinfo,
    headline: str | None = None,
) -> SlackMessage:
    """`/lead show`: the card with its buttons, then the last touches and the latest changes."""
    lead = detail.lead
    card = build_lead_card_blocks(
        lead,
        stage_name=stage_names.get(lead.stage, lead.stage),
        now=now,
        today=today,
        headline=headline,
    ).blocks
    touches = render(
        "lead_touches.md.j2",
        touches=[_touch_item(touch, zone=zone, today=today) for touch in detail.touches],
        total=lead.touch_count,
    )
    changes = render(
        "lead_changes.md.j2",
        entries=[
            _history_item(entry, stage_names=stage_names, zone=zone, today=today)
            for entry in detail.history
        ],
        total=detail.history_total,
    )
    if card[-1]["type"] == "actions":
        # Shown in full, the lead is already open: the second button qualifies it instead.
        qualify = ButtonElement(
            text="Qualify", action_id=Action.QUALIFY, value=LeadControl(lead.id).encode()
        )
        card[-1] = lead_actions(lead, then=qualify).to_dict()
    blocks = card + to_dicts(
        [
            section(touches, block_id=f"touches_{lead.id}"),
            section(changes, block_id=f"history_{lead.id}"),
        ]
    )
    return SlackMessage(text=f"Lead {lead_name(lead)}", blocks=blocks)


def build_change_reply(
    lead: LeadView,
    *,
    kind: str,
    changed: bool = True,
    stage_name: str,
    now: datetime,
    today: date,
    other: str | None = None,
) -> SlackMessage:
    """The card of a lead just created or changed, under a headline that says what happened."""
    words = {
        "kind": kind,
        "changed": changed,
        "lead": lead,
        "stage_name": stage_name,
        "other": who(other) if other else None,
        "until": fmt.day(lead.snoozed_until, today=today),
    }
    headline = render("lead_change.md.j2", plain=False, **words)
    card = build_lead_card_blocks(
        lead, stage_name=stage_name, now=now, today=today, headline=headline
    )
    return SlackMessage(
        text=truncate(render("lead_change.md.j2", plain=True, **words), 1000), blocks=card.blocks
    )


def build_pick_lead_blocks(
    matches: Sequence[LeadView],
    *,
    ref_text: str,
    cmd: RefCommand,
    stage_names: Mapping[str, str],
    more: bool,
) -> SlackMessage:
    """Several leads match a reference: one button per lead re-runs the subcommand on it."""
    shown = list(matches[:PICK_LIMIT])
    intro = (
        f"“{escape(clip(ref_text, 100))}” matches {len(matches)}{'+' if more else ''} open leads. "
        f"Which one did you mean for `{subcommand_of(cmd)}`? Nothing has changed yet."
    )
    blocks: list[Block] = [section(intro)]
    for lead in shown:
        line = (
            f"*{lead_name(lead)}* · {fmt.short_money(lead.value, lead.currency)}"
            f" · {escape(stage_names.get(lead.stage, lead.stage))} · {who(lead.owner_id)}"
        )
        button = ButtonElement(
            text="Pick", action_id=Action.PICK_LEAD, value=pick_value(lead.id, cmd)
        )
        blocks.append(section(line, block_id=f"pick_lead_{lead.id}", accessory=button))
    if more:
        blocks.append(
            context("More leads match: type more of the name, or use the number like `#42`.")
        )
    lines = [intro] + [f"• {lead_name(lead)}" for lead in shown]
    return SlackMessage(text="\n".join(lines), blocks=to_dicts(blocks))


def build_duplicate_blocks(
    company: str,
    duplicates: Sequence[LeadView],
    *,
    pending: str | None,
    viewer: Actor,
    stage_names: Mapping[str, str],
) -> SlackMessage:
    """A likely duplicate: the open leads it matches, then "Create anyway" and "Open existing"."""
    rows = [
        {
            "lead": lead,
            "stage_name": stage_names.get(lead.stage, lead.stage),
            "owner": who(lead.owner_id),
        }
        for lead in duplicates[:PICK_LIMIT]
    ]
    text = render("lead_duplicate.md.j2", company=clip(company, 200), rows=rows)
    buttons: list[ButtonElement] = []
    if pending is not None:
        buttons.append(
            ButtonElement(text="Create anyway", action_id=Action.CREATE_ANYWAY, value=pending)
        )
    visible = [lead for lead in duplicates if viewer.may_see(lead.owner_id)]
    if visible:
        buttons.append(open_button(visible[0].id, "Open existing"))
    blocks: list[Block] = [section(text, block_id="duplicate")]
    if buttons:
        blocks.append(ActionsBlock(block_id="duplicate_choice", elements=buttons))
    if pending is None:
        blocks.append(
            context("This lead is too long to offer “Create anyway”; shorten its details.")
        )
    first = text.splitlines()[0].rstrip(":")
    return SlackMessage(
        text=truncate(f"{first}. Nothing was created yet.", 1000), blocks=to_dicts(blocks)
    )


def build_help_blocks(topic: str | None = None) -> SlackMessage:
    """`/lead help [subcommand]`: the grammar with examples, straight from USAGE and HELP_EXAMPLES."""
    if topic and topic in USAGE:
        usages = [USAGE[topic]]
        examples = [e for e in HELP_EXAMPLES if e.startswith(f"/lead {topic} ")]
    else:
        topic = None
        usages = list(USAGE.values())
        examples = list(HELP_EXAMPLES)
    text = render("lead_help.md.j2", topic=topic, usages=usages, examples=examples)
    blocks = [
        section(text, block_id="help"),
        context(
            "A `&lt;ref&gt;` is a lead number (`42`, `#42`) or part of a company name. "
            "Dates: `today`, `tomorrow`, `fri`, `3d`, `2w`, `2026-12-04`. "
            "`/lead help &lt;subcommand&gt;` shows one."
        ),
    ]
    return SlackMessage(
        text=text.splitlines()[0] if topic else "How to use /lead", blocks=to_dicts(blocks)
    )


def build_new_owner_message(
    lead: LeadView,
    *,
    actor_id: str,
    actor_name: str | None = None,
    stage_name: str,
    now: datetime,
    today: date,
    note: str | None = None,
    inbound: bool = False,
) -> SlackMessage:
    """The DM a rep gets when a lead becomes theirs: who gave it (or the web form), what, worth, stage, any note."""
    actor = escape(clip(actor_name, 80)) if actor_name else who(actor_id)
    words: dict[str, Any] = {
        "actor": actor,
        "lead": lead,
        "stage_name": stage_name,
        "inbound": inbound,
    }
    headline = render("lead_assigned.md.j2", note=note, **words)
    card = build_lead_card_blocks(
        lead, stage_name=stage_name, now=now, today=today, headline=headline
    )
    # The notification line says who gave what; the note is there when the message is opened.
    line = render("lead_assigned.md.j2", note=None, **words)
    return SlackMessage(text=truncate(line, 1000), blocks=card.blocks)
