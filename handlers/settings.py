"""My settings, from the App Home: the rep's own plan time, working days, time away and muted DMs."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.deps import Deps
from bot.domain.access import Actor
from bot.flows.settings import my_settings, save_my_settings
from bot.slack.ids import Action, View
from bot.slack.modal_forms import ModalMeta, read_settings_form
from bot.slack.publisher import refresh_homes
from bot.slack.settings import build_my_settings_modal, days_label
from handlers.context import deps_of, open_modal_for, open_sealed, stored_actor
from handlers.errors import acks_form_errors, reports_errors


def defaults_line(deps: Deps) -> str:
    """What applies when a rep chooses nothing: the team's schedule, as the admin set it."""
    schedule = deps.pipeline.schedule
    return (
        f"Your admin's defaults: morning plan at {schedule.morning_plan}, "
        f"{days_label(schedule.working_days)}. What you choose here wins over them, for you only."
    )


def open_my_settings_modal(
    client: WebClient, *, trigger_id: str, actor: Actor, deps: Deps
) -> dict[str, Any]:
    """Open My settings with what applies to the rep now."""
    view = build_my_settings_modal(
        my_settings(deps, user_id=actor.user_id),
        defaults=defaults_line(deps),
        today=actor.today(deps.clock.now()),
        meta=ModalMeta(),
    )
    return open_sealed(client, deps, trigger_id=trigger_id, view=view)


@reports_errors
def handle_my_settings_action(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """The App Home's My settings button."""
    ack()
    open_modal_for(open_my_settings_modal, client, deps_of(context), body)


@reports_errors
@acks_form_errors
def handle_my_settings_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Save My settings (mistakes show on their fields), then show them in the App Home."""
    deps = deps_of(context)
    actor = stored_actor(deps, body["user"]["id"])
    save_my_settings(deps, by=actor, form=read_settings_form(view), now=deps.clock.now())
    ack()
    refresh_homes(deps, client, actor.user_id)


def register(app: App) -> None:
    app.action(Action.MY_SETTINGS)(handle_my_settings_action)
    app.view(View.MY_SETTINGS)(handle_my_settings_submission)
