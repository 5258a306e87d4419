"""The Log touch form: opening it (from `/touch`, buttons, the shortcut), the lead picker's type-ahead, and its submission."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot import flows
from bot.deps import Deps
from bot.domain.access import Actor
from bot.domain.errors import UserFacingError
from bot.domain.forms import FormInvalid, validate_touch
from bot.flows.roster import NotOnTeam
from bot.services import search
from bot.slack.controls import LeadControl
from bot.slack.ids import Action, View
from bot.slack.messages import outcomes
from bot.slack.messages.cards import build_touch_logged_blocks
from bot.slack.modal_forms import Block, ModalMeta, read_touch_form
from bot.slack.modals import build_lead_options, build_log_touch_modal
from bot.slack.publisher import refresh_homes, show_outcome_in_message
from bot.slack.replies import permalink_of, tell
from handlers.context import (
    actor_of,
    channel_of,
    deps_of,
    meta_of,
    open_modal_for,
    open_sealed,
    stored_actor,
    user_of,
)
from handlers.errors import acks_form_errors, reports_errors


def open_log_touch_modal(
    client: WebClient,
    *,
    trigger_id: str,
    actor: Actor,
    deps: Deps,
    lead_id: int | None = None,
    note: str | None = None,
    permalink: str | None = None,
    channel_id: str | None = None,
    message_ts: str | None = None,
    button_ts: str | None = None,
    button_block: str | None = None,
) -> dict[str, Any]:
    """Open Log touch on a lead the actor may touch (or none).

    `message_ts` names the message the touch is about (its link is kept on the touch); `button_ts`
    and `button_block` the bot message and row whose button opened it, updated once it is logged.
    """
    lead = (
        flows.workable_lead(deps, by=actor, lead_id=lead_id, doing="log touches on", mrkdwn=False)
        if lead_id
        else None
    )
    meta = ModalMeta(
        channel_id=channel_id,
        permalink=permalink,
        source_ts=message_ts,
        lead_id=lead_id if button_ts else None,
        button_ts=button_ts,
        button_block=button_block,
    )
    view = build_log_touch_modal(now=deps.clock.now(), lead=lead, note=note, meta=meta)
    return open_sealed(client, deps, trigger_id=trigger_id, view=view)


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
    deps = deps_of(context)
    open_modal_for(
        open_log_touch_modal,
        client,
        deps,
        body,
        lead_id=LeadControl.of_action(action).lead_id,
        channel_id=channel_of(body),
        **button_of(body, action),
    )


def check_lead(deps: Deps, actor: Actor, lead_id: int, *, doing: str, field: str) -> None:
    """Refuse, as a form error on `field`, a lead that is gone, closed or someone else's."""
    try:
        flows.workable_lead(deps, by=actor, lead_id=lead_id, doing=doing, mrkdwn=False)
    except UserFacingError as refused:
        raise FormInvalid({field: refused.message}) from None


@reports_errors
@acks_form_errors
def handle_log_touch_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Check the form and the lead (inline errors), then log the touch after the ack."""
    deps = deps_of(context)
    meta = meta_of(deps, view)
    actor, now = stored_actor(deps, body["user"]["id"]), deps.clock.now()
    valid = validate_touch(read_touch_form(view), now=now, today=actor.today(now))
    check_lead(deps, actor, valid.lead_id, doing="log touches on", field=Block.LEAD)
    ack()
    actor = actor_of(deps, client, body)
    permalink = meta.permalink or permalink_of(client, meta.channel_id, meta.source_ts)
    logged = flows.log_touch(
        deps,
        by=actor,
        lead_id=valid.lead_id,
        kind=valid.kind,
        note=valid.note,
        now=now,
        occurred_at=valid.occurred_at,
        next_follow_up=valid.next_follow_up,
        permalink=permalink,
    )
    touch, lead = logged.touch, logged.lead
    if meta.channel_id and meta.button_ts and meta.lead_id == lead.id:
        # Opened from a button in a message: that lead's row there now says it is done.
        show_outcome_in_message(
            client,
            channel_id=meta.channel_id,
            ts=meta.button_ts,
            block_id=meta.button_block,
            line=outcomes.logged_line(kind=touch.kind, user_id=actor.user_id),
        )
    tell(
        client,
        user_id=actor.user_id,
        channel_id=meta.channel_id,
        message=build_touch_logged_blocks(touch, lead, today=actor.today(now)),
    )
    refresh_homes(deps, client, *logged.homes)


def handle_lead_options(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Type-ahead for the lead picker: the open leads the actor may work on, found by anything
    remembered of them (company, contact, email, phone, source, touch notes), newest activity first."""
    deps = deps_of(context)
    try:
        viewer = stored_actor(deps, user_of(body))
    except NotOnTeam:
        ack(options=[])
        return
    with deps.session_factory() as session:
        found = search.find_leads(
            session, text=body.get("value") or "", viewer=viewer, open_only=True
        )
    ack(options=build_lead_options([item.lead for item in found]))


def register(app: App) -> None:
    app.view(View.LOG_TOUCH)(handle_log_touch_submission)
    app.options(Action.LEAD_SELECT)(handle_lead_options)
    app.action(Action.LOG_TOUCH)(handle_log_touch_action)
