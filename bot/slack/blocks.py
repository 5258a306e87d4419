"""Block Kit builders for lead cards and replies. Pure: data in, block dicts out."""

from __future__ import annotations

from datetime import date, datetime

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


def _to_dicts(blocks: list[Block]) -> list[dict]:
    return [block.to_dict() for block in blocks]


def lead_actions(lead: LeadView, *, block_id: str | None = None) -> ActionsBlock:
    """The next-step buttons under a lead."""
    value = str(lead.id)
    return ActionsBlock(
        block_id=block_id or f"lead_actions_{lead.id}",
        elements=[
            ButtonElement(
                text="Log touch", action_id=Action.LOG_TOUCH, value=value, style="primary"
            ),
            ButtonElement(text="Open", action_id=Action.OPEN_LEAD, value=value),
        ],
    )


def build_lead_card_blocks(
    lead: LeadView, *, stage_name: str, now: datetime, today: date, headline: str | None = None
) -> list[dict]:
    """A lead as a card: company, value, stage, contact, owner, clocks, and next-step buttons while open."""
    blocks: list[Block] = []
    if headline:
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text=truncate(headline, SECTION_TEXT_MAX)))
        )
    card = render("lead_card.md.j2", lead=lead, stage_name=stage_name, now=now, today=today)
    blocks.append(
        SectionBlock(
            block_id=f"lead_{lead.id}",
            text=MarkdownTextObject(text=truncate(card, SECTION_TEXT_MAX)),
        )
    )
    if lead.status == OPEN:
        blocks.append(lead_actions(lead))
    return _to_dicts(blocks)


def build_touch_logged_blocks(touch: TouchView, lead: LeadView, *, today: date) -> list[dict]:
    text = render("touch_logged.md.j2", touch=touch, lead=lead, today=today)
    return _to_dicts(
        [
            SectionBlock(block_id=f"touch_{touch.id}", text=MarkdownTextObject(text=text)),
            ContextBlock(
                elements=[MarkdownTextObject(text=f"Lead #{lead.id} · {lead.touch_count} touches")]
            ),
        ]
    )
