"""Interaction payloads and events shaped like the ones Slack sends (see tests/fixtures/slack)."""

import secrets
import time
from collections.abc import Mapping
from typing import Any

from .defaults import APP_ID, TEAM_DOMAIN, TEAM_ID, VERIFICATION_TOKEN


def now_ts() -> str:
    """A Slack-style "seconds.micros" timestamp for action_ts/event_ts fields."""
    return f"{time.time():.6f}"


def random_trigger_id() -> str:
    """A trigger_id shaped like Slack's, for payloads built without a FakeSlack."""
    return f"{secrets.randbelow(10**11)}.{secrets.randbelow(10**11)}.{secrets.token_hex(16)}"


def random_response_url(team_id: str) -> str:
    """A response_url shaped like Slack's, for payloads built without a FakeSlack."""
    return f"https://hooks.slack.com/commands/{team_id}/{secrets.randbelow(10**12)}/{secrets.token_urlsafe(18)}"


def _team(team_id: str) -> dict[str, str]:
    """The `team` object of interaction payloads."""
    return {"id": team_id, "domain": TEAM_DOMAIN}


def _user(user_id: str, user_name: str, team_id: str) -> dict[str, str]:
    """The `user` object of interaction payloads."""
    return {"id": user_id, "username": user_name, "name": user_name, "team_id": team_id}


def block_actions_payload(
    *,
    user_id: str,
    action_id: str,
    value: str | None = None,
    block_id: str = "actions",
    container: str = "message",
    channel_id: str = "C0001",
    message_ts: str | None = None,
    response_url: str | None = None,
    trigger_id: str | None = None,
    view: Mapping[str, Any] | None = None,
    message: Mapping[str, Any] | None = None,
    action_type: str = "button",
    action: Mapping[str, Any] | None = None,
    is_ephemeral: bool = False,
    user_name: str = "dana",
    team_id: str = TEAM_ID,
) -> dict[str, Any]:
    """A block_actions payload from a message (with response_url) or a view (without one).

    Buttons carry `value`; static_select/overflow/radio_buttons get it as `selected_option`.
    Pass `action` to supply the whole action object instead.
    """
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user_id, user_name, team_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
    }
    if container == "view":
        if view is None:
            raise ValueError("container='view' needs the view the action came from")
        payload["container"] = {"type": "view", "view_id": view["id"]}
    elif container == "message":
        payload["container"] = {
            "type": "message",
            "message_ts": message_ts or now_ts(),
            "channel_id": channel_id,
            "is_ephemeral": is_ephemeral,
        }
    else:
        raise ValueError(f"unknown container {container!r}")
    payload["trigger_id"] = trigger_id or random_trigger_id()
    payload["team"] = _team(team_id)
    if container == "message":
        payload["channel"] = {"id": channel_id, "name": "sales"}
        if message is not None:
            payload["message"] = dict(message)
        payload["response_url"] = response_url or random_response_url(team_id)
    else:
        payload["view"] = dict(view or {})
    payload["actions"] = [
        dict(action) if action else _action(action_type, action_id, block_id, value)
    ]
    return payload


def _action(action_type: str, action_id: str, block_id: str, value: str | None) -> dict[str, Any]:
    """The actions[0] object Slack sends for a button or a single-choice element."""
    base: dict[str, Any] = {"action_id": action_id, "block_id": block_id}
    if action_type == "button":
        base["text"] = {"type": "plain_text", "text": "Button", "emoji": True}
        if value is not None:
            base["value"] = value
    elif value is not None:
        option = {"text": {"type": "plain_text", "text": value, "emoji": True}, "value": value}
        base["selected_option"] = option
    return {**base, "type": action_type, "action_ts": now_ts()}


def _state_value(leaf: Any) -> Any:
    """A state value as Slack sends it; bare strings become plain_text_input values."""
    if isinstance(leaf, Mapping):
        return dict(leaf)
    return {"type": "plain_text_input", "value": leaf}


def view_submission_payload(
    *,
    user_id: str,
    callback_id: str,
    state_values: Mapping[str, Mapping[str, Any]],
    private_metadata: str = "",
    view_id: str = "V0001",
    blocks: list[dict[str, Any]] | None = None,
    title: str = "Pipebot",
    response_urls: list[dict[str, str]] | None = None,
    trigger_id: str | None = None,
    user_name: str = "dana",
    team_id: str = TEAM_ID,
) -> dict[str, Any]:
    """A view_submission payload; `state_values` maps block_id -> action_id -> value or dict."""
    values = {
        block_id: {action_id: _state_value(leaf) for action_id, leaf in actions.items()}
        for block_id, actions in state_values.items()
    }
    view = {
        "id": view_id,
        "team_id": team_id,
        "type": "modal",
        "blocks": blocks or [],
        "private_metadata": private_metadata,
        "callback_id": callback_id,
        "state": {"values": values},
        "hash": f"{int(time.time())}.{secrets.token_urlsafe(6)}",
        "title": {"type": "plain_text", "text": title},
        "clear_on_close": False,
        "notify_on_close": False,
        "close": {"type": "plain_text", "text": "Cancel"},
        "submit": {"type": "plain_text", "text": "Submit"},
        "previous_view_id": None,
        "root_view_id": view_id,
        "app_id": APP_ID,
        "external_id": "",
        "app_installed_team_id": team_id,
        "bot_id": "B0001",
    }
    return {
        "type": "view_submission",
        "team": _team(team_id),
        "user": _user(user_id, user_name, team_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or random_trigger_id(),
        "view": view,
        "response_urls": list(response_urls or []),
    }


def message_shortcut_payload(
    *,
    user_id: str,
    callback_id: str,
    message_text: str,
    channel_id: str = "C0001",
    message_ts: str | None = None,
    trigger_id: str | None = None,
    response_url: str | None = None,
    message_user: str = "U0AUTHOR",
    user_name: str = "dana",
    team_id: str = TEAM_ID,
) -> dict[str, Any]:
    """A message shortcut (type message_action) payload on a message by `message_user`."""
    ts = message_ts or now_ts()
    return {
        "type": "message_action",
        "token": VERIFICATION_TOKEN,
        "action_ts": now_ts(),
        "team": _team(team_id),
        "user": {"id": user_id, "name": user_name},
        "channel": {"id": channel_id, "name": "sales"},
        "callback_id": callback_id,
        "trigger_id": trigger_id or random_trigger_id(),
        "message_ts": ts,
        "message": {
            "type": "message",
            "text": message_text,
            "user": message_user,
            "ts": ts,
            "team": team_id,
        },
        "response_url": response_url or random_response_url(team_id),
    }


def global_shortcut_payload(
    *,
    user_id: str,
    callback_id: str,
    trigger_id: str | None = None,
    user_name: str = "dana",
    team_id: str = TEAM_ID,
) -> dict[str, Any]:
    """A global shortcut payload: no channel and no response_url."""
    return {
        "type": "shortcut",
        "token": VERIFICATION_TOKEN,
        "action_ts": now_ts(),
        "team": _team(team_id),
        "user": {"id": user_id, "username": user_name, "team_id": team_id},
        "callback_id": callback_id,
        "trigger_id": trigger_id or random_trigger_id(),
    }


def app_home_opened_event(
    user_id: str,
    *,
    channel: str | None = None,
    tab: str = "home",
    view: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The inner app_home_opened event; `view` only once a Home view was published."""
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user_id,
        "channel": channel or "D" + user_id,
        "tab": tab,
        "event_ts": now_ts(),
    }
    if view is not None:
        event["view"] = dict(view)
    return event
