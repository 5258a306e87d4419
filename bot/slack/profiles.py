"""Read a user's display name and IANA timezone from Slack's `users.info`."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Profile:
    name: str
    tz: str | None
    active: bool


def fetch_profile(client: WebClient, *, user_id: str) -> Profile | None:
    """The user's name, timezone and whether the account is active; None when Slack cannot tell."""
    try:
        user = client.users_info(user=user_id)["user"]
    except SlackApiError as exc:
        logger.warning("users.info failed for %s: %s", user_id, exc.response.get("error"))
        return None
    profile = user.get("profile") or {}
    name = profile.get("display_name") or user.get("real_name") or user.get("name") or ""
    return Profile(name=name, tz=user.get("tz"), active=not user.get("deleted", False))
