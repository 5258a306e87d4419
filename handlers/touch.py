"""`/touch`: log a touch on a lead from one line of text, the lead named by the start of the line."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import flows
from bot.deps import Deps
from bot.domain.access import Actor
from bot.domain.errors import NotFound
from bot.domain.parsing import parse_touch
from bot.domain.parsing.touch import (
    TouchInput,
    is_help,
    names_lead_by_number,
    near_help,
    ref_prefixes,
)
from bot.services import leads
from bot.services.leads import Named
from bot.services.records import LeadView
from bot.slack.controls import TouchPick
from bot.slack.ids import Action, Command
from bot.slack.kit import SlackMessage
from bot.slack.messages.cards import build_touch_logged_blocks
from bot.slack.messages.choices import build_touch_pick_blocks
from bot.slack.messages.lead import build_help_blocks
from bot.slack.messages.outcomes import touch_words
from handlers.context import actor_of, deps_of, open_modal_for, responder, user_of
from handlers.errors import reports_errors, user_text_for
from handlers.touch_form import open_log_touch_modal


def log_line(
    deps: Deps, client: WebClient, actor: Actor, *, lead: LeadView, words: int, text: str
) -> SlackMessage:
    """Log the touch a line describes on `lead`, reading its first `words` words as the lead's name.

    `next:` lands on the owner's working days, counted from the owner's today.
    """
    now = deps.clock.now()
    owner = flows.calendar_for(deps, lead.owner_id)
    parsed = parse_touch(
        text, today=owner.today(now), working_days=owner.working_days, ref_words=words
    )
    logged = flows.log_touch(
        deps,
        by=actor,
        lead_id=lead.id,
        kind=parsed.kind,
        note=parsed.note,
        now=now,
        next_follow_up=parsed.next_follow_up,
    )
    # No Home is republished here: a command is typed in a channel, away from the Home tab, and the
    # Home is built afresh whenever it opens. Forms opened from the Home republish it.
    return build_touch_logged_blocks(
        logged.touch,
        logged.lead,
        today=logged.owner_today or actor.today(now),
        completed=logged.completed,
    )


def preview(parsed: TouchInput) -> str:
    """How a line reads for one lead: `call: First call`."""
    kind = touch_words(parsed.kind)
    return f"{kind}: {parsed.note}" if parsed.note else kind


def answer_line(
    deps: Deps, client: WebClient, actor: Actor, text: str, now: datetime
) -> SlackMessage:
    """Log the touch on the lead the line starts with, or ask which lead when that is not clear."""
    first = parse_touch(text, today=actor.today(now))
    if first.ref.lead_id is not None:
        with deps.session_factory() as session:
            lead = leads.get_lead(session, lead_id=first.ref.lead_id)
        return log_line(deps, client, actor, lead=lead, words=1, text=text)
    with deps.session_factory() as session:
        try:
            naming = leads.name_at_start(session, prefixes=ref_prefixes(text), actor=actor)
        except NotFound as exc:
            if near_help(text):
                raise NotFound(
                    f"Did you mean `/touch help`? Nothing was logged. {exc.message}"
                ) from None
            raise
    if len(naming.fits) == 1:
        named = naming.fits[0]
        return log_line(deps, client, actor, lead=named.lead, words=named.words, text=text)
    choices: tuple[Named, ...] = naming.fits or naming.several
    picks = [
        (
            named.lead,
            named.words,
            preview(parse_touch(text, today=actor.today(now), ref_words=named.words)),
        )
        for named in choices
    ]
    return build_touch_pick_blocks(
        picks, text=text, stage_names=deps.pipeline.stage_names, why=len(naming.fits) > 1
    )


# Set in a request's context when the HTTP edge already tried `answer_at_once` and got None.
TRIED_AT_ONCE = "touch_tried_at_once"


def answer_at_once(deps: Deps, command: Mapping[str, Any]) -> SlackMessage | None:
    """The answer to `/touch #42 …` from a settled rep, the touch logged in one short transaction
    before the ack so that the ack itself carries the answer: nothing is owed to the user after it.

    None, with nothing written, when the line goes the general way (see `flows.log_line_at_once`).
    A failure is answered like any other, with one line; a failed transaction writes nothing.
    """
    text = str(command.get("text") or "")
    if not names_lead_by_number(text):
        return None
    user_id = user_of(command)
    now = deps.clock.now()
    try:
        at_once = flows.log_line_at_once(deps, user_id=user_id, text=text, now=now)
        if at_once is None:
            return None
        by, logged = at_once
        return build_touch_logged_blocks(
            logged.touch,
            logged.lead,
            today=logged.owner_today or by.today(now),
            completed=logged.completed,
        )
    except Exception as error:  # answered in the ack, like any failure after one
        return SlackMessage(user_text_for(error, kind="touch", user_id=user_id))


@reports_errors
def handle_touch_command(
    ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """Answer `/touch #42 …` in the ack when it can be; otherwise ack at once, find the lead the
    line starts with and record the touch. No text opens Log touch."""
    deps = deps_of(context)
    message = None if context.get(TRIED_AT_ONCE) else answer_at_once(deps, command)
    if message is not None:
        ack(message.in_ack())
        return
    ack()
    text = command.get("text") or ""
    if not text.strip():
        # A trigger_id lives three seconds: open the form before anything that may call Slack.
        open_modal_for(
            open_log_touch_modal,
            client,
            deps,
            command,
            channel_id=command.get("channel_id"),
        )
        # While the user types: the rep record and its timezone, which the submission reads.
        actor_of(deps, client, command)
        return
    reply = responder(respond, replace_original=False)
    actor = actor_of(deps, client, command)
    if is_help(text):
        reply(build_help_blocks("touch"))
        return
    reply(answer_line(deps, client, actor, text, deps.clock.now()))


@reports_errors
def handle_touch_pick_action(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
) -> None:
    """A lead picked for a `/touch` line: log it there, in place of the question."""
    ack()
    deps = deps_of(context)
    actor = actor_of(deps, client, body)
    pick = TouchPick.decode(str(action.get("value") or ""))
    with deps.session_factory() as session:
        lead = leads.get_lead(session, lead_id=pick.lead_id)
    message = log_line(deps, client, actor, lead=lead, words=pick.words, text=pick.text)
    responder(respond, replace_original=True)(message)


def register(app: App) -> None:
    app.command(Command.TOUCH)(handle_touch_command)
    app.action(Action.TOUCH_PICK)(handle_touch_pick_action)
