"""Stale-deal nudges and the two speed-to-lead messages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from slack_sdk.models.blocks import ActionsBlock, ButtonElement

from bot.domain.rhythm import StageRules
from bot.domain.speed import SpeedCheck
from bot.domain.staleness import StaleFinding
from bot.services.reps import RepChoice
from bot.slack.controls import ItemControl, ItemKind, LeadControl
from bot.slack.ids import Action
from bot.slack.kit import SlackMessage, duration_label, section, to_dicts
from bot.slack.messages.managers import reassign_select
from bot.slack.messages.rows import list_message, work_row
from bot.slack.render import render

STALE_PREFIX = "stale"


def build_stale_nudge_blocks(
    findings: Sequence[StaleFinding], *, stages: Sequence[StageRules], now: datetime, today: date
) -> SlackMessage:
    """The 10:00 DM: deals past their stale or stuck clock, each with the moves that clear it."""
    intro = render(
        "job_stale_intro.md.j2",
        count=len(findings),
        stale=sum(1 for finding in findings if finding.stale),
        stuck=sum(1 for finding in findings if finding.stuck),
    )
    rows = [
        work_row(
            STALE_PREFIX,
            finding.lead,
            finding.stage,
            stages=stages,
            reason="nudge",
            now=now,
            today=today,
            stale=finding.stale,
            stuck=finding.stuck,
        )
        for finding in findings
    ]
    return list_message(intro, rows)


def build_speed_owner_blocks(check: SpeedCheck) -> SlackMessage:
    """The owner's DM at half the window: this new lead needs its first touch."""
    lead = check.lead
    text = render(
        "job_speed_owner.md.j2",
        lead=lead,
        waited=duration_label(check.waited),
        remaining=duration_label(max(check.window - check.waited, timedelta(0))),
        window=duration_label(check.window),
        breached=check.breached,
    )
    value = LeadControl(lead.id).encode()
    buttons = ActionsBlock(
        block_id=f"speed_actions_{lead.id}",
        elements=[
            ButtonElement(
                text="Log first touch", action_id=Action.LOG_TOUCH, value=value, style="primary"
            ),
            ButtonElement(text="Open", action_id=Action.OPEN_LEAD, value=value),
        ],
    )
    return SlackMessage(
        text=text, blocks=to_dicts([section(text, block_id=f"speed_lead_{lead.id}"), buttons])
    )


def build_speed_managers_blocks(
    check: SpeedCheck, *, now: datetime, reps: Sequence[RepChoice] = ()
) -> SlackMessage:
    """The managers' channel post once the window has passed: lead, owner, how long it waited, and Reassign."""
    lead = check.lead
    text = render(
        "job_speed_managers.md.j2",
        lead=lead,
        waited=duration_label(check.waited),
        window=duration_label(check.window),
        now=now,
    )
    elements: list[object] = [
        ButtonElement(
            text="Open lead", action_id=Action.OPEN_LEAD, value=LeadControl(lead.id).encode()
        )
    ]
    reassign = reassign_select(
        ItemControl(ItemKind.LEAD, (str(lead.id),)), reps, exclude=lead.owner_id
    )
    if reassign is not None:
        elements.append(reassign)
    buttons = ActionsBlock(block_id=f"speed_breach_actions_{lead.id}", elements=elements)
    return SlackMessage(
        text=text,
        blocks=to_dicts([section(text, block_id=f"speed_breach_{lead.id}"), buttons]),
    )
