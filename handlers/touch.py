"""`/touch`: log a touch on a lead from one line of text."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import flows
from bot.domain.errors import UserFacingError
from bot.domain.parsing import parse_touch
from bot.services import leads
from bot.slack.ids import Command
from bot.slack.messages.cards import build_touch_logged_blocks
from bot.slack.mrkdwn import escape
from handlers.context import actor_of, deps_of, open_modal_for
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
    actor = actor_of(deps, client, command)
    now = deps.clock.now()
    parsed = parse_touch(text, today=actor.today(now))
    with deps.session_factory() as session:
        matches = leads.resolve_ref(
            session, lead_id=parsed.ref.lead_id, text=parsed.ref.text, actor=actor
        )
    if len(matches) > 1:
        names = ", ".join(f"#{lead.id} {escape(lead.company)}" for lead in matches[:10])
        raise UserFacingError(
            f"“{escape(parsed.ref.text or '')}” matches several leads ({names}); use the number, like `/touch #{matches[0].id} …`.",
            is_mrkdwn=True,
        )
    owner = flows.calendar_for(deps, matches[0].owner_id)
    # `next:` words land on the owner's working days, counted from the owner's today.
    parsed = parse_touch(text, today=owner.today(now), working_days=owner.working_days)
    logged = flows.log_touch(
        deps,
        by=actor,
        lead_id=matches[0].id,
        kind=parsed.kind,
        note=parsed.note,
        now=now,
        next_follow_up=parsed.next_follow_up,
    )
    message = build_touch_logged_blocks(
        logged.touch,
        logged.lead,
        today=logged.owner_today or actor.today(now),
        completed=logged.completed,
    )
    respond(text=message.text, blocks=message.blocks, response_type="ephemeral")


def register(app: App) -> None:
    app.command(Command.TOUCH)(handle_touch_command)
