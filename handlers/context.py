"""Who is calling and when, resolved after the ack: rep record, Slack profile, local date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.deps import Deps
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
    if not tz:
        return default
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return default


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
