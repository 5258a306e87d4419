"""Delivering the outbox's webhook rows: one signed POST per attempt, the Standard Webhooks way.

The sender (`bot.slack.send_loop`) hands each claimed `webhook` row here. An attempt looks the
endpoint up in the config by the row's recipient, signs the stored body with the endpoint's secret
(`webhook-id` is the event id, `webhook-timestamp` the attempt's real time, `webhook-signature`
`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`), and POSTs it without following redirects.

- A 2xx answer delivers the row: `sent`, never posted again.
- Anything else (another status, a timeout, a refused connection) is a failed attempt: the row
  waits out `WebhookOptions.retry_schedule` (or a longer `Retry-After`, within the schedule's
  largest step) and is tried again under the same id; after the last attempt it is `failed`, a dead
  letter that `pipebot webhooks redeliver` can send again.
- When an endpoint times out or cannot be reached, its other rows in the same pass are not tried
  (each waits as a failed attempt would), so one endpoint that is down never holds up Slack posts
  for a whole batch of timeouts.
- A row whose endpoint is no longer configured is dead at once.

A receiver sees an event more than once only when an answer was lost (a timeout after it had
accepted the request): it dedupes by `webhook-id`, as Standard Webhooks asks of receivers.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from standardwebhooks import Webhook

from bot.clock import Clock, SystemClock
from bot.deps import Deps
from bot.services import outbox
from bot.services.outbox import Claimed
from bot.services.webhooks import WEBHOOK
from bot.webhook_config import WebhookConfig

log = logging.getLogger(__name__)

USER_AGENT = "pipebot-webhooks/1"
_MAX_ANSWER_BYTES = 64 * 1024


@dataclass(frozen=True)
class WebhookOptions:
    """How webhook rows are attempted: the request timeout and the waits between attempts."""

    # Never longer than the sender's `http_timeout`, so a lease always outlasts the request.
    timeout_seconds: float = 10.0
    # The wait after the 1st, 2nd, … failed attempt; one attempt more than there are steps.
    # About a day and a half in all, so a receiver down overnight still gets everything.
    retry_schedule: tuple[float, ...] = (5, 300, 1800, 7200, 18000, 36000, 36000)

    @property
    def max_attempts(self) -> int:
        return len(self.retry_schedule) + 1

    def backoff(self, failures: int, retry_after: float | None = None) -> timedelta:
        """The wait after the `failures`-th failed attempt; a receiver's Retry-After may stretch it."""
        step = self.retry_schedule[min(failures, len(self.retry_schedule)) - 1]
        if retry_after is not None:
            step = max(step, min(retry_after, max(self.retry_schedule)))
        return timedelta(seconds=step)


@dataclass(frozen=True)
class Answer:
    """What one attempt came to: delivered, or why not (and whether the endpoint itself is down)."""

    delivered: bool
    reason: str
    retry_after: float | None = None
    endpoint_down: bool = False


def signed_headers(secret: str, *, event_id: str, body: str, at: datetime) -> dict[str, str]:
    """The Standard Webhooks headers for `body` sent at `at`."""
    at = at.astimezone(UTC)
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(event_id, at, body),
    }


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a place to send the body again."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _retry_after(headers: Mapping[str, str] | None) -> float | None:
    value = (headers or {}).get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def post_event(
    hook: WebhookConfig, event: Mapping[str, Any], *, at: datetime, timeout: float
) -> Answer:
    """POST one stored event to its endpoint, signed at `at`."""
    body = str(event["body"])
    headers = signed_headers(hook.secret, event_id=str(event["id"]), body=body, at=at)
    headers.update({"content-type": "application/json", "user-agent": USER_AGENT})
    request = urllib.request.Request(
        hook.url, data=body.encode("utf-8"), headers=headers, method="POST"
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            response.read(_MAX_ANSWER_BYTES)
            status = int(response.status)
    except urllib.error.HTTPError as error:
        return Answer(False, f"http_{error.code}", _retry_after(error.headers))
    except TimeoutError:
        return Answer(False, "timeout", endpoint_down=True)
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, TimeoutError):
            return Answer(False, "timeout", endpoint_down=True)
        name = type(reason).__name__ if isinstance(reason, BaseException) else "URLError"
        return Answer(False, f"connection_error:{name}", endpoint_down=True)
    except OSError as error:
        return Answer(False, f"connection_error:{type(error).__name__}", endpoint_down=True)
    if 200 <= status < 300:
        return Answer(True, f"http_{status}")
    return Answer(False, f"http_{status}")


class WebhookDelivery:
    """The webhook rows of one pass of the send loop, with the loop's own steps for leases and records."""

    def __init__(
        self,
        deps: Deps,
        options: WebhookOptions,
        *,
        start_attempt: Callable[[Claimed], bool],
        store: Callable[..., None],
        record_sent: Callable[[Claimed, str, str, str], None],
        count: Callable[[str], None],
        wall_clock: Clock | None = None,
    ) -> None:
        self.deps = deps
        self.options = options
        self._start_attempt = start_attempt
        self._store = store
        self._record_sent = record_sent
        self._count = count
        # The receiver checks `webhook-timestamp` against its own clock: always real time.
        self._wall = wall_clock or SystemClock()
        self._down: dict[str, str] = {}

    def deliver(self, row: Claimed) -> None:
        """Attempt one row and record what came of it."""
        hook = self.deps.pipeline.webhook(row.recipient)
        if hook is None:
            log.warning("webhook event %s is dead: no endpoint named %s", row.id, row.recipient)
            self._store(
                outbox.mark_failed, row, "failed", error=f"no [[webhooks]] named {row.recipient}"
            )
            return
        if hook.name in self._down:
            self._failed(row, Answer(False, f"not tried: {self._down[hook.name]} just before"))
            return
        if not self._start_attempt(row):
            self._count("lost")
            return
        answer = post_event(
            hook, row.payload[WEBHOOK], at=self._wall.now(), timeout=self.options.timeout_seconds
        )
        if answer.delivered:
            self._record_sent(row, hook.name, answer.reason, "sent")
            return
        if answer.endpoint_down:
            self._down[hook.name] = answer.reason
        self._failed(row, answer)

    def _failed(self, row: Claimed, answer: Answer) -> None:
        if row.attempts + 1 >= self.options.max_attempts:
            log.warning(
                "webhook event %s to %s is dead after %d attempts: %s",
                row.id, row.recipient, row.attempts + 1, answer.reason,
            )  # fmt: skip
            self._store(outbox.mark_failed, row, "failed", error=answer.reason)
            return
        wait = self.options.backoff(row.attempts + 1, answer.retry_after)
        log.info("webhook event %s to %s will be retried: %s", row.id, row.recipient, answer.reason)
        self._store(
            outbox.mark_retry,
            row,
            "retried",
            not_before=self.deps.clock.now() + wait,
            error=answer.reason,
        )
