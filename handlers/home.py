"""App Home: publish the rep's board when the tab opens, and switch a manager between Mine and Team."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.deps import Deps
from bot.flows.roster import NotOnTeam
from bot.services import events
from bot.slack.home import build_off_team_view
from bot.slack.ids import Action, Event
from bot.slack.publisher import publish_home, publish_view
from handlers.context import deps_of, resolve_actor, team_of
from handlers.errors import reports_errors

HOME_TAB = "home"
SCOPE_ACTION = re.compile(rf"^{re.escape(Action.HOME_SCOPE)}(:\w+)?$")


def first_delivery(deps: Deps, body: dict[str, Any]) -> bool:
    """Mark an Events API delivery as received; False when Slack already sent this `event_id`."""
    event_id = body.get("event_id")
    if not event_id:
        return True
    now = deps.clock.now()
    with deps.session_factory.begin() as session:
        first = events.claim_event(session, event_id=str(event_id), now=now)
        if first:
            events.prune_events(session, now=now)
    return first


@reports_errors
def handle_app_home_opened_event(
    event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Publish the board when the Home tab opens, once per event however often Slack retries it."""
    if event.get("tab") != HOME_TAB:
        return
    deps = deps_of(context)
    if not first_delivery(deps, body):
        return
    try:
        actor = resolve_actor(deps, client, user_id=event["user"], team_id=team_of(body))
    except NotOnTeam as off_team:
        publish_view(client, user_id=event["user"], view=build_off_team_view(off_team.message))
        return
    shown = event.get("view") or {}
    publish_home(deps, client, user_id=actor.user_id, scope=shown.get("private_metadata"))


@reports_errors
def handle_home_scope_action(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Show a manager their own leads or the team's; anyone else always sees their own."""
    ack()
    publish_home(deps_of(context), client, user_id=body["user"]["id"], scope=action.get("value"))


def register(app: App) -> None:
    app.event(Event.APP_HOME_OPENED)(handle_app_home_opened_event)
    app.action(SCOPE_ACTION)(handle_home_scope_action)
