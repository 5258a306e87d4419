"""A lead as a card, the reply to a logged touch, and the buttons under a lead. Pure."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    DatePickerElement,
)

from bot.domain.leads import OPEN
from bot.services.records import LeadView, TouchView
from bot.slack.controls import LeadControl
from bot.slack.ids import Action
from bot.slack.kit import (
    SlackMessage,
    accessible,
    button_dict,
    context_dict,
    lead_label,
    section,
    section_dict,
    to_dicts,
    touched_label,
)
from bot.slack.messages.outcomes import touch_words
from bot.slack.mrkdwn import escape
from bot.slack.render import render


def lead_button(
    text: str,
    action_id: str,
    lead_id: int,
    company: str | None,
    *,
    label: str | None = None,
    **options: Any,
) -> ButtonElement:
    """A button about one lead; with the company, its accessibility label names the lead
    ("Log touch on #42 Acme"), as screen readers need among many rows of the same buttons."""
    spoken = None
    if company is not None:
        spoken = accessible(f"{label or text} {lead_label(lead_id, company)}")
    return ButtonElement(
        text=text,
        action_id=action_id,
        value=LeadControl(lead_id).encode(),
        accessibility_label=spoken,
        **options,
    )


def open_button(lead_id: int, text: str = "Open", company: str | None = None) -> ButtonElement:
    return lead_button(text, Action.OPEN_LEAD, lead_id, company, label=text)


def won_button(lead_id: int, company: str) -> ButtonElement:
    """Mark won, behind a confirm dialog: it closes the lead."""
    name = lead_label(lead_id, company)
    return lead_button(
        "Won",
        Action.WON,
        lead_id,
        company,
        label="Mark won",
        confirm=ConfirmObject(
            title="Mark this lead won?",
            text=f"{name} closes as won and counts toward the win rate.",
            confirm="Mark won",
            deny="Cancel",
        ),
    )


def lost_button(lead_id: int, company: str) -> ButtonElement:
    """Mark lost: opens the form that asks why (and is the confirmation)."""
    return lead_button("Lost…", Action.LOST, lead_id, company, label="Mark lost")


def edit_button(lead_id: int, company: str) -> ButtonElement:
    return lead_button("Edit", Action.EDIT_LEAD, lead_id, company, label="Edit")


def reopen_button(lead_id: int, company: str) -> ButtonElement:
    return lead_button("Reopen", Action.REOPEN, lead_id, company, label="Reopen", style="primary")


def close_date_picker(lead: LeadView) -> DatePickerElement:
    """The expected close date, set or changed in place; the block id carries the lead."""
    return DatePickerElement(
        action_id=Action.CLOSE_DATE,
        placeholder="Expected close",
        initial_date=lead.expected_close.isoformat() if lead.expected_close else None,
    )


def lead_actions(lead: LeadView, *, then: ButtonElement | None = None) -> ActionsBlock:
    """The next-step controls under an open lead: Log touch, Open (or another button), Edit, Won,
    Lost, the close date."""
    return ActionsBlock(
        block_id=f"lead_actions_{lead.id}",
        elements=[
            lead_button(
                "Log touch", Action.LOG_TOUCH, lead.id, lead.company, label="Log touch on",
                style="primary",
            ),
            then or open_button(lead.id, company=lead.company),
            edit_button(lead.id, lead.company),
            won_button(lead.id, lead.company),
            lost_button(lead.id, lead.company),
            close_date_picker(lead),
        ],
    )  # fmt: skip


def closed_actions(lead: LeadView) -> ActionsBlock:
    """Under a closed lead: Reopen, back to the stage it closed from."""
    return ActionsBlock(
        block_id=f"lead_actions_{lead.id}", elements=[reopen_button(lead.id, lead.company)]
    )


NEXT_STEP_CHOICES = (
    ("1d", "Tomorrow", Action.NEXT_STEP_TOMORROW),
    ("3d", "In 3 working days", Action.NEXT_STEP_IN_3_DAYS),
    ("nextweek", "Next week", Action.NEXT_STEP_NEXT_WEEK),
    ("none", "No next step", Action.NEXT_STEP_NONE),
)


def next_step_buttons(lead_id: int, company: str | None = None) -> dict[str, Any]:
    """One click to plan the next step after a touch: tomorrow, in 3 working days, next week, none."""
    name = lead_label(lead_id, company) if company is not None else f"#{lead_id}"
    buttons = [
        button_dict(
            label,
            action_id=action,
            value=LeadControl(lead_id, (code,)).encode(),
            accessibility_label=accessible(f"Next step for {name}: {label.lower()}"),
        )
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
    blocks.append(lead_actions(lead) if lead.status == OPEN else closed_actions(lead))
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
        blocks.append(next_step_buttons(lead.id, lead.company))
    blocks.append(context_dict(f"Lead #{lead.id} · {count} touch{'' if count == 1 else 'es'}"))
    return SlackMessage(text=f"Logged {logged} on #{lead.id} {escape(lead.company)}", blocks=blocks)
