"""create_app(deps) -> App: the only place a Bolt App is built."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from bot.db import GroupCommit
from bot.deps import Deps
from bot.executor import ListenerExecutor, TrackAcks
from bot.services.accepted import accept
from bot.slack.http import ConnectionPool, PooledHttp
from bot.slack.request_log import bind_request_log
from bot.slack.verify import may_reply_to
from bot.watch import Watch
from handlers.errors import report_error

logger = logging.getLogger(__name__)


def make_listener_client(deps: Deps) -> WebClient:
    """The client listeners use: SLACK_API_URL, bounded retries on 429 and dropped connections."""
    settings = deps.config.settings
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return WebClient(
        token=token,
        base_url=settings.slack_api_url,
        timeout=10,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=1),
            RateLimitErrorRetryHandler(max_retry_count=1),
        ],
    )


def create_app(
    deps: Deps,
    *,
    executor: ListenerExecutor | None = None,
    token_verification: bool = True,
    watch: Watch | None = None,
) -> App:
    """Build the Bolt app with every surface registered and one error handler.

    `watch` is the running process's health, which workspace events (an uninstall) change.
    """
    settings = deps.config.settings
    secret = (
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    )
    app = App(
        client=make_listener_client(deps),
        signing_secret=secret,
        token_verification_enabled=token_verification,
        request_verification_enabled=secret is not None,
        listener_executor=executor or ListenerExecutor(),
        process_before_response=False,
    )
    # Each request's ack wakes Bolt at once, and the listener's work after it waits its turn.
    app.middleware(TrackAcks())
    # Web API calls and response_url replies reuse kept-alive connections.
    app.middleware(PooledHttp(ConnectionPool()))

    @app.middleware
    def attach_deps(context: BoltContext, next: Any) -> None:  # noqa: A002 - Bolt's name
        context["deps"] = deps
        next()

    @app.middleware
    def refuse_foreign_response_urls(context: BoltContext, next: Any) -> BoltResponse | None:  # noqa: A002
        """Replies go to Slack only: a response_url elsewhere would make the bot post there."""
        if context.response_url and not may_reply_to(
            context.response_url, api_url=settings.slack_api_url
        ):
            logger.warning("refused a request whose response_url is not on Slack")
            return BoltResponse(status=400, body="")
        next()
        return None

    def record(commands: list[dict[str, Any]]) -> list[int]:
        with deps.session_factory.begin() as session:
            return [accept(session, **command) for command in commands]

    # Commands arriving together are recorded in one transaction: every ack waits for this write.
    record_together = GroupCommit(record)

    @app.middleware
    def record_commands(body: dict[str, Any], context: BoltContext, next: Any) -> None:  # noqa: A002
        """A slash command is recorded before its ack, so a crash after the ack still owes its user an answer."""
        if isinstance(body.get("command"), str) and context.user_id:
            context["accepted_id"] = record_together(
                {
                    "user_id": context.user_id,
                    "channel_id": context.channel_id,
                    "command": body["command"],
                    "text": str(body.get("text") or ""),
                    "response_url": context.response_url,
                    "now": deps.clock.now(),
                }
            )
        next()

    @app.error
    def handle_errors(error: Exception, body: dict[str, Any], context: BoltContext) -> None:
        report_error(error, context, kind=body.get("type") or body.get("command"))

    process_watch = watch or Watch()

    @app.middleware
    def attach_watch(context: BoltContext, next: Any) -> None:  # noqa: A002 - Bolt's name
        context["watch"] = process_watch
        next()

    bind_request_log(app)

    from handlers import register_all

    register_all(app)
    return app
