"""Helpers for end-to-end modal tests: fill a view the way a user would, submit it, ask for options."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import func, select

from tests import support
from tests.e2e.live import Live
from tests.fakeslack.defaults import APP_ID, TEAM_DOMAIN, TEAM_ID, VERIFICATION_TOKEN
from tests.slackkit import Reply, view_submission_payload


def count(live: Live, model: Any) -> int:
    with live.deps.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def last_opened(live: Live) -> dict[str, Any]:
    """The latest modal opened, as Slack holds it now (after any views.update)."""
    views = live.slack.opened_views()
    assert views, "no modal was opened"
    return views[-1]


def opened_ok(live: Live) -> dict[str, Any]:
    """The view the last views.open sent, after checking Slack (the fake) accepted it."""
    calls = live.slack.calls("views.open")
    assert calls, f"no views.open; the user saw {live.ephemeral_texts()}"
    call = calls[-1]
    assert call.response.get("ok"), call.response
    return call.args["view"]


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Input blocks by block_id."""
    return {block["block_id"]: block for block in view["blocks"] if block["type"] == "input"}


def _shown(element: dict[str, Any]) -> dict[str, Any]:
    """The state Slack reports for an element left as the view showed it."""
    kind = element["type"]
    if kind in ("plain_text_input", "email_text_input"):
        return {"type": kind, "value": element.get("initial_value")}
    if kind in ("static_select", "external_select", "radio_buttons"):
        return {"type": kind, "selected_option": element.get("initial_option")}
    if kind == "checkboxes":
        return {"type": kind, "selected_options": element.get("initial_options", [])}
    if kind == "users_select":
        return {"type": kind, "selected_user": element.get("initial_user")}
    if kind == "datepicker":
        return {"type": kind, "selected_date": element.get("initial_date")}
    if kind == "datetimepicker":
        return {"type": kind, "selected_date_time": element.get("initial_date_time")}
    if kind == "timepicker":
        return {"type": kind, "selected_time": element.get("initial_time")}
    raise AssertionError(f"unexpected element {kind}")


def option(value: str | None) -> dict[str, Any] | None:
    return (
        None if value is None else {"text": {"type": "plain_text", "text": value}, "value": value}
    )


def change(element: dict[str, Any], value: Any) -> dict[str, Any]:
    """The state of an element after the user set it to `value`."""
    state = _shown(element)
    kind = element["type"]
    if kind in ("plain_text_input", "email_text_input"):
        state["value"] = value
    elif kind in ("static_select", "external_select", "radio_buttons"):
        state["selected_option"] = option(value)
    elif kind == "checkboxes":
        state["selected_options"] = [option(v) for v in value]
    elif kind == "users_select":
        state["selected_user"] = value
    elif kind == "datepicker":
        state["selected_date"] = value
    elif kind == "datetimepicker":
        state["selected_date_time"] = value
    elif kind == "timepicker":
        state["selected_time"] = value
    return state


def fill(view: dict[str, Any], **values: Any) -> dict[str, dict[str, Any]]:
    """state.values for the view as shown, with the given block ids changed."""
    state: dict[str, dict[str, Any]] = {}
    for block_id, block in inputs(view).items():
        element = block["element"]
        leaf = change(element, values.pop(block_id)) if block_id in values else _shown(element)
        state[block_id] = {element["action_id"]: leaf}
    assert not values, f"no such inputs: {sorted(values)}"
    return state


def submit(live: Live, view: dict[str, Any], *, user_id: str, **values: Any) -> Reply:
    """Press the view's submit button after setting `values`."""
    payload = view_submission_payload(
        user_id=user_id,
        callback_id=view["callback_id"],
        state_values=fill(view, **values),
        private_metadata=view.get("private_metadata", ""),
        view_id=view.get("id", "V0001"),
        blocks=view["blocks"],
    )
    return live.interact(payload)


def suggestion_payload(
    *, user_id: str, action_id: str, block_id: str, value: str
) -> dict[str, Any]:
    """A block_suggestion payload: what Slack sends while a user types into an external select."""
    return {
        "type": "block_suggestion",
        "user": {"id": user_id, "username": "dana", "name": "dana", "team_id": TEAM_ID},
        "container": {"type": "view", "view_id": "V0SUGGEST"},
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "action_id": action_id,
        "block_id": block_id,
        "value": value,
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "view": {"id": "V0SUGGEST", "type": "modal", "callback_id": "log_touch_modal"},
    }


def post_message(live: Live, channel: str, text: str) -> str:
    """Put a message in a channel of the fake workspace and return its ts."""
    client = WebClient(token=support.BOT_TOKEN, base_url=live.slack.base_url)
    return client.chat_postMessage(channel=channel, text=text)["ts"]


def metadata(view: dict) -> dict:
    """The JSON a modal carries in its private_metadata, behind the app's signature."""
    mac, dot, body = view["private_metadata"].partition(".")
    assert dot and len(mac) == 32, "private_metadata is not signed"
    return json.loads(body)
