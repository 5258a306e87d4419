"""Lead buttons and menus wherever they appear: check permission, change the lead once, show it is done."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.deps import Deps
from bot.domain.cadence import KEEP_FOR
from bot.domain.errors import UserFacingError
from bot.domain.leads import ARCHIVED, LOST, WON
from bot.services import lead_changes, rhythm
from bot.services.lead_changes import Actor, Change
from bot.slack import outcomes
from bot.slack.home import LeadMenu
from bot.slack.ids import Action
from handlers.context import Caller, caller_of, deps_of
from handlers.errors import reports_errors
from handlers.modal_open import (
    channel_of,
    open_log_touch_modal,
    open_modal_for,
    open_qualify_modal,
)
from handlers.refresh import refresh_homes

SNOOZE_SPANS = {"1d": timedelta(days=1), "3d": timedelta(days=3), "1w": timedelta(weeks=1)}
STALE_CONTROL = "That control is out of date. Use `/lead list` to find the lead."

MODAL_OPENERS = {LeadMenu.LOG_TOUCH: open_log_touch_modal, LeadMenu.QUALIFY: open_qualify_modal}

# A change and the line that replaces the control the user clicked.
Outcome = tuple[Change, str]
Work = Callable[[Deps, Caller, int, str], Outcome]


def chosen_value(action: dict[str, Any]) -> str:
    """A button's value, or the value of the option picked in a select or overflow menu."""
    value = action.get("value")
    if value is None:
        value = (action.get("selected_option") or {}).get("value")
    if not value:
        raise UserFacingError(STALE_CONTROL)
    return str(value)


def split_value(value: str) -> tuple[int, str]:
    """`42` or `42:rest` into the lead id and the rest."""
    head, _, rest = value.partition(":")
    # ASCII digits only, and few enough to fit the id column on every database.
    if not (head.isascii() and head.isdigit() and len(head) <= 9):
        raise UserFacingError(STALE_CONTROL)
    return int(head), rest


def actor_of(caller: Caller) -> Actor:
    return Actor(user_id=caller.user_id, is_manager=caller.is_manager)


def snooze_lead(deps: Deps, caller: Caller, lead_id: int, code: str) -> Outcome:
    """Snooze for a day, three days or a week, counted from the clicker's own today."""
    span = SNOOZE_SPANS.get(code)
    if span is None:
        raise UserFacingError(STALE_CONTROL)
    until = caller.today + span
    with deps.session_factory.begin() as session:
        change = lead_changes.snooze(
            session, lead_id=lead_id, until=until, actor=actor_of(caller), now=caller.now
        )
    return change, outcomes.snoozed_line(until=until, user_id=caller.user_id, today=caller.today)


def keep_lead(deps: Deps, caller: Caller, lead_id: int, _argument: str) -> Outcome:
    """Keep two more weeks: snooze that long and restart the cadence clock of the Friday cleanup."""
    until = caller.today + KEEP_FOR
    with deps.session_factory.begin() as session:
        change = lead_changes.snooze(
            session, lead_id=lead_id, until=until, actor=actor_of(caller), now=caller.now
        )
        if change.changed:
            rhythm.record_lead_events(
                session,
                lead_ids=[lead_id],
                kind=rhythm.KEPT_EVENT,
                now=caller.now,
                detail={"by": caller.user_id, "until": until.isoformat()},
            )
    return change, outcomes.kept_line(until=until, user_id=caller.user_id, today=caller.today)


def move_lead(deps: Deps, caller: Caller, lead_id: int, stage_key: str) -> Outcome:
    stage = deps.pipeline.stage_by_key.get(stage_key)
    if stage is None:
        raise UserFacingError(STALE_CONTROL)
    with deps.session_factory.begin() as session:
        change = lead_changes.move_stage(
            session, lead_id=lead_id, stage=stage.key, actor=actor_of(caller), now=caller.now
        )
    return change, outcomes.moved_line(stage_name=stage.name, user_id=caller.user_id)


