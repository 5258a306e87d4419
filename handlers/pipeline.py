"""`/pipeline`: the caller's open pipeline and today's follow-ups; managers also see the team by rep.

`/pipeline report` is the weekly report on demand: see `bot.flows.reports.report_on_demand`.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.domain.errors import UserFacingError
from bot.flows.reports import report_on_demand
from bot.services.pipeline_queries import pipeline_summary
from bot.slack.ids import Command
from bot.slack.messages.pipeline import USAGE, build_pipeline_blocks
from handlers.context import actor_of, deps_of
from handlers.errors import reports_errors


@reports_errors
def handle_pipeline_command(
    ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """Ack at once, then answer privately with the summary (or the report) the caller may see."""
    ack()
    deps = deps_of(context)
    words = (command.get("text") or "").lower().split()
    if words not in ([], ["report"]):
        raise UserFacingError(USAGE)
    actor = actor_of(deps, client, command)
    now = deps.clock.now()
    if words == ["report"]:
        message = report_on_demand(deps, actor=actor, channel_id=command.get("channel_id"), now=now)
    else:
        today = actor.today(now)
        with deps.session_factory() as session:
            summary = pipeline_summary(
                session, viewer=actor, stages=deps.pipeline.stages, today=today
            )
        message = build_pipeline_blocks(summary, today=today)
    respond(text=message.text, blocks=message.blocks or None, response_type="ephemeral")


def register(app: App) -> None:
    app.command(Command.PIPELINE)(handle_pipeline_command)
