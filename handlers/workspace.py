"""Events about the workspace itself: a person's profile changed, the app was uninstalled, its tokens revoked.

No person asked for these, so a failure is logged for the operator rather than shown to anyone.
Each event is acted on once however often Slack retries it (`event_id`), except closing Slack
access, which is repeated on every delivery: it is harmless, and a retry may reach a replica that
has not heard of it yet.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from slack_bolt import App, BoltContext

from bot.services import reps
from bot.slack.ids import Event
from bot.slack.profiles import profile_of
from bot.watch import Watch
from handlers.context import deps_of
from handlers.home import first_delivery

logger = logging.getLogger("pipebot.workspace")

Listener = TypeVar("Listener", bound=Callable[..., Any])

UNINSTALLED = "the app was uninstalled from the workspace (app_uninstalled)"
REVOKED = "the bot token was revoked (tokens_revoked)"


def watch_of(context: BoltContext) -> Watch:
    return context["watch"]


def logs_failures(listener: Listener) -> Listener:
    """Log what a workspace event's listener raises, with its traceback, instead of messaging the user it names."""

    @functools.wraps(listener)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return listener(*args, **kwargs)
        except Exception:  # no one to tell but the operator; Slack has its ack already
            logger.exception("%s failed", listener.__name__)
            return None

    return wrapper  # type: ignore[return-value]


@logs_failures
def handle_user_change_event(
    event: dict[str, Any], body: dict[str, Any], context: BoltContext
) -> None:
    """Take a rep's new name and timezone at once, and stop (or resume) their DMs when Slack deletes (or restores) them."""
    user = event.get("user")
    if not isinstance(user, dict) or not user.get("id"):
        return
    deps = deps_of(context)
    if not first_delivery(deps, body):
        return
    profile = profile_of(user, user_id=str(user["id"]))
    with deps.session_factory.begin() as session:
        change = reps.apply_profile_change(
            session,
            user_id=str(user["id"]),
            name=profile.name,
            tz=profile.tz,
            active=profile.active,
            now=deps.clock.now(),
        )
    if change is None:
        return  # not someone pipebot serves
    if change.was_active and not change.active:
        logger.info("rep %s was deactivated in Slack; no more messages to them", change.rep.id)
    elif change.active and not change.was_active:
        logger.info("rep %s was reactivated in Slack", change.rep.id)
    else:
        logger.info(
            "rep %s changed their Slack profile (timezone %s)", change.rep.id, change.rep.tz
        )


@logs_failures
def handle_app_uninstalled_event(body: dict[str, Any], context: BoltContext) -> None:
    """Stop sending: every notification stays pending until pipebot runs with a new token."""
    _close(context, body, UNINSTALLED)


@logs_failures
def handle_tokens_revoked_event(
    event: dict[str, Any], body: dict[str, Any], context: BoltContext
) -> None:
    """Stop sending when the bot's token is among the revoked (pipebot holds no user tokens)."""
    revoked = (event.get("tokens") or {}).get("bot") or []
    if not revoked:
        logger.info("Slack revoked user tokens only; pipebot uses none, so it carries on")
        return
    _close(context, body, REVOKED)


def _close(context: BoltContext, body: dict[str, Any], reason: str) -> None:
    closed_now = watch_of(context).slack.close(f"{reason}; sending paused")
    if first_delivery(deps_of(context), body) or closed_now:
        logger.error(
            "%s: pipebot stops sending and keeps every notification pending; reinstall the app, "
            "set its new SLACK_BOT_TOKEN and restart pipebot to deliver them",
            reason,
        )


def register(app: App) -> None:
    app.event(Event.USER_CHANGE)(handle_user_change_event)
    app.event(Event.APP_UNINSTALLED)(handle_app_uninstalled_event)
    app.event(Event.TOKENS_REVOKED)(handle_tokens_revoked_event)
