"""Opening the modals from commands, shortcuts and buttons: views.open comes first (a trigger_id lives three seconds)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.deps import Deps
from bot.domain.errors import UserFacingError
from bot.domain.leads import OPEN, may_change
from bot.domain.parsing import StageRef
from bot.services import lead_reads, leads, reps
from bot.services.records import LeadView
from bot.slack.job_blocks import render_last_chance_email
from bot.slack.modal_forms import ModalMeta
from bot.slack.modals import (
    build_last_chance_modal,
    build_log_touch_modal,
    build_new_lead_modal,
    build_qualify_modal,
)
from handlers.context import Caller, deps_of, user_of
from handlers.errors import reports_errors

STALE_BUTTON = "That button no longer points at a lead; open the lead again with `/lead show`."

# open_*_modal(client, *, trigger_id, caller, deps, ...) -> the opened view
Opener = Callable[..., dict[str, Any]]


def opening_caller(deps: Deps, user_id: str) -> Caller:
    """Who is opening a modal, known without a Slack call; opening needs no local date."""
    return Caller(
        user_id=user_id,
        is_manager=deps.is_manager(user_id),
        zone=deps.team_zone,
        now=deps.clock.now(),
    )


def open_modal_for(
    opener: Opener, client: WebClient, deps: Deps, payload: Mapping[str, Any], **where: Any
) -> dict[str, Any]:
    """Open a modal for whoever sent `payload` before any other Slack call: its trigger_id lives three seconds."""
    return opener(
        client,
        trigger_id=payload["trigger_id"],
        caller=opening_caller(deps, user_of(payload)),
        deps=deps,
        **where,
    )


def stage_refs(deps: Deps) -> list[StageRef]:
    """The configured stages, in pipeline order, as the builders take them."""
    return [StageRef(key=stage.key, name=stage.name) for stage in deps.pipeline.stages]


def open_new_lead_modal(
    client: WebClient,
    *,
    trigger_id: str,
    caller: Caller,
    deps: Deps,
    prefill: dict[str, Any] | None = None,
    channel_id: str | None = None,
) -> dict[str, Any]:
    """Open New lead, owned by the caller unless `prefill` says otherwise; returns the opened view."""
    view = build_new_lead_modal(
        stages=stage_refs(deps),
        owner_id=caller.user_id,
        prefill=prefill,
        meta=ModalMeta(channel_id=channel_id),
    )
    return client.views_open(trigger_id=trigger_id, view=view)["view"]


def open_log_touch_modal(
    client: WebClient,
    *,
    trigger_id: str,
    caller: Caller,
    deps: Deps,
    lead_id: int | None = None,
    note: str | None = None,
    permalink: str | None = None,
    channel_id: str | None = None,
    message_ts: str | None = None,
    button_ts: str | None = None,
    button_block: str | None = None,
) -> dict[str, Any]:
    """Open Log touch on a lead the caller may touch (or none).

    `message_ts` names the message the touch is about (its link is kept on the touch); `button_ts`
    and `button_block` the bot message and row whose button opened it, updated once it is logged.
    """
    lead = changeable_lead(deps, caller, lead_id, doing="log touches on") if lead_id else None
    meta = ModalMeta(
        channel_id=channel_id,
        permalink=permalink,
        source_ts=message_ts,
        lead_id=lead_id if button_ts else None,
        button_ts=button_ts,
        button_block=button_block,
    )
    view = build_log_touch_modal(now=caller.now, lead=lead, note=note, meta=meta)
    return client.views_open(trigger_id=trigger_id, view=view)["view"]


def open_qualify_modal(
    client: WebClient,
    *,
    trigger_id: str,
    caller: Caller,
    deps: Deps,
    lead_id: int,
    channel_id: str | None = None,
) -> dict[str, Any]:
    """Open the checklist for a lead the caller may change, with its earlier answers chosen."""
    lead = changeable_lead(deps, caller, lead_id, doing="qualify")
    with deps.session_factory() as session:
        answers = lead_reads.get_qualification(session, lead_id=lead.id)
    view = build_qualify_modal(
        lead, answers=answers, meta=ModalMeta(channel_id=channel_id, lead_id=lead.id)
    )
    return client.views_open(trigger_id=trigger_id, view=view)["view"]


def open_last_chance_modal(
    client: WebClient, *, trigger_id: str, caller: Caller, deps: Deps, lead_id: int
) -> dict[str, Any]:
    """Open the drafted last-chance email for a lead the caller may change."""
    lead = changeable_lead(deps, caller, lead_id, doing="draft emails for")
    with deps.session_factory() as session:
        rep = reps.get_rep(session, user_id=lead.owner_id)
    subject, body = render_last_chance_email(
        lead,
        rep.name if rep and rep.name else "",
        now=caller.now,
        template=deps.pipeline.last_chance_template,
        stage_name=deps.pipeline.stage(lead.stage).name,
    )
    view = build_last_chance_modal(lead, subject=subject, body=body)
    return client.views_open(trigger_id=trigger_id, view=view)["view"]


def changeable_lead(deps: Deps, caller: Caller, lead_id: int, *, doing: str) -> LeadView:
    """The open lead the caller may work on, or one line saying why not."""
    with deps.session_factory() as session:
        lead = leads.get_lead(session, lead_id=lead_id)
    refusal = refusal_for(lead, caller.user_id, caller.is_manager, doing=doing)
    if refusal:
        raise UserFacingError(refusal)
    return lead


def refusal_for(lead: LeadView, user_id: str, is_manager: bool, *, doing: str) -> str | None:
    """Plain text saying why this user can't work on this lead, or None when they can."""
    if not may_change(owner_id=lead.owner_id, actor_id=user_id, actor_is_manager=is_manager):
        return f"Only the lead's owner or a manager can {doing} lead #{lead.id}."
    if lead.status != OPEN:
        return f"Lead #{lead.id} is {lead.status}; reopen it first."
    return None


