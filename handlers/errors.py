"""Turn any failure into one ephemeral line for the user; log the unexpected with a reference id.

Bolt hands a listener's exception to `@app.error` only while it is still waiting for the ack;
an error raised just after `ack()` can even make Bolt drop that ack. So listeners that ack
first and then work are wrapped with `reports_errors`, which routes to the same `report_error`.
A modal's field mistakes are not failures: `acks_form_errors` acks them back onto their fields.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from slack_bolt import BoltContext
from slack_sdk.errors import SlackApiError

from bot.domain.errors import UserFacingError
from bot.domain.forms import FormInvalid
from bot.services.accepted import answered
from bot.slack.mrkdwn import escape

logger = logging.getLogger("pipebot.handlers")

Listener = TypeVar("Listener", bound=Callable[..., Any])


def user_text_for(error: Exception, *, kind: str | None, user_id: str | None) -> str:
    """The one line a user sees for an error; unexpected ones are logged with a reference."""
    if isinstance(error, UserFacingError):
        return error.message if error.is_mrkdwn else escape(error.message)
    reference = uuid.uuid4().hex[:8]
    detail = (
        error.response.get("error") if isinstance(error, SlackApiError) else type(error).__name__
    )
    logger.error(
        "listener failed (ref %s, %s, user %s, %s)",
        reference,
        kind,
        user_id,
        detail,
        exc_info=error,
    )
    return f"Something went wrong on our side (ref `{reference}`). Please try again in a minute."


def report_error(error: Exception, context: BoltContext, *, kind: str | None = None) -> None:
    """Tell the user what went wrong, privately, wherever the request came from."""
    text = user_text_for(error, kind=kind, user_id=context.user_id)
    try:
        if context.response_url:
            context.respond(text=text, response_type="ephemeral", replace_original=False)
        elif context.user_id and context.channel_id:
            context.client.chat_postEphemeral(
                channel=context.channel_id, user=context.user_id, text=text
            )
        elif context.user_id:
            context.client.chat_postMessage(channel=context.user_id, text=text)
    except SlackApiError as exc:
        logger.warning(
            "could not tell user %s about an error: %s", context.user_id, exc.response.get("error")
        )


def reports_errors(listener: Listener) -> Listener:
    """Wrap a listener so anything it raises after its ack reaches the user as one line."""

    @functools.wraps(listener)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return listener(*args, **kwargs)
        except Exception as error:  # every failure is reported, none escapes to Bolt's runner
            report_error(error, kwargs["context"], kind=listener.__name__)
            return None
        finally:
            forget_answered(kwargs["context"])

    return wrapper  # type: ignore[return-value]


def forget_answered(context: BoltContext) -> None:
    """The command this request recorded before its ack has its answer now: forget it.

    Only once the answer went out, so a crash before then still owes the user one. Commands
    answered at the same moment are forgotten in one transaction (`forget_command`)."""
    command_id = context.get("accepted_id")
    if command_id is None:
        return
    try:
        forget = context.get("forget_command")
        if forget is not None:
            forget(command_id)
        else:
            with context["deps"].session_factory.begin() as session:
                answered(session, command_ids=[command_id])
    except Exception:  # the owed-replies job would apologise for an answered command; log it
        logger.exception("could not forget answered command %s", command_id)


def acks_form_errors(listener: Listener) -> Listener:
    """Wrap a view submission listener so a `FormInvalid` it raises before its ack shows on the fields."""

    @functools.wraps(listener)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return listener(*args, **kwargs)
        except FormInvalid as invalid:  # before the ack, so the modal stays open with them
            kwargs["ack"](response_action="errors", errors=invalid.errors)
            return None

    return wrapper  # type: ignore[return-value]
