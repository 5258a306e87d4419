"""`/touch`: log a touch on a lead from one line of text."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.domain.errors import UserFacingError
from bot.domain.parsing import parse_touch
from bot.services import leads, touches
from bot.slack.blocks import build_touch_logged_blocks
from bot.slack.ids import Command
from bot.slack.mrkdwn import escape
from handlers.context import caller_of, deps_of
from handlers.errors import reports_errors
from handlers.modal_open import open_log_touch_modal, open_modal_for


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
        where = {"channel_id": command.get("channel_id")}
        open_modal_for(open_log_touch_modal, client, deps, command, **where)
        # While the user types: the rep record and its timezone, which the submission reads.
        caller_of(deps, client, command)
        return
    caller = caller_of(deps, client, command)
    parsed = parse_touch(text, today=caller.today)
    with deps.session_factory.begin() as session:
        matches = leads.resolve_ref(
            session,
            lead_id=parsed.ref.lead_id,
            text=parsed.ref.text,
            viewer_id=caller.user_id,
            viewer_is_manager=caller.is_manager,
        )
        if len(matches) > 1:
            names = ", ".join(f"#{lead.id} {escape(lead.company)}" for lead in matches[:10])
            raise UserFacingError(
                f"“{escape(parsed.ref.text or '')}” matches several leads ({names}); use the number, like `/touch #{matches[0].id} …`.",
                is_mrkdwn=True,
            )
        touch, lead = touches.log_touch(
            session,
            lead_id=matches[0].id,
            author_id=caller.user_id,
            author_is_manager=caller.is_manager,
            kind=parsed.kind,
            note=parsed.note,
            now=caller.now,
            next_follow_up=parsed.next_follow_up,
        )
    respond(
        text=f"Logged a {touch.kind} on #{lead.id} {escape(lead.company)}",
        blocks=build_touch_logged_blocks(touch, lead, today=caller.today),
        response_type="ephemeral",
    )


def register(app: App) -> None:
    app.command(Command.TOUCH)(handle_touch_command)
