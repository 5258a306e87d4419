"""The modals' submissions — New lead, Log touch, qualification — and the lead picker's type-ahead.

A form is checked before the ack so mistakes come back inline on their field (`FormInvalid`,
see `acks_form_errors`); the write and every Web API call happen after it. Opening lives in
`handlers.modal_open`.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, replace
from datetime import date, datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.domain.errors import NotFound
from bot.domain.forms import FormInvalid, ValidLead, validate_new_lead, validate_touch
from bot.domain.leads import LOST
from bot.domain.qualification import UNQUALIFIED_REASON, answered, normalize_answers, score
from bot.services import lead_changes, lead_reads, leads, reps, touches
from bot.services.records import LeadView
from bot.slack import outcomes
from bot.slack.blocks import build_lead_card_blocks, build_touch_logged_blocks
from bot.slack.ids import Action, View
from bot.slack.modal_forms import (
    Block,
    ModalMeta,
    read_new_lead_form,
    read_qualify_form,
    read_touch_form,
)
from bot.slack.modals import (
    DEFAULT_CURRENCY,
    build_lead_options,
    build_new_lead_modal,
    build_qualified_blocks,
)
from bot.slack.mrkdwn import escape
from bot.slack.render import render
from handlers.context import Caller, caller_of, deps_of, zone_or_default
from handlers.errors import acks_form_errors, reports_errors
from handlers.lead_subcommands import queue_assigned
from handlers.modal_open import (
    handle_draft_last_chance_action,
    handle_log_touch_action,
    handle_qualify_action,
    refusal_for,
    stage_refs,
)
from handlers.refresh import refresh_homes, show_outcome_in_message

logger = logging.getLogger(__name__)


def now_and_today(deps: Deps, user_id: str) -> tuple[datetime, date]:
    """Now, and the user's local date from their stored timezone (no Slack call before an ack)."""
    now = deps.clock.now()
    with deps.session_factory() as session:
        rep = reps.get_rep(session, user_id=user_id)
    return now, now.astimezone(zone_or_default(rep.tz if rep else None, deps.team_zone)).date()


def tell(
    client: WebClient, *, user_id: str, channel_id: str | None, text: str, blocks: list[dict]
) -> None:
    """Answer privately where the modal came from: ephemeral in a channel, else in the user's DM."""
    if channel_id and channel_id[0] in "CG":
        try:
            client.chat_postEphemeral(channel=channel_id, user=user_id, text=text, blocks=blocks)
            return
        except SlackApiError as exc:  # not in that channel: the DM always works
            logger.info("ephemeral reply in %s failed: %s", channel_id, exc.response.get("error"))
    client.chat_postMessage(channel=user_id, text=text, blocks=blocks)


@reports_errors
@acks_form_errors
def handle_new_lead_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Check the form (inline errors), confirm a likely duplicate, then create after the ack."""
    deps, user_id = deps_of(context), body["user"]["id"]
    meta = ModalMeta.decode(view.get("private_metadata"))
    form = read_new_lead_form(view)
    _, today = now_and_today(deps, user_id)
    valid = validate_new_lead(
        form,
        caller_id=user_id,
        today=today,
        stage_keys=[stage.key for stage in deps.pipeline.stages],
        currency=DEFAULT_CURRENCY,
    )
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
        ack(response_action="update", view=confirm)
        return
    ack()
    caller = caller_of(deps, client, body)
    lead, queued = create_from_form(deps, caller, valid)
    if queued:
        deps.on_enqueued()
    headline = render("modal_lead_created.md.j2", lead=lead, creator_id=caller.user_id)
    tell(
        client,
        user_id=caller.user_id,
        channel_id=meta.channel_id,
        text=f"Created lead #{lead.id} {escape(lead.company)}",
        blocks=build_lead_card_blocks(
            lead,
            stage_name=deps.pipeline.stage(lead.stage).name,
            now=caller.now,
            today=caller.today,
            headline=headline,
        ),
    )
    refresh_homes(deps, client, caller.user_id, lead.owner_id)


def create_from_form(deps: Deps, caller: Caller, valid: ValidLead) -> tuple[LeadView, bool]:
    """Create the lead, keep its note in the history and queue the owner's DM, in one transaction."""
    new = leads.NewLead.described(
        valid, owner_id=valid.owner_id, stage=valid.stage, currency=valid.currency
    )
    with deps.session_factory.begin() as session:
        if new.owner_id != caller.user_id:
            reps.ensure_rep(
                session,
                user_id=new.owner_id,
                now=caller.now,
                is_manager=deps.is_manager(new.owner_id),
            )
        lead = leads.create_lead(session, new=new, created_by=caller.user_id, now=caller.now)
        if valid.note:
            # A note is context, not a contact: it must not stop the speed-to-lead clock.
            leads.record_note(
                session, lead_id=lead.id, text=valid.note, by=caller.user_id, now=caller.now
            )
        # The form's DM mentions its creator and quotes the note they left for the new owner.
        queued = lead.owner_id != caller.user_id and queue_assigned(
            session, deps, caller, lead, key="created", note=valid.note
        )
    return lead, queued


