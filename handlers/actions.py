"""Lead buttons and menus wherever they appear: change the lead once through its flow, show it is done."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import flows
from bot.deps import Deps
from bot.domain.access import Actor
from bot.domain.cadence import KEEP_FOR
from bot.domain.leads import Status
from bot.domain.parsing.dates import NEXT_WEEK
from bot.slack.controls import LeadControl, StaleControl
from bot.slack.home import LeadMenu
from bot.slack.ids import Action
from bot.slack.messages import outcomes
from bot.slack.publisher import refresh_homes
from handlers.context import actor_of, channel_of, deps_of, open_modal_for
from handlers.edit_form import open_confirm_won_modal, open_edit_lead_modal
from handlers.errors import reports_errors
from handlers.lost_form import open_mark_lost_modal
from handlers.qualify_form import open_qualify_modal
from handlers.touch_form import open_log_touch_modal

SNOOZE_SPANS = frozenset({"1d", "3d", "1w"})
# The one-click next steps under a logged touch: tomorrow, in 3 working days, next week, none.
NEXT_STEPS = frozenset({"1d", "3d", NEXT_WEEK, "none"})
# Menu choices that ask first, in a modal: a menu option cannot carry a confirm dialog.
MODAL_OPENERS = {
    LeadMenu.LOG_TOUCH: open_log_touch_modal,
    LeadMenu.EDIT: open_edit_lead_modal,
    LeadMenu.QUALIFY: open_qualify_modal,
    LeadMenu.WON: open_confirm_won_modal,
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
    """Snooze for a day, three days or a week, counted on the owner's working days from their today."""
    if click.argument not in SNOOZE_SPANS:
        raise StaleControl()
    done = _change(click, flows.Snooze(span=click.argument))
    until = done.lead.snoozed_until or click.actor.today(click.now)
    today = click.actor.today(click.now)
    return done, outcomes.snoozed_line(until=until, user_id=click.actor.user_id, today=today)


def keep_lead(click: Click) -> Outcome:
    """Keep two more weeks: recorded, so the cleanup leaves the lead alone; nothing else moves.

    The two weeks run on the owner's calendar (as the cleanup reads them); the line names the
    date for whoever clicked.
    """
    done = _change(click, flows.Keep())
    owner_today = flows.calendar_for(click.deps, done.lead.owner_id).today(click.now)
    return done, outcomes.kept_line(
        until=owner_today + KEEP_FOR,
        user_id=click.actor.user_id,
        today=click.actor.today(click.now),
    )


def next_step(click: Click) -> Outcome:
    """A one-click next step from a touch reply: tomorrow, in 3 working days, next week or none."""
    if click.argument not in NEXT_STEPS:
        raise StaleControl()
    change = (
        flows.SetFollowUp(on=None)
        if click.argument == "none"
        else flows.SetFollowUp(span=click.argument)
    )
    done = _change(click, change)
    today = click.actor.today(click.now)
    line = outcomes.next_step_line(
        on=done.lead.next_follow_up, user_id=click.actor.user_id, today=today
    )
    return done, line


def set_close_date(click: Click) -> Outcome:
    """A date picked for the expected close; a later date than before counts as a push."""
    try:
        on = date.fromisoformat(click.argument) if click.argument else None
    except ValueError:
        raise StaleControl() from None
    done = _change(click, flows.SetCloseDate(on))
    today = click.actor.today(click.now)
    return done, outcomes.close_date_line(on=on, user_id=click.actor.user_id, today=today)


def move_lead(click: Click) -> Outcome:
    stage = click.deps.pipeline.stage_by_key.get(click.argument)
    if stage is None:
        raise StaleControl()
    done = _change(click, flows.Move(stage.key))
    return done, outcomes.moved_line(stage_name=stage.name, user_id=click.actor.user_id)


def close_as(outcome: Status) -> Work:
    """Work that marks a lead won or archived (the buttons ask first, with a confirm dialog)."""

    def close(click: Click) -> Outcome:
        done = _change(click, flows.Close(outcome))
        user_id = click.actor.user_id
        if outcome is Status.WON:
            return done, outcomes.won_line(user_id=user_id)
        return done, outcomes.archived_line(user_id=user_id)

    return close


def reopen_lead(click: Click) -> Outcome:
    """Reopen: a closed lead back in the stage it closed from."""
    done = _change(click, flows.Reopen())
    stage = click.deps.pipeline.stage(done.lead.stage).name
    return done, outcomes.reopened_line(stage_name=stage, user_id=click.actor.user_id)


MENU_WORK: dict[str, Work] = {
    LeadMenu.SNOOZE: snooze_lead,
    LeadMenu.KEEP: keep_lead,
    LeadMenu.MOVE: move_lead,
    LeadMenu.ARCHIVE: close_as(Status.ARCHIVED),
}
# A control's value is `<lead>[:<argument>]`: a snooze span (1d, 3d, 1w), a stage key or a lost reason.
CLICK_WORK: dict[str, Work] = {
    Action.SNOOZE: snooze_lead,
    Action.KEEP: keep_lead,
    Action.NEXT_STEP_TOMORROW: next_step,
    Action.NEXT_STEP_IN_3_DAYS: next_step,
    Action.NEXT_STEP_NEXT_WEEK: next_step,
    Action.NEXT_STEP_NONE: next_step,
    Action.MOVE_STAGE: move_lead,
    Action.WON: close_as(Status.WON),
    Action.ARCHIVE: close_as(Status.ARCHIVED),
    Action.REOPEN: reopen_lead,
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


@reports_errors
def handle_close_date_action(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    """The expected-close date picker on a lead card or the Home: its block id carries the lead."""
    ack()
    block_id = str(action.get("block_id") or "")
    lead_id = block_id.rsplit("_", 1)[-1]
    if not lead_id.isdigit():
        raise StaleControl()
    control = LeadControl(int(lead_id))
    argument = str(action.get("selected_date") or "")
    run_click(set_close_date, control, argument, body, action, client, respond, context)


def register(app: App) -> None:
    for action_id in CLICK_WORK:
        app.action(action_id)(handle_lead_action)
    app.action(Action.CLOSE_DATE)(handle_close_date_action)
    app.action(Action.OVERFLOW)(handle_overflow_action)
