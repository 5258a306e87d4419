"""The Friday cleanup DM and the last-chance email its button drafts."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime, tzinfo
from typing import Protocol

from jinja2 import TemplateError
from slack_sdk.models.blocks import ButtonElement, ConfirmObject

from bot.domain.cadence import CadenceFinding
from bot.domain.rhythm import whole_days
from bot.slack.ids import Action
from bot.slack.kit import SlackMessage
from bot.slack.messages.cards import lead_button, open_button
from bot.slack.messages.rows import lead_row, list_message, render_lead_line
from bot.slack.render import render, render_string

logger = logging.getLogger(__name__)

CLEANUP_PREFIX = "cleanup"
EMAIL_TEMPLATE = "last_chance_email.txt.j2"
_SUBJECT = "Subject:"


class EmailLead(Protocol):
    """What the email needs from a lead; a `LeadView` or `LeadFacts` both fit."""

    @property
    def company(self) -> str: ...
    @property
    def contact(self) -> str | None: ...
    @property
    def touch_count(self) -> int: ...
    @property
    def last_touch_at(self) -> datetime | None: ...


def _cleanup_buttons(lead_id: int, company: str) -> list[ButtonElement]:
    return [
        lead_button(
            "Draft last-chance email",
            Action.DRAFT_LAST_CHANCE,
            lead_id,
            company,
            label="Draft a last-chance email to",
            style="primary",
        ),
        lead_button("Keep 2 more weeks", Action.KEEP, lead_id, company, label="Keep"),
        lead_button(
            "Archive",
            Action.ARCHIVE,
            lead_id,
            company,
            style="danger",
            confirm=ConfirmObject(
                title="Archive this lead?",
                text=f"Lead #{lead_id} leaves the pipeline. Its history stays.",
                confirm="Archive",
                deny="Cancel",
            ),
        ),
        open_button(lead_id, company=company),
    ]


def build_cleanup_blocks(
    findings: Sequence[CadenceFinding],
    *,
    touches: int,
    days: int,
    now: datetime,
    today: date,
    zone: tzinfo | None = None,
) -> SlackMessage:
    """The end-of-week DM: leads that had their chances, with last-chance, keep and archive buttons."""
    intro = render("job_cleanup_intro.md.j2", count=len(findings), touches=touches, days=days)
    rows = [
        lead_row(
            CLEANUP_PREFIX,
            finding.lead.id,
            render_lead_line(
                finding.lead,
                finding.stage,
                reason="cadence",
                now=now,
                today=today,
                zone=zone,
                attempts=finding.attempts,
            ),
            _cleanup_buttons(finding.lead.id, finding.lead.company),
        )
        for finding in findings
    ]
    return list_message(intro, rows)


def render_last_chance_email(
    lead: EmailLead,
    rep_name: str,
    *,
    now: datetime,
    template: str | None = None,
    stage_name: str = "",
) -> tuple[str, str]:
    """The last-chance email as (subject, body): plain text for a modal's input, never for mrkdwn.

    `template` is the team's `last_chance_template`; when it fails to render the built-in one is used.
    The first line of the rendered text is the subject when it starts with "Subject:".
    """
    contact = (lead.contact or "").strip()
    context = {
        "company": lead.company,
        "contact": contact,
        "first_name": contact.split()[0] if contact else "",
        "rep_name": rep_name,
        "touch_count": lead.touch_count,
        "days_since_touch": whole_days(lead.last_touch_at, now) if lead.last_touch_at else None,
        "stage_name": stage_name,
    }
    text = None
    if template:
        try:
            text = render_string(template, **context)
        except TemplateError as exc:
            # The team's template is config, not code: fall back rather than break the button.
            logger.warning(
                "last_chance_template failed to render (%s); using the built-in one",
                type(exc).__name__,
            )
    if text is None:
        text = render(EMAIL_TEMPLATE, **context)
    first, _, rest = text.partition("\n")
    if first.startswith(_SUBJECT):
        return first[len(_SUBJECT) :].strip(), rest.strip("\n")
    return f"Checking in about {lead.company}", text