@reports_errors
@acks_form_errors
def handle_log_touch_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Check the form and the lead (inline errors), then log the touch after the ack."""
    deps, user_id = deps_of(context), body["user"]["id"]
    meta = ModalMeta.decode(view.get("private_metadata"))
    now, today = now_and_today(deps, user_id)
    valid = validate_touch(read_touch_form(view), now=now, today=today)
    check_lead(deps, user_id, valid.lead_id, doing="log touches on")
    ack()
    caller = caller_of(deps, client, body)
    permalink = meta.permalink or permalink_of(client, meta.channel_id, meta.source_ts)
    with deps.session_factory.begin() as session:
        touch, lead = touches.log_touch(
            session,
            lead_id=valid.lead_id,
            author_id=caller.user_id,
            author_is_manager=caller.is_manager,
            kind=valid.kind,
            note=valid.note,
            now=caller.now,
            occurred_at=valid.occurred_at,
            next_follow_up=valid.next_follow_up,
            permalink=permalink,
        )
    if meta.channel_id and meta.button_ts and meta.lead_id == lead.id:
        # Opened from a button in a message: that lead's row there now says it is done.
        show_outcome_in_message(
            client,
            channel_id=meta.channel_id,
            ts=meta.button_ts,
            block_id=meta.button_block,
            line=outcomes.logged_line(kind=touch.kind, user_id=caller.user_id),
        )
    tell(
        client,
        user_id=caller.user_id,
        channel_id=meta.channel_id,
        text=f"Logged a {touch.kind} on #{lead.id} {escape(lead.company)}",
        blocks=build_touch_logged_blocks(touch, lead, today=caller.today),
    )
    refresh_homes(deps, client, caller.user_id, lead.owner_id)


def check_lead(
    deps: Deps, user_id: str, lead_id: int, *, doing: str, field: str = Block.LEAD
) -> None:
    """Refuse, as a form error on `field`, a lead that is gone, closed or someone else's."""
    with deps.session_factory() as session:
        try:
            lead = leads.get_lead(session, lead_id=lead_id)
        except NotFound:
            raise FormInvalid({field: f"Lead #{lead_id} no longer exists."}) from None
    refusal = refusal_for(lead, user_id, deps.is_manager(user_id), doing=doing)
    if refusal:
        raise FormInvalid({field: refusal})


def permalink_of(client: WebClient, channel_id: str | None, message_ts: str | None) -> str | None:
    """The message's permalink, or None when Slack won't say (deleted, or a channel we can't see)."""
    if not channel_id or not message_ts:
        return None
    try:
        return client.chat_getPermalink(channel=channel_id, message_ts=message_ts)["permalink"]
    except SlackApiError as exc:
        logger.info("chat.getPermalink failed: %s", exc.response.get("error"))
        return None


@reports_errors
@acks_form_errors
def handle_qualify_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Store the answers and score; "mark unqualified" also closes the lead as lost."""
    deps, user_id = deps_of(context), body["user"]["id"]
    meta = ModalMeta.decode(view.get("private_metadata"))
    answers, unqualified = read_qualify_form(view)
    if meta.lead_id is None:
        raise FormInvalid({Block.OUTCOME: "This form lost track of its lead; open it again."})
    check_lead(deps, user_id, meta.lead_id, doing="qualify", field=Block.OUTCOME)
    ack()
    caller = caller_of(deps, client, body)
    actor = lead_changes.Actor(user_id=caller.user_id, is_manager=caller.is_manager)
    value = score(answers)
    with deps.session_factory.begin() as session:
        change = lead_changes.record_qualification(
            session,
            lead_id=meta.lead_id,
            answers=normalize_answers(answers),
            score=value,
            actor=actor,
            now=caller.now,
        )
        if unqualified:
            change = lead_changes.close_lead(
                session,
                lead_id=meta.lead_id,
                outcome=LOST,
                actor=actor,
                now=caller.now,
                reason=UNQUALIFIED_REASON,
            )
    text, blocks = build_qualified_blocks(
        change.lead, score=value, answered=answered(answers), closed=unqualified
    )
    tell(client, user_id=caller.user_id, channel_id=meta.channel_id, text=text, blocks=blocks)
    refresh_homes(deps, client, caller.user_id, change.lead.owner_id)


def handle_lead_options(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Type-ahead for the lead picker: the caller's open leads (a manager's: everyone's)."""
    deps, user_id = deps_of(context), body["user"]["id"]
    with deps.session_factory() as session:
        found = lead_reads.search_open_leads(
            session,
            text=body.get("value") or "",
            viewer_id=user_id,
            viewer_is_manager=deps.is_manager(user_id),
        )
    ack(options=build_lead_options(found))


def register(app: App) -> None:
    app.view(View.NEW_LEAD)(handle_new_lead_submission)
    app.view(View.LOG_TOUCH)(handle_log_touch_submission)
    app.view(View.QUALIFY)(handle_qualify_submission)
    app.options(Action.LEAD_SELECT)(handle_lead_options)
    app.action(Action.LOG_TOUCH)(handle_log_touch_action)
    app.action(Action.QUALIFY)(handle_qualify_action)
    app.action(Action.DRAFT_LAST_CHANCE)(handle_draft_last_chance_action)
