"""`/lead`: create leads inline; subcommands are dispatched by their first word."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.deps import Deps
from bot.domain.errors import UserFacingError
from bot.domain.parsing import CreateCmd, HelpCmd, StageRef, parse_lead_subcommand
from bot.services import leads
from bot.slack.blocks import build_lead_card_blocks
from bot.slack.ids import Command
from bot.slack.mrkdwn import escape
from handlers.context import Caller, deps_of, resolve_caller
from handlers.errors import reports_errors


def stage_refs(deps: Deps) -> list[StageRef]:
    return [StageRef(key=stage.key, name=stage.name) for stage in deps.pipeline.stages]


@reports_errors
def handle_lead_command(
    ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """Ack at once, then parse and act; every mistake is one ephemeral line."""
    ack()
    deps = deps_of(context)
    caller = resolve_caller(
        deps, client, user_id=command["user_id"], team_id=command.get("team_id")
    )
    parsed = parse_lead_subcommand(
        command.get("text") or "", today=caller.today, stages=stage_refs(deps)
    )
    if isinstance(parsed, CreateCmd):
        create_from_command(deps, caller, parsed, respond)
    elif isinstance(parsed, HelpCmd):
        respond(text=lead_help_text(), response_type="ephemeral")
    else:
        raise UserFacingError(
            f"`/lead {type(parsed).__name__.removesuffix('Cmd').lower()}` is coming soon; try `/lead help`."
        )


def create_from_command(deps: Deps, caller: Caller, parsed: CreateCmd, respond: Respond) -> None:
    lead_input = parsed.lead
    owner_id = lead_input.owner_id or caller.user_id
    stage_key = lead_input.stage_key or deps.pipeline.stages[0].key
    new = leads.NewLead(
        company=lead_input.company,
        owner_id=owner_id,
        stage=stage_key,
        value=lead_input.value.amount if lead_input.value else None,
        currency=lead_input.value.currency if lead_input.value else "USD",
        contact=lead_input.contact,
        email=lead_input.email,
        phone=lead_input.phone,
        source=lead_input.source,
        next_follow_up=lead_input.next_follow_up,
    )
    with deps.session_factory.begin() as session:
        if owner_id != caller.user_id:
            from bot.services import reps

            reps.ensure_rep(
                session, user_id=owner_id, now=caller.now, is_manager=deps.is_manager(owner_id)
            )
        lead = leads.create_lead(session, new=new, created_by=caller.user_id, now=caller.now)
    stage_name = deps.pipeline.stage(lead.stage).name
    blocks = build_lead_card_blocks(
        lead,
        stage_name=stage_name,
        now=caller.now,
        today=caller.today,
        headline=f"Created lead *#{lead.id}*.",
    )
    respond(
        text=f"Created lead #{lead.id} {escape(lead.company)}",
        blocks=blocks,
        response_type="ephemeral",
    )


def lead_help_text() -> str:
    return (
        "*/lead* — `/lead Acme Corp $12,500 @dana stage:qualification next:friday source:webinar`\n"
        "Everything but the company is optional. `/lead help` shows this."
    )


def register(app: App) -> None:
    app.command(Command.LEAD)(handle_lead_command)
