"""create_app(deps) -> App: the only place a Bolt App is built."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from bot.deps import Deps
from bot.executor import ListenerExecutor, TrackAcks
from bot.services.accepted import accept, answered
from bot.shared_writes import GroupCommit
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


Next = Callable[[], BoltResponse | None]


class _Plain(Middleware):
    """A global middleware called with the request and `next` only.

    Bolt inspects a function middleware's parameters and builds its arguments on every request,
    which costs more than these small steps do themselves; every request passes them all.
    """

    def __init__(self, step: Callable[[BoltRequest, Next], BoltResponse | None]) -> None:
        self.step = step

    def process(
        self,
        *,
        req: BoltRequest,
        resp: BoltResponse,
        next: Next,  # noqa: A002 - Bolt's name
    ) -> BoltResponse | None:
        return self.step(req, next)

    @property
    def name(self) -> str:
        return self.step.__name__


def plain_middleware(
    app: App,
) -> Callable[[Callable[[BoltRequest, Next], BoltResponse | None]], Any]:
    """Register a step as a `_Plain` global middleware, in order."""

    def register(step: Callable[[BoltRequest, Next], BoltResponse | None]) -> Any:
        app.middleware(_Plain(step))
        return step

    return register


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

    @plain_middleware(app)
    def attach_deps(req: BoltRequest, next: Next) -> BoltResponse | None:  # noqa: A002 - Bolt's name
        req.context["deps"] = deps
        return next()

    @plain_middleware(app)
    def refuse_foreign_response_urls(req: BoltRequest, next: Next) -> BoltResponse | None:  # noqa: A002
        """Replies go to Slack only: a response_url elsewhere would make the bot post there."""
        response_url = req.context.response_url
        if response_url and not may_reply_to(response_url, api_url=settings.slack_api_url):
            logger.warning("refused a request whose response_url is not on Slack")
            return BoltResponse(status=400, body="")
        return next()

    def record(commands: list[dict[str, Any]]) -> list[int]:
        with deps.engine.begin() as connection:
            return [accept(connection, **command) for command in commands]

    def forget(command_ids: list[int]) -> list[None]:
        with deps.engine.begin() as connection:
            answered(connection, command_ids=command_ids)
        return [None] * len(command_ids)

    # Commands arriving together are recorded in one transaction: every ack waits for this write.
    record_together = GroupCommit(record)
    # Commands answered together are forgotten in one: each listener waits for its own.
    forget_together = GroupCommit(forget)

    @plain_middleware(app)
    def record_commands(req: BoltRequest, next: Next) -> BoltResponse | None:  # noqa: A002
        """A slash command is recorded before its ack, so a crash after the ack still owes its user an answer."""
        body, context = req.body, req.context
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
            context["forget_command"] = forget_together
        return next()

    @app.error
    def handle_errors(error: Exception, body: dict[str, Any], context: BoltContext) -> None:
        report_error(error, context, kind=body.get("type") or body.get("command"))

    process_watch = watch or Watch()

    @plain_middleware(app)
    def attach_watch(req: BoltRequest, next: Next) -> BoltResponse | None:  # noqa: A002 - Bolt's name
        req.context["watch"] = process_watch
        return next()

    bind_request_log(app)

    from handlers import register_all

    register_all(app)
    return app
