"""Block Kit for what the web-form API tells a lead's owner: the buyer came back."""

from __future__ import annotations

from datetime import date, datetime

from bot.services.records import LeadView
from bot.slack.kit import SlackMessage
from bot.slack.messages.cards import build_lead_card_blocks
from bot.slack.mrkdwn import truncate
from bot.slack.render import render


def build_inbound_again_message(
    lead: LeadView, *, stage_name: str, now: datetime, today: date, note: str | None
) -> SlackMessage:
    """The DM an owner gets when an open lead of theirs sends the web form again, with what they sent."""
    words = {"lead": lead, "stage_name": stage_name}
    headline = render("inbound_again.md.j2", note=note, **words)
    card = build_lead_card_blocks(
        lead, stage_name=stage_name, now=now, today=today, headline=headline
    )
    line = render("inbound_again.md.j2", note=None, **words)
    return SlackMessage(text=truncate(line, 1000), blocks=card.blocks)
