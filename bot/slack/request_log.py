"""Log context for Slack requests: who asked for what, on every line a request's work logs.

Bolt runs the middleware chain on the thread that dispatched the request, then each listener on
a thread of the listener pool, where context variables set earlier are not seen. So the fields
are bound twice: by a middleware around the chain, and by Bolt's listener start handler on the
listener's own thread (its completion handler unbinds them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextvars import Token
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.listener.listener_completion_handler import ListenerCompletionHandler
from slack_bolt.listener.listener_start_handler import ListenerStartHandler
from slack_bolt.middleware import Middleware

from bot.logs import bind, current_context, new_request_id, unbind

_FIELDS = "pipebot_log_fields"
_TOKEN = "pipebot_log_token"


def request_fields(body: Mapping[str, Any], *, user_id: str | None) -> dict[str, str | None]:
    """The user and what they asked for: a command, an action or view, or an event type."""
    fields: dict[str, str | None] = {"user": user_id}
    if isinstance(body.get("command"), str):
        fields["command"] = body["command"]
    actions = body.get("actions")
    if isinstance(actions, list) and actions and isinstance(actions[0], Mapping):
        fields["action"] = actions[0].get("action_id")
    elif isinstance(body.get("view"), Mapping) and body.get("type") in (
        "view_submission",
        "view_closed",
    ):
        fields["action"] = body["view"].get("callback_id")
    elif isinstance(body.get("callback_id"), str):  # shortcuts
        fields["action"] = body["callback_id"]
    elif body.get("type") == "block_suggestion":
        fields["action"] = body.get("action_id")
    event = body.get("event")
    if isinstance(event, Mapping):
        fields["event"] = event.get("type")
    return fields


class BindRequestLog(Middleware):
    """Global middleware: bind the request's fields for the chain, and keep them for its listener."""

    def process(
        self,
        *,
        req: BoltRequest,
        resp: BoltResponse,
        next: Callable[[], BoltResponse | None],  # noqa: A002 - Bolt's name
    ) -> BoltResponse | None:
        fields = request_fields(req.body, user_id=req.context.user_id)
        # An HTTP request arrives with its id bound already; a Socket Mode one gets its own.
        fields["request_id"] = current_context().get("request_id") or new_request_id()
        req.context[_FIELDS] = fields
        token = bind(**fields)
        try:
            return next()
        finally:
            unbind(token)


class BindOnListenerStart(ListenerStartHandler):
    """Bind the request's fields on the listener's thread before it runs."""

    def handle(self, request: BoltRequest, response: BoltResponse | None) -> None:
        fields = request.context.get(_FIELDS)
        if fields:
            request.context[_TOKEN] = bind(**fields)


class UnbindOnListenerDone(ListenerCompletionHandler):
    """Unbind them when it is done, so the pooled thread carries nothing to its next listener."""

    def handle(self, request: BoltRequest, response: BoltResponse | None) -> None:
        token: Token[Mapping[str, str]] | None = request.context.get(_TOKEN)
        if token is not None:
            unbind(token)


def bind_request_log(app: App) -> None:
    """Give every request's log lines, in middleware and listener alike, its context fields."""
    app.use(BindRequestLog())
    runner = app.listener_runner
    runner.listener_start_handler = BindOnListenerStart()
    runner.listener_completion_handler = UnbindOnListenerDone()
