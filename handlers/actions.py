"""Lead buttons and menus wherever they appear: change the lead once through its flow, show it is done."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import flows
from bot.deps import Deps
from bot.domain.access import Actor
from bot.domain.cadence import KEEP_FOR
from bot.domain.leads import Status
from bot.slack.controls import LeadControl, StaleControl
from bot.slack.home import LeadMenu
from bot.slack.ids import Action
from bot.slack.messages import outcomes
from bot.slack.publisher import refresh_homes
from handlers.context import actor_of, channel_of, deps_of, open_modal_for
from handlers.errors import reports_errors
from handlers.lost_form import open_mark_lost_modal
from handlers.qualify_form import open_qualify_modal
from handlers.touch_form import open_log_touch_modal

SNOOZE_SPANS = {"1d": timedelta(days=1), "3d": timedelta(days=3), "1w": timedelta(weeks=1)}
MODAL_OPENERS = {
    LeadMenu.LOG_TOUCH: open_log_touch_modal,
    LeadMenu.QUALIFY: open_qualify_modal,
    LeadMenu.LOST: open_mark_lost_modal,
}


@dataclass(frozen=True)
class Click:
    """Who clicked, when, and the lead and argument the control carries."""

    deps: Deps
    actor: Actor
    now: datetime
    lead_id: int
    argument: str


# What a click does: the change it makes and the line that replaces the control the user clicked.
Outcome = tuple[flows.Changed, str]
Work = Callable[[Click], Outcome]


def _change(click: Click, change: flows.LeadChange) -> flows.Changed:
    return flows.change_lead(
        click.deps, by=click.actor, lead_id=click.lead_id, change=change, now=click.now
    )


def snooze_lead(click: Click) -> Outcome:
    """Snooze for a day, three days or a week, counted from the clicker's own today."""
    span = SNOOZE_SPANS.get(click.argument)
    if span is None:
        raise StaleControl()
    today = click.actor.today(click.now)
    until = today + span
    done = _change(click, flows.Snooze(until))
    return done, outcomes.snoozed_line(until=until, user_id=click.actor.user_id, today=today)


def keep_lead(click: Click) -> Outcome:
    """Keep two more weeks: snooze that long and restart the cadence clock of the Friday cleanup."""
    today = click.actor.today(click.now)
    until = today + KEEP_FOR
    done = _change(click, flows.Keep(until))
    return done, outcomes.kept_line(until=until, user_id=click.actor.user_id, today=today)


def move_lead(click: Click) -> Outcome:
    stage = click.deps.pipeline.stage_by_key.get(click.argument)
    if stage is None:
        raise StaleControl()
    done = _change(click, flows.Move(stage.key))
    return done, outcomes.moved_line(stage_name=stage.name, user_id=click.actor.user_id)


def close_as(outcome: Status) -> Work:
    """Work that marks a lead won, lost (the argument is the reason) or archived."""

    def close(click: Click) -> Outcome:
        reason = (click.argument.strip() or None) if outcome is Status.LOST else None
        done = _change(click, flows.Close(outcome, reason))
        user_id = click.actor.user_id
        if outcome is Status.WON:
            return done, outcomes.won_line(user_id=user_id)
        if outcome is Status.LOST:
            return done, outcomes.lost_line(reason=reason, user_id=user_id)
        return done, outcomes.archived_line(user_id=user_id)

    return close


MENU_WORK: dict[str, Work] = {
    LeadMenu.SNOOZE: snooze_lead,
    LeadMenu.KEEP: keep_lead,
    LeadMenu.MOVE: move_lead,
    LeadMenu.WON: close_as(Status.WON),
    LeadMenu.ARCHIVE: close_as(Status.ARCHIVED),
}
# A control's value is `<lead>[:<argument>]`: a snooze span (1d, 3d, 1w), a stage key or a lost reason.
CLICK_WORK: dict[str, Work] = {
    Action.SNOOZE: snooze_lead,
    Action.KEEP: keep_lead,
    Action.MOVE_STAGE: move_lead,
    Action.WON: close_as(Status.WON),
    Action.LOST: close_as(Status.LOST),
    Action.ARCHIVE: close_as(Status.ARCHIVED),
}


def show_outcome(
    deps: Deps,
    client: WebClient,
    body: dict[str, Any],
    respond: Respond,
    *,
    actor: Actor,
    block_id: str | None,
    outcome: Outcome,
) -> None:
    """Update what the user clicked: the message through its response_url, else their Home tab."""
    done, line = outcome
    scopes: dict[str, str | None] = {}
    if body.get("response_url"):
        message = body.get("message") or {}
        text, blocks = outcomes.build_acted_message(message, block_id=block_id, line=line)
        respond(text=text, blocks=blocks, replace_original=True)
    else:
        view = body.get("view") or {}
        if view.get("type") == "home":  # a manager's Team board stays on Team
            scopes[actor.user_id] = view.get("private_metadata")
    refresh_homes(deps, client, *done.homes, scopes=scopes)


def run_click(
    work: Work,
    control: LeadControl,
    argument: str,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    """Resolve who clicked which lead, do the work through its flow, then show the result."""
    deps = deps_of(context)
    actor = actor_of(deps, client, body)
    click = Click(deps, actor, deps.clock.now(), control.lead_id, argument)
    outcome = work(click)
    show_outcome(
        deps, client, body, respond, actor=actor, block_id=action.get("block_id"), outcome=outcome
    )


@reports_errors
def handle_lead_action(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    """A lead button or select, `<lead>[:<argument>]`: snooze, keep, move, won, lost or archive."""
    ack()
    control = LeadControl.of_action(action, parts=1)
    work = CLICK_WORK[action["action_id"]]
    run_click(work, control, control.part(0), body, action, client, respond, context)


@reports_errors
def handle_overflow_action(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    """Do what a lead's overflow option says: `<lead>:<verb>[:<argument>]`; some open a modal."""
    ack()
    control = LeadControl.of_action(action, parts=2)
    verb = control.part(0)
    opener = MODAL_OPENERS.get(verb)
    if opener is not None:
        deps = deps_of(context)
        open_modal_for(
            opener, client, deps, body, lead_id=control.lead_id, channel_id=channel_of(body)
        )
        return
    work = MENU_WORK.get(verb)
    if work is None:
        raise StaleControl()
    run_click(work, control, control.part(1), body, action, client, respond, context)


def register(app: App) -> None:
    for action_id in CLICK_WORK:
        app.action(action_id)(handle_lead_action)
    app.action(Action.OVERFLOW)(handle_overflow_action)
