"""The shape of what Slack sends, checked once at the edge after the signature.

Slack sends three kinds of body to `/slack/events`: slash commands (a form with `command` and
`user_id`), interactivity (a form with one `payload` field holding a JSON object) and the Events
API (a JSON object). A signed body of any other shape — which Slack never sends — is refused with
400 before a listener could trip over it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

_ID = str
# Interactivity payloads that carry a user, and what else each one needs.
_INTERACTIVE_NEEDS: dict[str, tuple[str, ...]] = {
    "block_actions": ("actions",),
    "view_submission": ("view",),
    "view_closed": ("view",),
    "shortcut": ("callback_id",),
    "message_action": ("callback_id",),
    "block_suggestion": ("action_id",),
}


def _is_text(value: object, *, limit: int = 256) -> bool:
    return isinstance(value, str) and 0 < len(value) <= limit and value.isprintable()


def _user_ok(payload: Mapping[str, Any]) -> bool:
    user = payload.get("user")
    return isinstance(user, Mapping) and _is_text(user.get("id"), limit=32)


def _interactive_problem(payload: object) -> str | None:
    if not isinstance(payload, Mapping):
        return "payload is not an object"
    kind = payload.get("type")
    if kind not in _INTERACTIVE_NEEDS:
        return "unknown payload type"
    if not _user_ok(payload):
        return "payload has no user"
    for key in _INTERACTIVE_NEEDS[kind]:
        if key not in payload:
            return f"{kind} without {key}"
    if kind == "block_actions":
        actions = payload["actions"]
        if not isinstance(actions, list) or not actions:
            return "block_actions without actions"
        if not all(isinstance(a, Mapping) and _is_text(a.get("action_id")) for a in actions):
            return "an action without an action_id"
    if kind in ("view_submission", "view_closed") and not isinstance(payload["view"], Mapping):
        return "view is not an object"
    return None


def _event_problem(body: object) -> str | None:
    if not isinstance(body, Mapping):
        return "body is not an object"
    kind = body.get("type")
    if kind == "url_verification":
        return None if _is_text(body.get("challenge"), limit=512) else "challenge missing"
    if kind == "event_callback":
        event = body.get("event")
        if not isinstance(event, Mapping) or not _is_text(event.get("type"), limit=64):
            return "event is not an object with a type"
        return None
    if kind == "app_rate_limited":
        return None
    return "unknown event envelope"


def _command_problem(form: Mapping[str, list[str]]) -> str | None:
    for key in ("command", "user_id"):
        values = form.get(key) or []
        if len(values) != 1 or not _is_text(values[0], limit=64):
            return f"command without {key}"
    return None


@dataclass(frozen=True, slots=True)
class Shape:
    """What a verified body is: why Slack would never send it (None when it would), and for a
    slash command its fields (the first value of each; Slack sends each once)."""

    problem: str | None
    command: dict[str, str] | None = None


def shape_of(body: str, *, content_type: str) -> Shape:
    """The shape of a verified body, read once here for the edge and its checks."""
    if "json" in content_type.lower():
        try:
            return Shape(_event_problem(json.loads(body)))
        except ValueError:
            return Shape("body is not JSON")
    form = parse_qs(body, keep_blank_values=True)
    if "payload" in form:
        if len(form["payload"]) != 1:
            return Shape("more than one payload")
        try:
            return Shape(_interactive_problem(json.loads(form["payload"][0])))
        except ValueError:
            return Shape("payload is not JSON")
    if "command" in form:
        problem = _command_problem(form)
        command = None if problem else {name: values[0] for name, values in form.items()}
        return Shape(problem, command)
    if form.get("ssl_check") == ["1"]:
        return Shape(None)
    return Shape("neither a command, an interaction nor an event")
