"""`/touch`: log a touch on a lead from one line of text."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import flows
from bot.slack.ids import Command
from bot.slack.messages.cards import build_touch_logged_blocks
from handlers.context import actor_of, deps_of, open_modal_for, team_of, user_of
from handlers.errors import reports_errors
from handlers.touch_form import open_log_touch_modal


@reports_errors
def handle_touch_command(
    ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """Ack at once, resolve the lead the text refers to, record the touch; no text opens Log touch."""
    ack()
    deps = deps_of(context)
    text = command.get("text") or ""
    if not text.strip():
        # A trigger_id lives three seconds: open the form before anything that may call Slack.
        open_modal_for(
            open_log_touch_modal,
            client,
            deps,
            command,
            channel_id=command.get("channel_id"),
        )
        # While the user types: the rep record and its timezone, which the submission reads.
        actor_of(deps, client, command)
        return
    now = deps.clock.now()
    who = {"user_id": user_of(command), "team_id": team_of(command), "text": text}
    # The rep, the lead, its owner's calendar and the touch, in one transaction.
    logged = flows.log_touch_from_text(deps, now=now, **who)
    if logged is None:
        # A new rep, or a profile due a refresh from Slack: resolved first, outside the transaction.
        actor_of(deps, client, command)
        logged = flows.log_touch_from_text(deps, now=now, check_profile=False, **who)
        assert logged is not None  # the rep exists now
    message = build_touch_logged_blocks(
        logged.touch,
        logged.lead,
        today=logged.owner_today or now.date(),
        completed=logged.completed,
    )
    respond(text=message.text, blocks=message.blocks, response_type="ephemeral")


def register(app: App) -> None:
    app.command(Command.TOUCH)(handle_touch_command)
