"""The one sender: delivers the notification outbox to Slack once, from any number of processes.

How a row travels:

1. Claim. One short transaction leases a batch of due rows (`pending` whose `not_before` has
   come, or `sending` whose lease ran out) to this sender: `status='sending'`, `lease_owner`,
   `lease_until`. PostgreSQL takes them with `FOR UPDATE SKIP LOCKED`; SQLite serialises the
   claim in its `BEGIN IMMEDIATE` transaction. Lower `priority` goes first, then `id`.
2. Reconcile. A row with `attempted_at` set had a post that may have reached Slack (the sender
   died, or the call timed out or lost its connection). Its conversation's history since that
   attempt is searched for the notification's metadata; if the message is there the row becomes
   `sent` with that `ts` and nothing is posted.
3. Post. A second short transaction renews the lease and sets `attempted_at` only if this sender
   still holds the lease (a sender that lost it to another skips the row). Then, with no
   transaction open, `chat.postMessage(channel=<user or channel id>, metadata=…)` is called by a
   client that never retries on its own.
4. Record. A third transaction stores the result: `sent` with channel and `ts`; back to
   `pending` with `not_before` for a 429 (not counted as an attempt) or for a transient error
   (exponential backoff, then `failed`); `failed` at once for a permanent Slack error. One row's
   failure never stops the batch. A 429 on a post holds only that channel for Retry-After, so
   the rest of a fan-out keeps the budget busy; three in a row with no post accepted between them
   mean the workspace budget is spent, and the whole sender pauses. A 429 on any other call (a
   lookup, an upload) pauses the whole sender.

Files. A row whose payload holds a file (`bot.slack.uploads`) goes the same way, with
`files_upload_v2` in place of the post: a DM's conversation is opened first (a file is shared into
a conversation, never to a user id), the file is named after the row's idempotency key, and the
lookup before a repeat is `files.list` in that conversation since the attempt, by that name (the
`files:read` scope). The file's id is recorded where a message's `ts` would be.

Webhooks. A row of kind `webhook` (`bot.services.webhooks`) is an event for an endpoint outside
Slack: `bot.webhooks_sender` POSTs it signed, the Standard Webhooks way, and records a 2xx as
`sent`; it spends none of Slack's budget below, needs no lookup (the receiver dedupes by
`webhook-id`), and has its own, longer, retry schedule before it is `failed` (dead).

Pacing. Each sender process keeps a token bucket on `PIPEBOT_SEND_BUDGET_PER_MINUTE` and at most
one post per channel per second; with several replicas the budget is per process, so divide it.
Rows are paced one after another, and the service then posts up to `SERVICE_CONCURRENCY` of them
at once (`SenderOptions.concurrency`), so Slack's round trip does not cap the rate below the
budget; each row still has its own lease, attempt and record, so nothing above changes.

Lookups need the `im:history`, `channels:history` and `groups:history` scopes (and `im:write`
for `conversations.open` on a DM whose id was never learnt). Without them a row that needs a
lookup fails with `reconcile:missing_scope` instead of being posted blind.

Remaining duplicate window. A message is posted twice only if one post reaches Slack *late*:
after its sender's lease has run out, or after the client gave up waiting for it, and after the
next attempt's history lookup has already found nothing. For that, a sender must freeze for
longer than `lease_seconds - http_timeout` between renewing its lease and its request reaching
Slack (a stopped VM, a clock jump, replicas' clocks disagreeing by that much), or Slack must
apply a request more than `http_timeout` plus the backoff (2 s at least) after it was sent, or
`conversations.history` (or `files.list`) must not yet show a message (or file) Slack has stored. Crashes at any point,
timeouts, dropped connections, 5xx answers and lost leases are otherwise reconciled and do not
duplicate. A message a user deleted before the lookup is not found, and is posted again.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.deps import Deps
from bot.metrics import Metrics
from bot.services.outbox import FailedNotification, failed_since, pending_count
from bot.slack.ratelimit import Pacer
from bot.slack.send_loop import SendLoop, Sleep
from bot.slack.send_setup import (
    DeliveryReport,
    FrozenClockError,
    SenderOptions,
    SettleReport,
    make_pacer,
    require_slack,
)
from bot.watch import Heartbeat, SlackAccess

__all__ = [
    "DeliveryReport",
    "FailedNotification",
    "FrozenClockError",
    "SenderOptions",
    "SenderThread",
    "SettleReport",
    "deliver",
    "deliver_until_settled",
    "failed_since",
    "new_owner",
    "pending_count",
    "service_options",
    "start_sender",
]

log = logging.getLogger(__name__)

WAKE_SECONDS = 2.0
# Naps are cut into slices this long, each a heartbeat, so a long 429 pause still shows life.
NAP_SLICE_SECONDS = 1.0
# Slack refused the token itself: no later pass can succeed, so sending pauses for good.
TOKEN_GONE = frozenset({"invalid_auth", "not_authed", "token_revoked", "token_expired"})
# Posts in flight at once in `pipebot run` and `jobs run`: enough that a Slack round trip of a
# few hundred milliseconds still fills the budget, few enough to stay a small share of the pool.
SERVICE_CONCURRENCY = 4


def service_options() -> SenderOptions:
    """The options the running service sends with."""
    return SenderOptions(concurrency=SERVICE_CONCURRENCY)


def new_owner(prefix: str = "sender") -> str:
    """A lease owner unique to this process and call: host, pid and a random suffix."""
    host = socket.gethostname()[:24]
    return f"{prefix}:{host}:{os.getpid()}:{secrets.token_hex(4)}"[:64]


def _send_loop(
    deps: Deps,
    owner: str,
    sleep: Sleep,
    metrics: Metrics | None,
    options: SenderOptions | None,
    pacer: Pacer | None,
    should_stop: Callable[[], bool],
) -> SendLoop:
    """The loop behind both entry points, on the default options unless given others."""
    return SendLoop(
        deps,
        owner=owner,
        sleep=sleep,
        metrics=metrics,
        options=options or SenderOptions(),
        pacer=pacer,
        should_stop=should_stop,
    )


def deliver(
    deps: Deps,
    *,
    owner: str,
    until: datetime | None = None,
    max_messages: int | None = None,
    sleep: Sleep = time.sleep,
    metrics: Metrics | None = None,
    options: SenderOptions | None = None,
    pacer: Pacer | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> DeliveryReport:
    """Send due notifications as `owner` (unique per running sender).

    Without `until` it returns once nothing is due; with it, it keeps waiting for rows to come due
    (backoffs, other senders' leases) until that instant. Waits go through `sleep` and `deps.clock`.
    """
    loop = _send_loop(deps, owner, sleep, metrics, options, pacer, should_stop)
    return loop.run(until=until, max_messages=max_messages, wait_when_idle=until is not None)


def deliver_until_settled(
    deps: Deps,
    *,
    owner: str,
    deadline_seconds: float,
    since: datetime | None = None,
    sleep: Sleep = time.sleep,
    metrics: Metrics | None = None,
    options: SenderOptions | None = None,
    pacer: Pacer | None = None,
) -> SettleReport:
    """Deliver until every row created at or after `since` (every row, without it) is sent or failed, or the deadline passes."""
    loop = _send_loop(deps, owner, sleep, metrics, options, pacer, should_stop=lambda: False)
    return loop.settle(deadline=deps.clock.now() + timedelta(seconds=deadline_seconds), since=since)


class SenderThread(threading.Thread):
    """The background sender of `pipebot run`: wakes every few seconds, or at once after `notify()`.

    It beats `heartbeat` on every pass, row and nap, so readiness can tell it is alive; it pauses,
    leaving every row pending, once `access` closes (the app uninstalled, its token revoked).
    """

    def __init__(
        self,
        deps: Deps,
        stop_event: threading.Event,
        *,
        metrics: Metrics | None = None,
        options: SenderOptions | None = None,
        wake_seconds: float = WAKE_SECONDS,
        owner: str | None = None,
        heartbeat: Heartbeat | None = None,
        access: SlackAccess | None = None,
    ) -> None:
        require_slack(deps)
        super().__init__(name="pipebot-sender", daemon=True)
        self.deps = deps
        self.stop_event = stop_event
        self.metrics = metrics
        self.options = options or service_options()
        self.wake_seconds = wake_seconds
        self.owner = owner or new_owner()
        self.heartbeat = heartbeat or Heartbeat()
        self.access = access or SlackAccess()
        self._wake = threading.Event()
        self._told_paused = False
        # The pacer outlives each pass so the budget and a 429 pause carry over between wake-ups.
        self._pacer = make_pacer(deps)

    def notify(self) -> None:
        """Wake the sender now (call after enqueueing)."""
        self._wake.set()

    def run(self) -> None:
        """Deliver until the stop event is set; a failed pass is logged and retried on the next wake-up."""
        while not self.stop_event.is_set():
            self.heartbeat.beat()
            self._wake.clear()
            if self.access.is_closed:
                self._say_paused()
            else:
                self._pass()
            self._sleep_until_woken()

    def _pass(self) -> None:
        try:
            report = deliver(
                self.deps,
                owner=self.owner,
                sleep=self._nap,
                metrics=self.metrics,
                options=self.options,
                pacer=self._pacer,
                should_stop=self._should_stop,
            )
        except Exception:
            log.exception("notification delivery pass failed; retrying in %ss", self.wake_seconds)
            return
        if report.halted in TOKEN_GONE:
            self.access.close(f"Slack refused the bot token ({report.halted})")

    def _should_stop(self) -> bool:
        """Asked between rows and waits: a sign of life, and the moment to stop or pause."""
        self.heartbeat.beat()
        return self.stop_event.is_set() or self.access.is_closed

    def _nap(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stop_event.is_set():
            self.heartbeat.beat()
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self.stop_event.wait(min(left, NAP_SLICE_SECONDS))

    def _say_paused(self) -> None:
        if self._told_paused:
            return
        self._told_paused = True
        try:
            with self.deps.session_factory() as session:
                waiting = pending_count(session)
        except Exception:  # the count only adds to the message
            waiting = -1
        held = (
            f"{waiting} notifications stay pending"
            if waiting >= 0
            else "notifications stay pending"
        )
        log.error(
            "sending paused: %s; %s until pipebot is restarted with a working SLACK_BOT_TOKEN",
            self.access.closed_because,
            held,
        )

    def _sleep_until_woken(self) -> None:
        deadline = time.monotonic() + self.wake_seconds
        while not self.stop_event.is_set() and not self._wake.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            # Both events end the nap; waiting on the stop event in slices keeps shutdown prompt.
            self._wake.wait(min(left, 0.1))


def start_sender(
    deps: Deps,
    stop_event: threading.Event,
    *,
    metrics: Metrics | None = None,
    options: SenderOptions | None = None,
) -> SenderThread:
    """Start the background sender; set `stop_event` and join the thread to stop it."""
    thread = SenderThread(deps, stop_event, metrics=metrics, options=options)
    thread.start()
    return thread
