"""Finding a teammate's Slack member ID from their email address (`users.lookupByEmail`)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

logger = logging.getLogger(__name__)

# The answers that mean "nobody with that address", rather than "could not ask".
NOT_FOUND = frozenset({"users_not_found", "user_not_found", "invalid_email"})


class LookupFailed(Exception):
    """Slack could not be asked (an outage, a missing `users:read.email` scope): nothing is known."""


def member_for_email(client: WebClient, email: str) -> str | None:
    """The member ID of the active teammate with this email, or None when there is none."""
    try:
        user = client.users_lookupByEmail(email=email)["user"]
    except SlackApiError as exc:
        error = str(exc.response.get("error") or "")
        if error in NOT_FOUND:
            return None
        raise LookupFailed(error or f"http_{exc.response.status_code}") from exc
    except OSError as exc:  # unreachable, timed out
        raise LookupFailed(type(exc).__name__) from exc
    if user.get("deleted") or user.get("is_bot"):
        return None
    return str(user["id"])


def email_lookup(client: WebClient) -> Callable[[str], str | None]:
    """`member_for_email` on a client that waits out rate limits, each address asked once."""
    patient = WebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=client.timeout,
        retry_handlers=[*client.retry_handlers, RateLimitErrorRetryHandler(max_retry_count=3)],
    )
    known: dict[str, str | None] = {}

    def lookup(email: str) -> str | None:
        key = email.strip().lower()
        if key not in known:
            known[key] = member_for_email(patient, email.strip())
        return known[key]

    return lookup
