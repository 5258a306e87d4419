"""`/lead` and its buttons: ack, work out who asked and where to answer, then run the subcommand."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.domain.errors import UserFacingError
from bot.domain.parsing import parse_lead_subcommand
from bot.services import lead_commands, queries
from bot.slack.ids import Action, Command
from bot.slack.lead_blocks import Reply
from bot.slack.lead_values import read_pending_lead_value, read_pick_value
from handlers.context import caller_of, deps_of, user_of
from handlers.errors import reports_errors
from handlers.lead_subcommands import (
    STALE_BUTTON,
    LeadRequest,
    answer_created,
    answer_detail,
    queue_assignment_dm,
    run_lead_command,
)
from handlers.modal_open import open_modal_for, open_new_lead_modal, stage_refs

T = TypeVar("T")


def responder(respond: Respond, *, replace_original: bool) -> Callable[[Reply], None]:
    """Answer privately through the response_url, in place of the clicked message when asked."""

    def reply(message: Reply) -> None:
        respond(
            text=message.text,
            blocks=message.blocks,
            response_type="ephemeral",
            replace_original=replace_original,
        )

    return reply


def request_for(
    context: BoltContext, client: WebClient, payload: dict[str, Any], reply: Callable[[Reply], None]
) -> LeadRequest:
    """A `/lead` command or button after the ack: the caller resolved, and how to answer them."""
    deps = deps_of(context)
    caller = caller_of(deps, client, payload)
    return LeadRequest(deps, client, caller, reply, payload.get("trigger_id"), context.channel_id)


def read_button(action: dict[str, Any], read: Callable[..., T], **options: Any) -> T:
    """What a button's value stands for; a value that no longer reads is an out-of-date button."""
    try:
        return read(action.get("value") or "", **options)
    except ValueError as error:
        raise UserFacingError(STALE_BUTTON) from error


@reports_errors
def handle_lead_command(
    ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """Ack at once, then parse and act; every mistake is one ephemeral line."""
    ack()
    if not (command.get("text") or "").strip():
        # A trigger_id lives three seconds: open the form before anything that may call Slack.
        where = {"channel_id": command.get("channel_id")}
        open_modal_for(open_new_lead_modal, client, deps_of(context), command, **where)
        return
    req = request_for(context, client, command, responder(respond, replace_original=False))
    parsed = parse_lead_subcommand(
        command.get("text") or "", today=req.caller.today, stages=stage_refs(req.deps)
    )
    run_lead_command(req, parsed)


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
    run_lead_command(req, read_button(action, read_pick_value, stage_keys=req.stage_names))


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
    new, after = read_button(action, read_pending_lead_value, stage_keys=req.stage_names)
    with req.deps.session_factory.begin() as session:
        intake = lead_commands.create_despite_duplicate(
            session,
            new=new,
            created_by=req.caller.user_id,
            after_id=after,
            now=req.caller.now,
            owner_is_manager=req.deps.is_manager(new.owner_id),
        )
        queued = (
            intake.created
            and intake.lead is not None
            and queue_assignment_dm(session, req, intake.lead, key="created")
        )
    answer_created(req, intake, queued=queued)


@reports_errors
def handle_open_lead_action(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
) -> None:
    """Show a lead in full: privately where the button was, in its DM thread, or in a DM from App Home."""
    ack()
    container = body.get("container") or {}
    channel, ts = container.get("channel_id"), container.get("message_ts")
    user_id = user_of(body)
    privately = responder(respond, replace_original=False)

    def reply(message: Reply) -> None:
        if context.response_url:
            privately(message)
        elif channel and ts:
            client.chat_postMessage(
                channel=channel, thread_ts=ts, text=message.text, blocks=message.blocks
            )
        else:
            client.chat_postMessage(channel=user_id, text=message.text, blocks=message.blocks)

    req = request_for(context, client, body, reply)
    value = action.get("value") or ""
    if not value.isdigit():
        raise UserFacingError(STALE_BUTTON)
    with req.deps.session_factory() as session:
        detail = queries.lead_detail(session, lead_id=int(value), viewer=req.viewer)
    answer_detail(req, detail)


def register(app: App) -> None:
    app.command(Command.LEAD)(handle_lead_command)
    app.action(Action.PICK_LEAD)(handle_pick_lead_action)
    app.action(Action.CREATE_ANYWAY)(handle_create_anyway_action)
    app.action(Action.OPEN_LEAD)(handle_open_lead_action)
