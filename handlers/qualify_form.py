"""The qualification checklist: opening it (from `/lead qualify`, buttons, the Home) and its submission."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot import flows
from bot.deps import Deps
from bot.domain.access import Actor
from bot.domain.forms import FormInvalid
from bot.domain.qualification import answered, knocked_out, normalize_answers, score
from bot.services import lead_reads
from bot.slack.controls import LeadControl
from bot.slack.ids import Action, View
from bot.slack.modal_forms import Block, ModalMeta, read_needed_by, read_qualify_form
from bot.slack.modals import build_qualified_blocks, build_qualify_modal
from bot.slack.publisher import refresh_homes
from bot.slack.replies import tell
from handlers.context import (
    actor_of,
    channel_of,
    deps_of,
    meta_of,
    open_modal_for,
    open_sealed,
    stored_actor,
)
from handlers.errors import acks_form_errors, reports_errors
from handlers.touch_form import check_lead


def open_qualify_modal(
    client: WebClient,
    *,
    trigger_id: str,
    actor: Actor,
    deps: Deps,
    lead_id: int,
    channel_id: str | None = None,
) -> dict[str, Any]:
    """Open the checklist for a lead the actor may change, with its earlier answers chosen."""
    lead = flows.workable_lead(deps, by=actor, lead_id=lead_id, doing="qualify", mrkdwn=False)
    with deps.session_factory() as session:
        answers = lead_reads.get_qualification(session, lead_id=lead.id)
    view = build_qualify_modal(
        lead, answers=answers, meta=ModalMeta(channel_id=channel_id, lead_id=lead.id)
    )
    return open_sealed(client, deps, trigger_id=trigger_id, view=view)


@reports_errors
def handle_qualify_action(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """A "Qualify" button: open the checklist on that lead."""
    ack()
    deps = deps_of(context)
    open_modal_for(
        open_qualify_modal,
        client,
        deps,
        body,
        lead_id=LeadControl.of_action(action).lead_id,
        channel_id=channel_of(body),
    )


@reports_errors
@acks_form_errors
def handle_qualify_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Store the answers and score; "mark unqualified" also closes the lead as lost."""
    deps = deps_of(context)
    meta = meta_of(deps, view)
    answers, unqualified = read_qualify_form(view)
    if meta.lead_id is None:
        raise FormInvalid({Block.OUTCOME: "This form lost track of its lead; open it again."})
    check_lead(
        deps,
        stored_actor(deps, body["user"]["id"]),
        meta.lead_id,
        doing="qualify",
        field=Block.OUTCOME,
    )
    needed = read_needed_by(view)
    try:
        needed_by = date.fromisoformat(needed) if needed else None
    except ValueError:
        raise FormInvalid({Block.NEEDED_BY: "Pick a date from the calendar."}) from None
    ack()
    actor = actor_of(deps, client, body)
    value = score(answers)
    change = flows.Qualify(normalize_answers(answers), value, unqualified, needed_by)
    done = flows.change_lead(
        deps, by=actor, lead_id=meta.lead_id, change=change, now=deps.clock.now()
    )
    message = build_qualified_blocks(
        done.lead,
        score=value,
        answered=answered(answers),
        closed=unqualified,
        answers=answers,
        knocked_out=knocked_out(answers),
    )
    tell(client, user_id=actor.user_id, channel_id=meta.channel_id, message=message)
    refresh_homes(deps, client, actor.user_id, done.lead.owner_id)


def register(app: App) -> None:
    app.view(View.QUALIFY)(handle_qualify_submission)
    app.action(Action.QUALIFY)(handle_qualify_action)
