"""The last-chance email: a modal with the drafted email, ready to copy, from the Friday clean-up."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot import flows
from bot.deps import Deps
from bot.domain.access import Actor
from bot.services import reps
from bot.slack.controls import LeadControl
from bot.slack.ids import Action
from bot.slack.messages.cleanup import render_last_chance_email
from bot.slack.modals import build_last_chance_modal
from handlers.context import deps_of, open_modal_for
from handlers.errors import reports_errors


def open_last_chance_modal(
    client: WebClient, *, trigger_id: str, actor: Actor, deps: Deps, lead_id: int
) -> dict[str, Any]:
    """Open the drafted last-chance email for a lead the actor may change."""
    lead = flows.workable_lead(
        deps, by=actor, lead_id=lead_id, doing="draft emails for", mrkdwn=False
    )
    with deps.session_factory() as session:
        rep = reps.get_rep(session, user_id=lead.owner_id)
    subject, body = render_last_chance_email(
        lead,
        rep.name if rep and rep.name else "",
        now=deps.clock.now(),
        template=deps.pipeline.last_chance_template,
        stage_name=deps.pipeline.stage(lead.stage).name,
    )
    view = build_last_chance_modal(lead, subject=subject, body=body)
    return client.views_open(trigger_id=trigger_id, view=view)["view"]


@reports_errors
def handle_draft_last_chance_action(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """A "Draft last-chance email" button: show the email ready to copy."""
    ack()
    deps = deps_of(context)
    open_modal_for(
        open_last_chance_modal,
        client,
        deps,
        body,
        lead_id=LeadControl.of_action(action).lead_id,
    )


def register(app: App) -> None:
    app.action(Action.DRAFT_LAST_CHANCE)(handle_draft_last_chance_action)
