"""Read a user's display name and IANA timezone from Slack's `users.info`."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

logger = logging.getLogger(__name__)
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,20}")


@dataclass(frozen=True)
class Profile:
    name: str
    tz: str | None
    active: bool
    is_bot: bool = False


def fetch_profile(client: WebClient, *, user_id: str) -> Profile | None:
    """The user's name, timezone and whether the account is active; None when Slack cannot tell."""
    try:
        user = client.users_info(user=user_id)["user"]
    except SlackApiError as exc:
        logger.warning("users.info failed for %s: %s", user_id, exc.response.get("error"))
        return None
    return profile_of(user, user_id=user_id)


def profile_of(user: Mapping[str, Any], *, user_id: str) -> Profile:
    """Read a Slack user object, as `users.info` and the `user_change` event both carry it."""
    profile = user.get("profile") or {}
    name = profile.get("display_name") or user.get("real_name") or user.get("name") or ""
    return Profile(
        name=name,
        tz=user.get("tz"),
        active=not user.get("deleted", False),
        is_bot=bool(user.get("is_bot")) or user_id == "USLACKBOT",
    )


def assignee_refusal(client: WebClient, *, user_id: str, mrkdwn: bool = True) -> str | None:
    """Why a lead can't be given to this Slack user (unknown, deactivated, a bot), or None.

    When Slack cannot be asked (an outage), the assignment goes ahead: the id came from Slack.
    """
    if not _USER_ID.fullmatch(user_id):
        return "That is not a Slack user; pick a teammate from the @ menu."
    shown = f"<@{user_id}>" if mrkdwn else "That person"
    try:
        user = client.users_info(user=user_id)["user"]
    except SlackApiError as exc:
        error = exc.response.get("error")
        if error in ("user_not_found", "user_not_visible"):
            return f"{shown} is not someone in this workspace; pick a teammate from the @ menu."
        logger.warning("users.info failed for %s: %s", user_id, error)
        return None
    if user.get("deleted"):
        return f"{shown} has been deactivated in Slack; give the lead to an active teammate."
    if user.get("is_bot") or user_id == "USLACKBOT":
        return f"{shown} is a bot; give the lead to a person."
    return None


def fetch_group_members(client: WebClient, *, usergroup_id: str) -> list[str] | None:
    """The member ids of a Slack user group (`usergroups.users.list`); None when Slack cannot tell."""
    try:
        response = client.usergroups_users_list(usergroup=usergroup_id)
    except SlackApiError as exc:
        error = exc.response.get("error")
        needed = exc.response.get("needed")
        logger.warning(
            "usergroups.users.list failed for %s: %s%s",
            usergroup_id,
            error,
            f" (the app needs {needed}; reinstall it from manifest.yml)" if needed else "",
        )
        return None
    return [str(user) for user in response.get("users") or [] if _USER_ID.fullmatch(str(user))]
