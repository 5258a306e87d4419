"""Stale-deal nudges and the two speed-to-lead messages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, ButtonElement

from bot.domain.rhythm import StageRules
from bot.domain.speed import SpeedCheck
from bot.domain.staleness import StaleFinding
from bot.services.reps import RepChoice
from bot.slack import format as fmt
from bot.slack.controls import ItemControl, ItemKind, LeadControl
from bot.slack.ids import Action
from bot.slack.kit import (
    SlackMessage,
    accessible,
    duration_label,
    lead_label,
    section,
    to_dicts,
)
from bot.slack.messages.cards import open_button
from bot.slack.messages.managers import reassign_select
from bot.slack.messages.rows import SHOWN_MAX, WorkList, lead_ids_in, list_message
from bot.slack.render import render

STALE_PREFIX = "stale"


def nudged_lead_ids(payload: dict[str, Any]) -> frozenset[int]:
    """The leads a nudge DM showed (not those summarised as "and N more")."""
    return lead_ids_in(payload, prefix=STALE_PREFIX)


def build_stale_nudge_blocks(
    findings: Sequence[StaleFinding],
    *,
    stages: Sequence[StageRules],
    now: datetime,
    today: date,
    zone: tzinfo | None = None,
) -> SlackMessage:
    """The 10:00 DM: deals that just crossed a stale or stuck clock, each with what clears it."""
    intro = render(
        "job_stale_intro.md.j2",
        count=len(findings),
        stale=sum(1 for finding in findings if finding.stale),
        stuck=sum(1 for finding in findings if finding.stuck),
    )
    work = WorkList.of(STALE_PREFIX, stages=stages, now=now, today=today, zone=zone)
    rows = [
        work.row(
            finding.lead, finding.stage, reason="nudge", stale=finding.stale, stuck=finding.stuck
        )
        for finding in findings[:SHOWN_MAX]
    ]
    return list_message(intro, rows, total=len(findings))


def build_speed_owner_blocks(
    check: SpeedCheck,
    *,
    covering_for: str | None = None,
    away_until: date | None = None,
    today: date | None = None,
) -> SlackMessage:
    """The owner's DM at half the window: this new lead needs its first touch.

    With `covering_for`, it goes to whoever covers for that owner while they are away.
    """
    lead = check.lead
    text = render(
        "job_speed_owner.md.j2",
        lead=lead,
        waited=duration_label(check.waited),
        remaining=duration_label(max(check.window - check.waited, timedelta(0))),
        window=duration_label(check.window),
        breached=check.breached,
        covering_for=covering_for,
        back_on=fmt.day(away_until, today=today) if away_until else None,
    )
    value = LeadControl(lead.id).encode()
    name = lead_label(lead.id, lead.company)
    buttons = ActionsBlock(
        block_id=f"speed_actions_{lead.id}",
        elements=[
            ButtonElement(
                text="Log first touch",
                action_id=Action.LOG_TOUCH,
                value=value,
                style="primary",
                accessibility_label=accessible(f"Log first touch on {name}"),
            ),
            ButtonElement(
                text="Open",
                action_id=Action.OPEN_LEAD,
                value=value,
                accessibility_label=accessible(f"Open {name}"),
            ),
        ],
    )
    return SlackMessage(
        text=text, blocks=to_dicts([section(text, block_id=f"speed_lead_{lead.id}"), buttons])
    )


def build_speed_managers_blocks(
    check: SpeedCheck,
    *,
    now: datetime,
    reps: Sequence[RepChoice] = (),
    zone: tzinfo | None = None,
) -> SlackMessage:
    """The managers' channel post once the window has passed: lead, owner, how long it waited, and Reassign."""
    lead = check.lead
    text = render(
        "job_speed_managers.md.j2",
        lead=lead,
        waited=duration_label(check.waited),
        window=duration_label(check.window),
        came_in=fmt.age(lead.created_at, now, zone),
    )
    elements: list[object] = [open_button(lead.id, "Open lead", company=lead.company)]
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
