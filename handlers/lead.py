"""`/lead` and its buttons: ack, work out who asked and where to answer, then run the subcommand."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import flows
from bot.domain.parsing import parse_lead_subcommand
from bot.slack.controls import LeadControl, read_pending_lead_value, read_pick_value
from bot.slack.ids import Action, Command
from bot.slack.kit import SlackMessage
from bot.slack.replies import tell
from handlers.context import (
    actor_of,
    channel_of,
    deps_of,
    open_modal_for,
    responder,
    stage_refs,
    user_of,
)
from handlers.errors import reports_errors
from handlers.lead_form import open_new_lead_modal
from handlers.lead_subcommands import (
    LeadRequest,
    answer_created,
    answer_detail,
    check_assignee,
    offer_created,
    run_lead_command,
)


def request_for(
    context: BoltContext,
    client: WebClient,
    payload: dict[str, Any],
    reply: Callable[[SlackMessage], None],
) -> LeadRequest:
    """A `/lead` command or button after the ack: the actor resolved, and how to answer them."""
    deps = deps_of(context)
    actor = actor_of(deps, client, payload)
    return LeadRequest(
        deps,
        client,
        actor,
        deps.clock.now(),
        reply,
        payload.get("trigger_id"),
        context.channel_id,
    )


@reports_errors
def handle_lead_command(
    ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """Ack at once, then parse and act; every mistake is one ephemeral line."""
    ack()
    if not (command.get("text") or "").strip():
        # A trigger_id lives three seconds: open the form before anything that may call Slack.
        deps = deps_of(context)
        open_modal_for(
            open_new_lead_modal,
            client,
            deps,
            command,
            channel_id=command.get("channel_id"),
        )
        return
    req = request_for(context, client, command, responder(respond, replace_original=False))
    # Relative dates land on the caller's working days (a rep's own lead is the common case).
    calendar = flows.calendar_for(req.deps, req.actor.user_id)
    parsed = parse_lead_subcommand(
        command.get("text") or "",
        today=req.today,
        stages=stage_refs(req.deps),
        working_days=calendar.working_days,
    )
    run_lead_command(req, parsed, command.get("text") or "")


@reports_errors
def handle_pick_lead_action(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
) -> None:
    """A lead picked from several matches: run the subcommand on it, in place of the picker."""
    ack()
    req = request_for(context, client, body, responder(respond, replace_original=True))
    run_lead_command(req, read_pick_value(action.get("value") or "", stage_keys=req.stage_names))


@reports_errors
def handle_create_anyway_action(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
) -> None:
    """Create the lead confirmed over a likely duplicate, replacing the question with the result."""
    ack()
    req = request_for(context, client, body, responder(respond, replace_original=True))
    new, after = read_pending_lead_value(action.get("value") or "", stage_keys=req.stage_names)
    check_assignee(req, new.owner_id)
    created = flows.create_lead(
        req.deps,
        by=req.actor,
        new=new,
        now=req.now,
        confirmed_after=after,
        duplicates=flows.Duplicates.ALLOW,
    )
    answer_created(req, created)


@reports_errors
def handle_create_confirmed_action(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
) -> None:
    """ "Create lead …" after `/lead` asked: create it once (a likely duplicate is still asked about)."""
    ack()
    req = request_for(context, client, body, responder(respond, replace_original=True))
    new, after = read_pending_lead_value(action.get("value") or "", stage_keys=req.stage_names)
    check_assignee(req, new.owner_id)
    offer_created(
        req,
        flows.create_lead(req.deps, by=req.actor, new=new, now=req.now, confirmed_after=after),
        new,
    )


@reports_errors
def handle_open_lead_action(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
) -> None:
    """Show a lead in full, to the clicker only: ephemeral where the button was, in its DM thread, or in a DM."""
    ack()
    container = body.get("container") or {}
    channel, ts = channel_of(body), container.get("message_ts")
    user_id = user_of(body)
    privately = responder(respond, replace_original=False)

    def reply(message: SlackMessage) -> None:
        # A lead's card holds its contact details: only ever the clicker sees it.
        if context.response_url:
            privately(message)
        elif channel and channel.startswith("D") and ts:  # their DM with the bot: in its thread
            client.chat_postMessage(channel=channel, thread_ts=ts, **message.payload())
        else:  # a channel (the managers', say): ephemeral, else their DM
            tell(client, user_id=user_id, channel_id=channel, message=message)

    req = request_for(context, client, body, reply)
    answer_detail(req, LeadControl.of_action(action).lead_id)


def register(app: App) -> None:
    app.command(Command.LEAD)(handle_lead_command)
    app.action(Action.PICK_LEAD)(handle_pick_lead_action)
    app.action(Action.CREATE_ANYWAY)(handle_create_anyway_action)
    app.action(Action.CREATE_CONFIRMED)(handle_create_confirmed_action)
    app.action(Action.OPEN_LEAD)(handle_open_lead_action)
