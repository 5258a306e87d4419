"""Block Kit builders for lead cards and replies, and the small pieces other builders share. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.domain.leads import OPEN
from bot.services.records import LeadView, TouchView
from bot.slack.ids import Action
from bot.slack.mrkdwn import truncate
from bot.slack.render import render

SECTION_TEXT_MAX = 3000


def to_dicts(blocks: Sequence[Block]) -> list[dict[str, Any]]:
    return [block.to_dict() for block in blocks]


def section(text: str, *, block_id: str | None = None, accessory: Any = None) -> SectionBlock:
    """A mrkdwn section, cut to Slack's limit."""
    return SectionBlock(
        block_id=block_id,
        text=MarkdownTextObject(text=truncate(text, SECTION_TEXT_MAX)),
        accessory=accessory,
    )


def context(text: str) -> ContextBlock:
    """A small grey mrkdwn line, cut to Slack's limit."""
    return ContextBlock(elements=[MarkdownTextObject(text=truncate(text, SECTION_TEXT_MAX))])


def open_button(lead_id: int, text: str = "Open") -> ButtonElement:
    return ButtonElement(text=text, action_id=Action.OPEN_LEAD, value=str(lead_id))


def lead_actions(lead: LeadView, *, then: ButtonElement | None = None) -> ActionsBlock:
    """The next-step buttons under a lead: Log touch, then Open unless another button is given."""
    return ActionsBlock(
        block_id=f"lead_actions_{lead.id}",
        elements=[
            ButtonElement(
                text="Log touch", action_id=Action.LOG_TOUCH, value=str(lead.id), style="primary"
            ),
            then or open_button(lead.id),
        ],
    )


def build_lead_card_blocks(
    lead: LeadView, *, stage_name: str, now: datetime, today: date, headline: str | None = None
) -> list[dict[str, Any]]:
    """A lead as a card: company, value, stage, contact, owner, clocks, and next-step buttons while open."""
    blocks: list[Block] = []
    if headline:
        blocks.append(section(headline))
    card = render("lead_card.md.j2", lead=lead, stage_name=stage_name, now=now, today=today)
    blocks.append(section(card, block_id=f"lead_{lead.id}"))
    if lead.status == OPEN:
        blocks.append(lead_actions(lead))
    return to_dicts(blocks)


def build_touch_logged_blocks(
    touch: TouchView, lead: LeadView, *, today: date
) -> list[dict[str, Any]]:
    text = render("touch_logged.md.j2", touch=touch, lead=lead, today=today)
    return to_dicts(
        [
            section(text, block_id=f"touch_{touch.id}"),
            context(f"Lead #{lead.id} · {lead.touch_count} touches"),
        ]
    )
