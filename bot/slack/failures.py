"""What a failed Slack call means for a notification: wait, retry later, give up, or stop sending."""

from __future__ import annotations

import http.client
from dataclasses import dataclass
from enum import StrEnum
from urllib.error import HTTPError

from slack_sdk.errors import SlackApiError, SlackRequestError

from bot.slack.reconcile import Inconclusive

DEFAULT_RETRY_AFTER_SECONDS = 30

# The message itself or its target is wrong: retrying cannot help.
PERMANENT_ERRORS = frozenset(
    {
        "account_inactive",
        "as_user_not_supported",
        "attachment_payload_limit_exceeded",
        "cannot_dm_bot",
        "cannot_reply_to_message",
        "channel_not_found",
        "duplicate_channel_not_found",
        "file_upload_size_restricted",
        "file_uploads_disabled",
        "file_uploads_except_images_disabled",
        "invalid_arguments",
        "invalid_blocks",
        "invalid_blocks_format",
        "invalid_metadata_format",
        "invalid_metadata_schema",
        "is_archived",
        "messages_tab_disabled",
        "metadata_too_large",
        "msg_blocks_too_long",
        "msg_too_long",
        "no_text",
        "not_in_channel",
        "restricted_action",
        "restricted_action_non_threadable_channel",
        "restricted_action_read_only_channel",
        "restricted_action_thread_locked",
        "restricted_action_thread_only_channel",
        "too_many_attachments",
        "user_disabled",
        "user_not_found",
        "user_not_visible",
        "users_not_found",
    }
)

# The token is unusable: every post would fail the same way, so stop instead of failing each row.
HALT_ERRORS = frozenset(
    {"invalid_auth", "missing_scope", "not_authed", "token_revoked", "token_expired"}
)


class Action(StrEnum):
    """What the sender does after a failed call."""

    WAIT = "wait"  # Slack rate-limited the app: wait Retry-After, the row is not at fault
    RETRY = "retry"  # transient: back off and try again, up to a limit
    GIVE_UP = "give_up"  # permanent for this message
    HALT = "halt"  # the app cannot send at all


@dataclass(frozen=True)
class Failure:
    """A classified failure: the action, a short reason safe to log, and Slack's Retry-After."""

    action: Action
    reason: str
    retry_after: int = 0


def _retry_after(error: SlackApiError) -> int:
    headers = {name.lower(): value for name, value in (error.response.headers or {}).items()}
    try:
        return max(1, int(float(headers.get("retry-after", DEFAULT_RETRY_AFTER_SECONDS))))
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER_SECONDS


def _api_failure(error: SlackApiError) -> Failure:
    status = int(error.response.status_code or 0)
    data = error.response.data if isinstance(error.response.data, dict) else {}
    code = str(data.get("error") or f"http_{status}")
    if status == 429 or code in ("ratelimited", "rate_limited"):
        return Failure(Action.WAIT, "ratelimited", _retry_after(error))
    if status >= 500:
        return Failure(Action.RETRY, f"http_{status}")
    if code in HALT_ERRORS:
        return Failure(Action.HALT, code)
    if code in PERMANENT_ERRORS:
        return Failure(Action.GIVE_UP, code)
    # internal_error, fatal_error, service_unavailable and codes we do not know: worth another try.
    return Failure(Action.RETRY, code[:100])


def classify(error: Exception) -> Failure:
    """Turn an exception from a Slack call into what to do about it."""
    if isinstance(error, SlackApiError):
        return _api_failure(error)
    if isinstance(error, HTTPError | SlackRequestError):
        # files_upload_v2's upload URL refused the bytes: nothing was shared, so try again later.
        status = error.code if isinstance(error, HTTPError) else "error"
        return Failure(Action.RETRY, f"upload_url:{status}")
    if isinstance(error, TimeoutError):
        return Failure(Action.RETRY, "timeout")
    if isinstance(error, OSError | http.client.HTTPException):
        return Failure(Action.RETRY, f"connection_error:{type(error).__name__}")
    return Failure(Action.RETRY, f"unexpected:{type(error).__name__}")


def lookup_failure(error: Exception) -> Failure:
    """Classify a failure of the history lookup done before a repeat post, labelled as such.

    A missing history scope stops only the rows that need a lookup: they fail, naming the scope
    problem, rather than being posted blind.
    """
    if isinstance(error, Inconclusive):
        return Failure(Action.GIVE_UP, "reconcile:inconclusive")
    failure = classify(error)
    if failure.reason == "missing_scope":
        return Failure(Action.GIVE_UP, "reconcile:missing_scope")
    return Failure(failure.action, f"reconcile:{failure.reason}", failure.retry_after)
