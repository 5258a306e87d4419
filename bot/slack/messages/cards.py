"""A lead as a card, the reply to a logged touch, and the buttons under a lead. Pure."""

from __future__ import annotations

from datetime import date, datetime

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement

from bot.domain.leads import OPEN
from bot.services.records import LeadView, TouchView
from bot.slack.controls import LeadControl
from bot.slack.ids import Action
from bot.slack.kit import SlackMessage, context, section, to_dicts
from bot.slack.mrkdwn import escape
from bot.slack.render import render


def open_button(lead_id: int, text: str = "Open") -> ButtonElement:
    return ButtonElement(text=text, action_id=Action.OPEN_LEAD, value=LeadControl(lead_id).encode())


def lead_actions(lead: LeadView, *, then: ButtonElement | None = None) -> ActionsBlock:
    """The next-step buttons under a lead: Log touch, then Open unless another button is given."""
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
        ],
    )


def build_lead_card_blocks(
    lead: LeadView,
    *,
    stage_name: str,
    now: datetime,
    today: date,
    headline: str | None = None,
    text: str | None = None,
) -> SlackMessage:
    """A lead as a card: company, value, stage, contact, owner, clocks, and next-step buttons while open."""
    blocks: list[Block] = []
    if headline:
        blocks.append(section(headline))
    card = render("lead_card.md.j2", lead=lead, stage_name=stage_name, now=now, today=today)
    blocks.append(section(card, block_id=f"lead_{lead.id}"))
    if lead.status == OPEN:
        blocks.append(lead_actions(lead))
    return SlackMessage(text=text or f"#{lead.id} {escape(lead.company)}", blocks=to_dicts(blocks))


def build_touch_logged_blocks(touch: TouchView, lead: LeadView, *, today: date) -> SlackMessage:
    """The reply to a logged touch: what was logged, the lead's clocks now, and its touch count."""
    text = render("touch_logged.md.j2", touch=touch, lead=lead, today=today)
    blocks = [
        section(text, block_id=f"touch_{touch.id}"),
        context(f"Lead #{lead.id} · {lead.touch_count} touches"),
    ]
    return SlackMessage(
        text=f"Logged a {touch.kind} on #{lead.id} {escape(lead.company)}", blocks=to_dicts(blocks)
    )