def lead_id_of(action: dict[str, Any]) -> int:
    """The lead id a button carries as its value; anything else is a stale button."""
    value = str(action.get("value") or "")
    if not value.isdigit() or len(value) > 18:
        raise UserFacingError(STALE_BUTTON)
    return int(value)


def channel_of(body: dict[str, Any]) -> str | None:
    """The channel a button was clicked in, if any (App Home and modals have none)."""
    return (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")


def button_of(body: dict[str, Any], action: dict[str, Any]) -> dict[str, Any]:
    """Where a clicked button sits when its message can be updated later (not App Home or ephemerals)."""
    container = body.get("container") or {}
    if container.get("type") != "message" or container.get("is_ephemeral"):
        return {}
    if not body.get("message"):  # Slack sends the message with every click on a lasting one
        return {}
    return {"button_ts": container.get("message_ts"), "button_block": action.get("block_id")}


@reports_errors
def handle_log_touch_action(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """A "Log touch" button: open the modal on that lead; once logged, the button's message says so."""
    ack()
    where = {
        "lead_id": lead_id_of(action),
        "channel_id": channel_of(body),
        **button_of(body, action),
    }
    open_modal_for(open_log_touch_modal, client, deps_of(context), body, **where)


@reports_errors
def handle_qualify_action(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """A "Qualify" button: open the checklist on that lead."""
    ack()
    where = {"lead_id": lead_id_of(action), "channel_id": channel_of(body)}
    open_modal_for(open_qualify_modal, client, deps_of(context), body, **where)


@reports_errors
def handle_draft_last_chance_action(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """A "Draft last-chance email" button: show the email ready to copy."""
    ack()
    lead_id = lead_id_of(action)
    open_modal_for(open_last_chance_modal, client, deps_of(context), body, lead_id=lead_id)
