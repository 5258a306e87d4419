"""The New lead form: opening it (from `/lead`, the shortcuts) and its submission."""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot import flows
from bot.deps import Deps
from bot.domain.access import Actor
from bot.domain.forms import FormInvalid, validate_new_lead
from bot.services import leads
from bot.slack.ids import View
from bot.slack.messages.cards import build_lead_card_blocks
from bot.slack.modal_forms import Block, ModalMeta, read_new_lead_form
from bot.slack.modals import DEFAULT_CURRENCY, build_new_lead_modal
from bot.slack.mrkdwn import escape
from bot.slack.profiles import assignee_refusal
from bot.slack.publisher import refresh_homes
from bot.slack.render import render
from bot.slack.replies import tell
from handlers.context import (
    actor_of,
    deps_of,
    meta_of,
    open_sealed,
    sealed,
    stage_refs,
    stored_actor,
)
from handlers.errors import acks_form_errors, reports_errors


def open_new_lead_modal(
    client: WebClient,
    *,
    trigger_id: str,
    actor: Actor,
    deps: Deps,
    prefill: dict[str, Any] | None = None,
    channel_id: str | None = None,
) -> dict[str, Any]:
    """Open New lead, owned by the actor unless `prefill` says otherwise; returns the opened view."""
    view = build_new_lead_modal(
        stages=stage_refs(deps),
        owner_id=actor.user_id,
        prefill=prefill,
        meta=ModalMeta(channel_id=channel_id),
    )
    return open_sealed(client, deps, trigger_id=trigger_id, view=view)


@reports_errors
@acks_form_errors
def handle_new_lead_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Check the form (inline errors), confirm a likely duplicate, then create after the ack."""
    deps, user_id = deps_of(context), body["user"]["id"]
    meta = meta_of(deps, view)
    form = read_new_lead_form(view)
    valid = validate_new_lead(
        form,
        caller_id=user_id,
        today=stored_actor(deps, user_id).today(deps.clock.now()),
        stage_keys=[stage.key for stage in deps.pipeline.stages],
        currency=DEFAULT_CURRENCY,
    )
    if valid.owner_id != user_id:
        refused = flows.assignee_refusal(
            deps, owner_id=valid.owner_id, mrkdwn=False
        ) or assignee_refusal(client, user_id=valid.owner_id, mrkdwn=False)
        if refused:
            raise FormInvalid({Block.OWNER: refused})
    with deps.session_factory() as session:
        duplicates = leads.find_open_duplicates(session, company=valid.company)
    if any(lead.id not in meta.duplicates for lead in duplicates):
        confirm = build_new_lead_modal(
            stages=stage_refs(deps),
            owner_id=valid.owner_id,
            prefill={key: value for key, value in asdict(form).items() if value},
            meta=replace(meta, duplicates=tuple(lead.id for lead in duplicates)),
            duplicates=duplicates,
        )
        ack(response_action="update", view=sealed(deps, confirm))
        return
    ack()
    actor = actor_of(deps, client, body)
    now = deps.clock.now()
    new = leads.NewLead.described(
        valid, owner_id=valid.owner_id, stage=valid.stage, currency=valid.currency
    )
    created = flows.create_lead(
        deps, by=actor, new=new, now=now, duplicates=flows.Duplicates.ALLOW, note=valid.note
    )
    lead = created.lead
    assert lead is not None
    headline = render("modal_lead_created.md.j2", lead=lead, creator_id=actor.user_id)
    card = build_lead_card_blocks(
        lead,
        stage_name=deps.pipeline.stage(lead.stage).name,
        now=now,
        today=actor.today(now),
        headline=headline,
        text=f"Created lead #{lead.id} {escape(lead.company)}",
    )
    tell(client, user_id=actor.user_id, channel_id=meta.channel_id, message=card)
    refresh_homes(deps, client, *created.homes)


def register(app: App) -> None:
    app.view(View.NEW_LEAD)(handle_new_lead_submission)
