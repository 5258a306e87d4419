"""Who is calling and when, resolved after the ack: rep record, Slack profile, local date."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.deps import Deps
from bot.domain.schedule import zone_for
from bot.services import reps
from bot.slack.profiles import fetch_profile


@dataclass(frozen=True)
class Caller:
    """The Slack user behind a request, with their own timezone and today."""

    user_id: str
    is_manager: bool
    zone: ZoneInfo
    now: datetime

    @property
    def today(self) -> date:
        return self.now.astimezone(self.zone).date()


def deps_of(context: BoltContext) -> Deps:
    return context["deps"]


def zone_or_default(tz: str | None, default: ZoneInfo) -> ZoneInfo:
    """A rep's zone, or the team's when Slack gave none or an unknown one."""
    return zone_for(tz, fallback=default)


def user_of(payload: Mapping[str, Any]) -> str:
    """The id of the user behind a slash command, a click, a submission or a shortcut."""
    user = payload.get("user")
    return str(user["id"]) if isinstance(user, Mapping) else str(payload["user_id"])


def team_of(payload: Mapping[str, Any]) -> str | None:
    """The workspace a request came from, wherever its kind of payload keeps it."""
    user = payload.get("user")
    if isinstance(user, Mapping) and user.get("team_id"):
        return str(user["team_id"])
    team = payload.get("team")
    return team.get("id") if isinstance(team, Mapping) else payload.get("team_id")


def caller_of(deps: Deps, client: WebClient, payload: Mapping[str, Any]) -> Caller:
    """The fully resolved caller of a request (may call users.info, so only after the ack)."""
    return resolve_caller(deps, client, user_id=user_of(payload), team_id=team_of(payload))


def resolve_caller(deps: Deps, client: WebClient, *, user_id: str, team_id: str | None) -> Caller:
    """Ensure the rep exists and their Slack profile is at most a day old; never fails on Slack errors."""
    now = deps.clock.now()
    is_manager = deps.is_manager(user_id)
    with deps.session_factory.begin() as session:
        rep = reps.ensure_rep(
            session, user_id=user_id, team_id=team_id, now=now, is_manager=is_manager
        )
    if reps.needs_profile_refresh(rep, now=now):
        rep = refresh_profile(deps, client, user_id=user_id) or rep
    return Caller(
        user_id=user_id,
        is_manager=is_manager,
        zone=zone_or_default(rep.tz, deps.team_zone),
        now=now,
    )


def refresh_profile(deps: Deps, client: WebClient, *, user_id: str) -> reps.RepView | None:
    """Read name and timezone from `users.info`; None when Slack cannot tell us."""
    profile = fetch_profile(client, user_id=user_id)
    if profile is None:
        return None
    with deps.session_factory.begin() as session:
        return reps.update_profile(
            session, user_id=user_id, name=profile.name, tz=profile.tz, now=deps.clock.now()
        )
