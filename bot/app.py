"""create_app(deps) -> App: the only place a Bolt App is built."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from bot.deps import Deps
from bot.domain.errors import UserFacingError
from bot.executor import ListenerExecutor

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
    deps: Deps, *, executor: ListenerExecutor | None = None, token_verification: bool = True
) -> App:
    """Build the Bolt app with every surface registered and one error handler."""
    settings = deps.config.settings
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    app = App(
        client=make_listener_client(deps),
        signing_secret=secret,
        token_verification_enabled=token_verification,
        request_verification_enabled=secret is not None,
        listener_executor=executor or ListenerExecutor(),
        process_before_response=False,
    )

    @app.middleware
    def attach_deps(context: BoltContext, next: Any) -> None:  # noqa: A002 - Bolt's name
        context["deps"] = deps
        next()

    @app.error
    def handle_errors(error: Exception, body: dict[str, Any], context: BoltContext) -> None:
        reply = context.get("respond")
        if isinstance(error, UserFacingError):
            text = error.message
        else:
            reference = uuid.uuid4().hex[:8]
            logger.error(
                "listener failed (ref %s, type %s, user %s)",
                reference,
                body.get("type") or body.get("command"),
                context.user_id,
                exc_info=error,
            )
            text = f"Something went wrong on our side (ref `{reference}`). Please try again in a minute."
        if reply is not None:
            reply(text=text, response_type="ephemeral", replace_original=False)
        elif context.user_id and context.channel_id:
            context.client.chat_postEphemeral(channel=context.channel_id, user=context.user_id, text=text)

    from handlers import register_all

    register_all(app)
    return app

