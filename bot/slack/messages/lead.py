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
from bot.slack.messages.cards import (
    build_lead_card_blocks,
    lead_actions,
    lead_button,
    open_button,
)
from bot.slack.mrkdwn import escape, link, truncate
from bot.slack.render import render

LIST_LIMIT = 40
PICK_LIMIT = 10
FIND_LIMIT = 25
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
        button = open_button(lead.id, company=lead.company)
        blocks.append(section(row, block_id=f"list_lead_{lead.id}", accessory=button))
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
        "edits": _edits(detail.get("changes")),
        "closed_as": str(detail.get("from") or ""),
        "back_in": stage_names.get(str(detail.get("to") or ""), str(detail.get("to") or "")),
    }


_EDIT_NAMES = {"expected_close": "close date", "next_follow_up": "next follow-up"}


def _edits(changes: object) -> str:
    """`value 5000.00 USD → 9000.00 USD, contact Ann → none` from an edit's history detail."""
    if not isinstance(changes, dict):
        return ""
    parts = []
    for field, change in list(changes.items())[:6]:
        if not isinstance(change, dict):
            continue
        before, after = change.get("from") or "none", change.get("to") or "none"
        parts.append(
            f"{_EDIT_NAMES.get(field, field)} {clip(str(before), 40)} → {clip(str(after), 40)}"
        )
    return ", ".join(parts)


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
    if lead.status == "open" and card[-1]["type"] == "actions":
        # Shown in full, the lead is already open: the second button qualifies it instead.
        qualify = lead_button("Qualify", Action.QUALIFY, lead.id, lead.company)
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
        start = "/touch " if topic == "touch" else f"/lead {topic} "
        examples = [e for e in HELP_EXAMPLES if e.startswith(start)]
    else:
        topic = None
        usages = list(USAGE.values())
        examples = list(HELP_EXAMPLES)
    text = render("lead_help.md.j2", topic=topic, usages=usages, examples=examples)
    touch = (
        "The lead is its number or the start of its name: `/touch blue harbor call …` logs a call "
        "on Blue Harbor Logistics. Kinds: call, email, meeting, demo, message, linkedin, note, other. "
        if topic == "touch"
        else "A `&lt;ref&gt;` is a lead number (`42`, `#42`) or part of a company name. "
    )
    blocks = [
        section(text, block_id="help"),
        context(
            touch + "Dates: `today`, `tomorrow`, `fri`, `3d`, `2w`, `2026-12-04`. "
            "`/lead help &lt;subcommand&gt;` shows one."
        ),
    ]
    return SlackMessage(
        text=text.splitlines()[0] if topic else "How to use /lead", blocks=to_dicts(blocks)
    )


def build_did_you_mean_blocks(typed: str, subcommand: str, pending: str | None) -> SlackMessage:
    """A first word one slip from a subcommand: which one it may be; nothing changed."""
    word = escape(clip(typed, 40))
    text = (
        f"Did you mean `/lead {subcommand}`? Nothing was changed. "
        f"To add a company called “{word}”, use `/lead add`. `/lead help {subcommand}` shows how."
    )
    blocks: list[Block] = [section(text, block_id="did_you_mean")]
    if pending is not None:
        blocks.append(
            ActionsBlock(
                block_id="did_you_mean_create",
                elements=[
                    ButtonElement(
                        text="Create it as a lead", action_id=Action.CREATE_CONFIRMED, value=pending
                    )
                ],
            )
        )
    return SlackMessage(
        text=f"Did you mean /lead {subcommand}? Nothing was changed.", blocks=to_dicts(blocks)
    )


def build_confirm_create_blocks(company: str, pending: str | None) -> SlackMessage:
    """`/lead Acme Corp` and nothing else: ask before creating a lead of it."""
    name = escape(clip(company, 80))
    text = (
        f"Create lead “{name}”? Nothing was created yet. "
        "(A value, an @owner or an option like `stage:` creates at once; `/lead help` lists the rest.)"
    )
    blocks: list[Block] = [section(text, block_id="confirm_create")]
    if pending is not None:
        blocks.append(
            ActionsBlock(
                block_id="confirm_create_choice",
                elements=[
                    ButtonElement(
                        text=truncate(f"Create lead “{escape(clip(company, 50))}”", 75),
                        action_id=Action.CREATE_CONFIRMED,
                        value=pending,
                        style="primary",
                    )
                ],
            )
        )
    else:
        blocks.append(context("This lead is too long to create from a button; use `/lead add`."))
    return SlackMessage(
        text=f"Create lead “{name}”? Nothing was created yet.", blocks=to_dicts(blocks)
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
