"""The Home publisher, and keeping what a user sees in step after they change something."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.domain.access import local_today
from bot.domain.schedule import zone_for
from bot.services import reps
from bot.services.board import load_board
from bot.slack.home import Scope, build_home_view
from bot.slack.messages.outcomes import build_acted_message

logger = logging.getLogger(__name__)


def home_view_for(deps: Deps, *, user_id: str, scope: str | None = Scope.MINE) -> dict[str, Any]:
    """The user's board as of now, in their timezone; Team only for managers."""
    now = deps.clock.now()
    is_manager = deps.is_manager(user_id)
    chosen = Scope.parse(scope, is_manager=is_manager)
    team = chosen is Scope.TEAM
    with deps.session_factory() as session:
        rep = reps.get_rep(session, user_id=user_id)
        zone = zone_for(rep.tz if rep else None, fallback=deps.team_zone)
        today = local_today(now, zone)
        board = load_board(
            session,
            pipeline=deps.pipeline,
            owner_ids=None if team else [user_id],
            today=today,
            with_reps=team,
        )
        schedule = deps.pipeline.schedule
        settings = reps.read_my_settings(
            session,
            user_id=user_id,
            team_time=schedule.plan_time,
            team_days=schedule.working_days,
        )
    return build_home_view(
        board,
        scope=chosen,
        is_manager=is_manager,
        stages=deps.pipeline.stages,
        now=now,
        today=today,
        zone=zone,
        settings=settings,
    )


def publish_home(
    deps: Deps, client: WebClient, *, user_id: str, scope: str | None = Scope.MINE
) -> None:
    """Republish the user's App Home; a Slack refusal is logged by its error code and otherwise ignored."""
    publish_view(client, user_id=user_id, view=home_view_for(deps, user_id=user_id, scope=scope))


def publish_view(client: WebClient, *, user_id: str, view: dict[str, Any]) -> None:
    """Publish a Home view; a Slack refusal is logged by its error code and otherwise ignored."""
    try:
        client.views_publish(user_id=user_id, view=view)
    except SlackApiError as exc:
        logger.warning("views.publish for %s failed: %s", user_id, exc.response.get("error"))


def show_outcome_in_message(
    client: WebClient, *, channel_id: str, ts: str, block_id: str | None, line: str
) -> None:
    """Replace the acted-on row of a bot message by `line`; a message gone or out of reach is left."""
    try:
        history = client.conversations_history(
            channel=channel_id, latest=ts, inclusive=True, limit=1
        )
        message = next((m for m in history.get("messages") or [] if m.get("ts") == ts), None)
        if message is None:
            logger.info("message %s in %s is gone; nothing to update", ts, channel_id)
            return
        text, blocks = build_acted_message(message, block_id=block_id, line=line)
        client.chat_update(channel=channel_id, ts=ts, text=text, blocks=blocks)
    except SlackApiError as exc:
        logger.info(
            "updating message %s in %s failed: %s", ts, channel_id, exc.response.get("error")
        )


def refresh_homes(
    deps: Deps,
    client: WebClient,
    *user_ids: str | None,
    scopes: Mapping[str, str | None] | None = None,
) -> None:
    """Republish the Home of everyone a change touched, once each, Mine unless `scopes` says; never fails."""
    for user_id in dict.fromkeys(uid for uid in user_ids if uid):
        try:
            publish_home(deps, client, user_id=user_id, scope=(scopes or {}).get(user_id))
        except Exception:  # the change is saved and answered; the Home catches up on next open
            logger.exception("refreshing the App Home of %s failed", user_id)
