"""Edit lead and Mark won from buttons and menus: the forms that ask, and what they change."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot import flows
from bot.deps import Deps
from bot.domain.access import Actor
from bot.domain.forms import FormInvalid, ValidLead, validate_new_lead
from bot.domain.leads import Status
from bot.services.records import LeadView
from bot.slack.controls import LeadControl
from bot.slack.ids import Action, View
from bot.slack.messages.lead import build_change_reply
from bot.slack.modal_forms import Block, ModalMeta, read_new_lead_form
from bot.slack.modals import DEFAULT_CURRENCY, build_confirm_won_modal, build_edit_lead_modal
from bot.slack.profiles import assignee_refusal
from bot.slack.publisher import refresh_homes
from bot.slack.replies import tell
from handlers.context import (
    actor_of,
    channel_of,
    deps_of,
    meta_of,
    open_modal_for,
    open_sealed,
    stage_refs,
    stored_actor,
)
from handlers.errors import acks_form_errors, reports_errors
from handlers.lost_form import open_mark_lost_modal
from handlers.touch_form import check_lead


def open_edit_lead_modal(
    client: WebClient,
    *,
    trigger_id: str,
    actor: Actor,
    deps: Deps,
    lead_id: int,
    channel_id: str | None = None,
) -> dict[str, Any]:
    """Open Edit lead on a lead the actor may change, filled with what it says now."""
    lead = flows.workable_lead(deps, by=actor, lead_id=lead_id, doing="edit", mrkdwn=False)
    meta = ModalMeta(channel_id=channel_id, lead_id=lead.id)
    view = build_edit_lead_modal(lead, stages=stage_refs(deps), meta=meta)
    return open_sealed(client, deps, trigger_id=trigger_id, view=view)


def open_confirm_won_modal(
    client: WebClient,
    *,
    trigger_id: str,
    actor: Actor,
    deps: Deps,
    lead_id: int,
    channel_id: str | None = None,
) -> dict[str, Any]:
    """Ask before marking a lead won from a menu."""
    lead = flows.workable_lead(deps, by=actor, lead_id=lead_id, doing="close", mrkdwn=False)
    view = build_confirm_won_modal(lead, meta=ModalMeta(channel_id=channel_id, lead_id=lead.id))
    return open_sealed(client, deps, trigger_id=trigger_id, view=view)


def _opener(opener: Any) -> Any:
    """A button listener that opens `opener`'s modal on the lead the button names."""

    @reports_errors
    def handle(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        client: WebClient,
        context: BoltContext,
    ) -> None:
        ack()
        open_modal_for(
            opener,
            client,
            deps_of(context),
            body,
            lead_id=LeadControl.of_action(action).lead_id,
            channel_id=channel_of(body),
        )

    handle.__name__ = f"handle_{opener.__name__.removeprefix('open_')}_action"
    return handle


handle_edit_lead_action = _opener(open_edit_lead_modal)
handle_lost_action = _opener(open_mark_lost_modal)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def edit_from_form(valid: ValidLead, lead: LeadView, *, kept: set[str]) -> flows.Edit:
    """What the Edit lead form changes: each field that differs from the lead (`kept` dates are
    left as they were: a date in the past shown again is not a new choice)."""
    wanted: dict[str, Any] = {
        "company": valid.company,
        "contact": valid.contact,
        "email": valid.email,
        "phone": valid.phone,
        "source": valid.source,
        "value": (valid.value.amount, valid.value.currency) if valid.value else None,
        "next_follow_up": valid.next_follow_up,
        "expected_close": valid.expected_close,
    }
    current: dict[str, Any] = {
        "company": lead.company,
        "contact": lead.contact,
        "email": lead.email,
        "phone": lead.phone,
        "source": lead.source,
        "value": (lead.value, lead.currency) if lead.value is not None else None,
        "next_follow_up": lead.next_follow_up,
        "expected_close": lead.expected_close,
    }
    changes = {
        field: value
        for field, value in wanted.items()
        if field not in kept and value != current[field]
    }
    return flows.Edit(
        changes,
        stage=valid.stage if valid.stage != lead.stage else None,
        owner=valid.owner_id if valid.owner_id != lead.owner_id else None,
    )


@reports_errors
@acks_form_errors
def handle_edit_lead_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Check the form (mistakes on their fields), then change what differs, all in one history entry."""
    deps = deps_of(context)
    meta = meta_of(deps, view)
    if meta.lead_id is None:
        raise FormInvalid({Block.COMPANY: "This form lost track of its lead; open it again."})
    user_id = body["user"]["id"]
    actor = stored_actor(deps, user_id)
    lead = flows.workable_lead(deps, by=actor, lead_id=meta.lead_id, doing="edit", mrkdwn=False)
    form = read_new_lead_form(view)
    kept = set()
    # A date already on the lead may lie in the past by now; shown again, it is not a new choice.
    for field in ("next_follow_up", "expected_close"):
        if getattr(form, field) and getattr(form, field) == _iso(getattr(lead, field)):
            form = replace(form, **{field: None})
            kept.add(field)
    valid = validate_new_lead(
        form,
        caller_id=user_id,
        today=actor.today(deps.clock.now()),
        stage_keys=[stage.key for stage in deps.pipeline.stages],
        currency=DEFAULT_CURRENCY,
    )
    if valid.owner_id != lead.owner_id and valid.owner_id != user_id:
        refused = flows.assignee_refusal(
            deps, owner_id=valid.owner_id, mrkdwn=False
        ) or assignee_refusal(client, user_id=valid.owner_id, mrkdwn=False)
        if refused:
            raise FormInvalid({Block.OWNER: refused})
    check_lead(deps, actor, lead.id, doing="edit", field=Block.COMPANY)
    ack()
    actor = actor_of(deps, client, body)
    now = deps.clock.now()
    done = flows.change_lead(
        deps, by=actor, lead_id=lead.id, change=edit_from_form(valid, lead, kept=kept), now=now
    )
    reply = build_change_reply(
        done.lead,
        kind="edited",
        changed=done.changed,
        stage_name=deps.pipeline.stage(done.lead.stage).name,
        now=now,
        today=actor.today(now),
        other=done.lead.owner_id,
    )
    tell(client, user_id=actor.user_id, channel_id=meta.channel_id, message=reply)
    if done.changed:
        refresh_homes(deps, client, *done.homes)


@reports_errors
@acks_form_errors
def handle_confirm_won_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Mark won, confirmed: close the lead and answer with its card (which offers Reopen)."""
    deps = deps_of(context)
    meta = meta_of(deps, view)
    if meta.lead_id is None:
        raise FormInvalid({"confirm_won": "This form lost track of its lead; open it again."})
    ack()
    actor = actor_of(deps, client, body)
    now = deps.clock.now()
    done = flows.change_lead(
        deps, by=actor, lead_id=meta.lead_id, change=flows.Close(Status.WON), now=now
    )
    reply = build_change_reply(
        done.lead,
        kind="won",
        changed=done.changed,
        stage_name=deps.pipeline.stage(done.lead.stage).name,
        now=now,
        today=actor.today(now),
    )
    tell(client, user_id=actor.user_id, channel_id=meta.channel_id, message=reply)
    refresh_homes(deps, client, *done.homes)


def register(app: App) -> None:
    app.action(Action.EDIT_LEAD)(handle_edit_lead_action)
    app.action(Action.LOST)(handle_lost_action)
    app.view(View.EDIT_LEAD)(handle_edit_lead_submission)
    app.view(View.CONFIRM_WON)(handle_confirm_won_submission)
