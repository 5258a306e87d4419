"""A lead as a card, the reply to a logged touch, and the buttons under a lead. Pure."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, DatePickerElement

from bot.domain.leads import OPEN
from bot.services.records import LeadView, TouchView
from bot.slack.controls import LeadControl
from bot.slack.ids import Action
from bot.slack.kit import (
    SlackMessage,
    button_dict,
    context_dict,
    section,
    section_dict,
    to_dicts,
    touched_label,
)
from bot.slack.messages.outcomes import touch_words
from bot.slack.mrkdwn import escape
from bot.slack.render import render


def open_button(lead_id: int, text: str = "Open") -> ButtonElement:
    return ButtonElement(text=text, action_id=Action.OPEN_LEAD, value=LeadControl(lead_id).encode())


def close_date_picker(lead: LeadView) -> DatePickerElement:
    """The expected close date, set or changed in place; the block id carries the lead."""
    return DatePickerElement(
        action_id=Action.CLOSE_DATE,
        placeholder="Expected close",
        initial_date=lead.expected_close.isoformat() if lead.expected_close else None,
    )


def lead_actions(lead: LeadView, *, then: ButtonElement | None = None) -> ActionsBlock:
    """The next-step controls under a lead: Log touch, Open (or another button), the close date."""
    return ActionsBlock(
        block_id=f"lead_actions_{lead.id}",
        elements=[
            ButtonElement(
                text="Log touch",
                action_id=Action.LOG_TOUCH,
                value=LeadControl(lead.id).encode(),
                style="primary",
            ),
            then or open_button(lead.id),
            close_date_picker(lead),
        ],
    )


NEXT_STEP_CHOICES = (
    ("1d", "Tomorrow", Action.NEXT_STEP_TOMORROW),
    ("3d", "In 3 working days", Action.NEXT_STEP_IN_3_DAYS),
    ("nextweek", "Next week", Action.NEXT_STEP_NEXT_WEEK),
    ("none", "No next step", Action.NEXT_STEP_NONE),
)


def next_step_buttons(lead_id: int) -> dict[str, Any]:
    """One click to plan the next step after a touch: tomorrow, in 3 working days, next week, none."""
    buttons = [
        button_dict(label, action_id=action, value=LeadControl(lead_id, (code,)).encode())
        for code, label, action in NEXT_STEP_CHOICES
    ]
    return {"block_id": f"next_step_{lead_id}", "elements": buttons, "type": "actions"}


def build_lead_card_blocks(
    lead: LeadView,
    *,
    stage_name: str,
    now: datetime,
    today: date,
    headline: str | None = None,
    text: str | None = None,
    zone: tzinfo | None = None,
) -> SlackMessage:
    """A lead as a card: company, value, stage, contact, owner, clocks, and next-step buttons while open."""
    blocks: list[Block] = []
    if headline:
        blocks.append(section(headline))
    card = render(
        "lead_card.md.j2",
        lead=lead,
        stage_name=stage_name,
        now=now,
        today=today,
        touched=touched_label(lead.last_touch_at, now, zone),
    )
    blocks.append(section(card, block_id=f"lead_{lead.id}"))
    if lead.status == OPEN:
        blocks.append(lead_actions(lead))
    return SlackMessage(text=text or f"#{lead.id} {escape(lead.company)}", blocks=to_dicts(blocks))


def build_touch_logged_blocks(
    touch: TouchView, lead: LeadView, *, today: date, completed: date | None = None
) -> SlackMessage:
    """The reply to a logged touch: what was logged, the follow-up it completed, the next step
    (with one-click choices when there is none), and the touch count.

    The blocks are built as dicts: this is every `/touch`'s reply."""
    logged = touch_words(touch.kind)
    text = render(
        "touch_logged.md.j2",
        touch=touch,
        logged=logged,
        lead=lead,
        today=today,
        completed=completed,
    )
    count = lead.touch_count
    blocks = [section_dict(text, block_id=f"touch_{touch.id}")]
    if lead.status == OPEN and lead.next_follow_up is None:
        blocks.append(next_step_buttons(lead.id))
    blocks.append(context_dict(f"Lead #{lead.id} · {count} touch{'' if count == 1 else 'es'}"))
    return SlackMessage(text=f"Logged {logged} on #{lead.id} {escape(lead.company)}", blocks=blocks)