def close_as(outcome: str) -> Work:
    """Work that marks a lead won, lost (the argument is the reason) or archived."""

    def close(deps: Deps, caller: Caller, lead_id: int, argument: str) -> Outcome:
        reason = (argument.strip() or None) if outcome == LOST else None
        with deps.session_factory.begin() as session:
            change = lead_changes.close_lead(
                session,
                lead_id=lead_id,
                outcome=outcome,
                actor=actor_of(caller),
                now=caller.now,
                reason=reason,
            )
        user_id = caller.user_id
        if outcome == WON:
            return change, outcomes.won_line(user_id=user_id)
        if outcome == LOST:
            return change, outcomes.lost_line(reason=reason, user_id=user_id)
        return change, outcomes.archived_line(user_id=user_id)

    return close


MENU_WORK: dict[str, Work] = {
    LeadMenu.SNOOZE: snooze_lead,
    LeadMenu.KEEP: keep_lead,
    LeadMenu.MOVE: move_lead,
    LeadMenu.WON: close_as(WON),
    LeadMenu.LOST: close_as(LOST),
    LeadMenu.ARCHIVE: close_as(ARCHIVED),
}
# A control's value is `<lead>[:<argument>]`: a snooze span (1d, 3d, 1w), a stage key or a lost reason.
CLICK_WORK: dict[str, Work] = {
    Action.SNOOZE: snooze_lead,
    Action.KEEP: keep_lead,
    Action.MOVE_STAGE: move_lead,
    Action.WON: close_as(WON),
    Action.LOST: close_as(LOST),
    Action.ARCHIVE: close_as(ARCHIVED),
}


def from_menu(deps: Deps, caller: Caller, lead_id: int, rest: str) -> Outcome:
    """An overflow option: `<verb>[:<argument>]` after the lead id."""
    verb, _, argument = rest.partition(":")
    if verb not in MENU_WORK:
        raise UserFacingError(STALE_CONTROL)
    return MENU_WORK[verb](deps, caller, lead_id, argument)


def show_outcome(
    deps: Deps,
    client: WebClient,
    body: dict[str, Any],
    respond: Respond,
    *,
    caller: Caller,
    block_id: str | None,
    outcome: Outcome,
) -> None:
    """Update what the user clicked: the message through its response_url, else their Home tab."""
    change, line = outcome
    scopes: dict[str, str | None] = {}
    if body.get("response_url"):
        message = body.get("message") or {}
        text, blocks = outcomes.build_acted_message(message, block_id=block_id, line=line)
        respond(text=text, blocks=blocks, replace_original=True)
    else:
        view = body.get("view") or {}
        if view.get("type") == "home":  # a manager's Team board stays on Team
            scopes[caller.user_id] = view.get("private_metadata")
    owner_id = change.lead.owner_id if change.changed else None
    refresh_homes(deps, client, caller.user_id, owner_id, scopes=scopes)


def run_click(
    work: Work,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    """Resolve who clicked which lead, do the work in one transaction, then show the result."""
    deps = deps_of(context)
    lead_id, argument = split_value(chosen_value(action))
    caller = caller_of(deps, client, body)
    outcome = work(deps, caller, lead_id, argument)
    show_outcome(
        deps,
        client,
        body,
        respond,
        caller=caller,
        block_id=action.get("block_id"),
        outcome=outcome,
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
    run_click(CLICK_WORK[action["action_id"]], body, action, client, respond, context)


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
    deps = deps_of(context)
    lead_id, rest = split_value(chosen_value(action))
    opener = MODAL_OPENERS.get(rest.partition(":")[0])
    if opener is None:
        run_click(from_menu, body, action, client, respond, context)
        return
    open_modal_for(opener, client, deps, body, lead_id=lead_id, channel_id=channel_of(body))


def register(app: App) -> None:
    for action_id in CLICK_WORK:
        app.action(action_id)(handle_lead_action)
    app.action(Action.OVERFLOW)(handle_overflow_action)
