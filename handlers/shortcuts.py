"""Shortcuts: log a message as a touch, create a lead from a message, or open New lead from anywhere.

Each one acks, opens its modal at once with what the payload alone gives (the trigger_id lives
three seconds), and only then does the slower work: the permalink and the lead guess arrive by
views.update a moment later.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.domain.access import Actor
from bot.domain.capture import guess_lead, guess_new_lead, message_note
from bot.services import lead_reads, leads
from bot.services.records import LeadView
from bot.slack.ids import Shortcut
from bot.slack.modal_forms import ModalMeta
from bot.slack.modals import build_log_touch_modal
from bot.slack.replies import permalink_of
from handlers.context import actor_of, deps_of, open_modal_for, sealed
from handlers.errors import reports_errors
from handlers.lead_form import open_new_lead_modal
from handlers.touch_form import open_log_touch_modal

logger = logging.getLogger(__name__)


def message_text(shortcut: dict[str, Any]) -> str:
    """The text of the message a shortcut was used on (mrkdwn as Slack sends it)."""
    return str((shortcut.get("message") or {}).get("text") or "")


@reports_errors
def handle_log_touch_shortcut(
    ack: Ack, shortcut: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Log as touchpoint: open Log touch with the message as the note, then add its link and lead."""
    ack()
    deps = deps_of(context)
    channel_id = (shortcut.get("channel") or {}).get("id")
    message_ts = shortcut.get("message_ts")
    note = message_note(message_text(shortcut))
    opened = open_modal_for(
        open_log_touch_modal,
        client,
        deps,
        shortcut,
        note=note,
        channel_id=channel_id,
        message_ts=message_ts,
    )
    actor = actor_of(deps, client, shortcut)
    permalink = permalink_of(client, channel_id, message_ts)
    lead = guessed_lead(deps, actor, message_text(shortcut))
    meta = ModalMeta(channel_id=channel_id, permalink=permalink, source_ts=message_ts)
    view = build_log_touch_modal(now=deps.clock.now(), lead=lead, note=note, meta=meta)
    try:
        client.views_update(view_id=opened["id"], hash=opened.get("hash"), view=sealed(deps, view))
    except SlackApiError as exc:  # closed or changed meanwhile: the submission looks the link up
        logger.info("views.update after log_touch shortcut failed: %s", exc.response.get("error"))


def guessed_lead(deps: Deps, actor: Actor, text: str) -> LeadView | None:
    """The open lead the actor may see whose company the message names, if exactly one does."""
    with deps.session_factory() as session:
        names = lead_reads.open_lead_names(session, viewer=actor)
        lead_id = guess_lead(text, names)
        return leads.get_lead(session, lead_id=lead_id) if lead_id is not None else None


@reports_errors
def handle_new_lead_shortcut(
    ack: Ack, shortcut: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """New lead: from a message, prefilled with what it mentions; from anywhere, empty (the reply goes to the DM)."""
    ack()
    deps = deps_of(context)
    open_modal_for(
        open_new_lead_modal,
        client,
        deps,
        shortcut,
        prefill=guess_new_lead(message_text(shortcut)).as_prefill(),
        channel_id=(shortcut.get("channel") or {}).get("id"),
    )
    # While the user types: the rep record and its timezone, which the submission reads.
    actor_of(deps, client, shortcut)


def register(app: App) -> None:
    app.message_shortcut(Shortcut.LOG_TOUCH)(handle_log_touch_shortcut)
    app.message_shortcut(Shortcut.CREATE_LEAD)(handle_new_lead_shortcut)
    app.global_shortcut(Shortcut.NEW_LEAD)(handle_new_lead_shortcut)
