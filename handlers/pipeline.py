"""`/pipeline`: the caller's open pipeline and today's follow-ups; managers also see the team by rep."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.domain.errors import UserFacingError
from bot.services.pipeline_queries import pipeline_summary
from bot.slack.ids import Command
from bot.slack.messages.pipeline import REPORT_COMING, build_pipeline_blocks
from handlers.context import actor_of, deps_of
from handlers.errors import reports_errors

USAGE = "Usage: `/pipeline` for your pipeline, or `/pipeline report` for the weekly report."


@reports_errors
def handle_pipeline_command(
    ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """Ack at once, then answer privately with the summary the caller may see."""
    ack()
    deps = deps_of(context)
    words = (command.get("text") or "").lower().split()
    if words == ["report"]:
        respond(text=REPORT_COMING, response_type="ephemeral")
        return
    if words:
        raise UserFacingError(USAGE)
    actor = actor_of(deps, client, command)
    today = actor.today(deps.clock.now())
    with deps.session_factory() as session:
        summary = pipeline_summary(session, viewer=actor, stages=deps.pipeline.stages, today=today)
    message = build_pipeline_blocks(summary, today=today)
    respond(text=message.text, blocks=message.blocks, response_type="ephemeral")


def register(app: App) -> None:
    app.command(Command.PIPELINE)(handle_pipeline_command)
