"""Mark lost: a modal that asks why (a category and a few words), from the Home overflow and buttons."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot import flows
from bot.deps import Deps
from bot.domain.access import Actor
from bot.domain.forms import FormInvalid
from bot.domain.leads import Status
from bot.domain.lost import LOST_CATEGORIES
from bot.domain.parsing.text import tidy_block
from bot.slack.ids import View
from bot.slack.messages import outcomes
from bot.slack.messages.cards import build_lead_card_blocks
from bot.slack.modal_forms import Block, ModalMeta, read_lost_form
from bot.slack.modals import build_mark_lost_modal
from bot.slack.publisher import refresh_homes
from bot.slack.replies import tell
from handlers.context import actor_of, deps_of, meta_of, open_sealed, stored_actor
from handlers.errors import acks_form_errors, reports_errors
from handlers.touch_form import check_lead

MAX_REASON = 500


def open_mark_lost_modal(
    client: WebClient,
    *,
    trigger_id: str,
    actor: Actor,
    deps: Deps,
    lead_id: int,
    channel_id: str | None = None,
) -> dict[str, Any]:
    """Open Mark lost for a lead the actor may change."""
    lead = flows.workable_lead(deps, by=actor, lead_id=lead_id, doing="close", mrkdwn=False)
    view = build_mark_lost_modal(lead, meta=ModalMeta(channel_id=channel_id, lead_id=lead.id))
    return open_sealed(client, deps, trigger_id=trigger_id, view=view)


@reports_errors
@acks_form_errors
def handle_mark_lost_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Close the lead as lost with its category and reason; the form's mistakes show on their fields."""
    deps = deps_of(context)
    meta = meta_of(deps, view)
    category, reason = read_lost_form(view)
    if meta.lead_id is None:
        raise FormInvalid({Block.LOST_CATEGORY: "This form lost track of its lead; open it again."})
    if category not in LOST_CATEGORIES:
        raise FormInvalid({Block.LOST_CATEGORY: "Pick why the lead was lost."})
    reason = tidy_block(reason or "") or None
    if reason and len(reason) > MAX_REASON:
        raise FormInvalid({Block.REASON: f"Keep the reason to {MAX_REASON} characters."})
    actor = stored_actor(deps, body["user"]["id"])
    check_lead(deps, actor, meta.lead_id, doing="close", field=Block.LOST_CATEGORY)
    ack()
    actor = actor_of(deps, client, body)
    now = deps.clock.now()
    done = flows.change_lead(
        deps,
        by=actor,
        lead_id=meta.lead_id,
        change=flows.Close(Status.LOST, reason, category),
        now=now,
    )
    lead = done.lead
    card = build_lead_card_blocks(
        lead,
        stage_name=deps.pipeline.stage(lead.stage).name,
        now=now,
        today=actor.today(now),
        headline=outcomes.lost_line(reason=reason, user_id=actor.user_id),
        text=f"Marked #{lead.id} lost",
    )
    tell(client, user_id=actor.user_id, channel_id=meta.channel_id, message=card)
    refresh_homes(deps, client, *done.homes)


def register(app: App) -> None:
    app.view(View.MARK_LOST)(handle_mark_lost_submission)
