"""The delivery loop behind `bot.slack.sender`: claim, reconcile, post and record, one short transaction at a time."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from bot.deps import Deps
from bot.logs import log_context
from bot.metrics import Metrics
from bot.services import outbox
from bot.services.outbox import Claimed
from bot.services.webhooks import is_webhook
from bot.slack.failures import Action, Failure, classify, lookup_failure
from bot.slack.ratelimit import Pacer
from bot.slack.reconcile import conversation_for, find_delivered, message_metadata
from bot.slack.send_setup import (
    DeliveryReport,
    FrozenClockError,
    SenderOptions,
    SettleReport,
    make_pacer,
    require_slack,
    sending_client,
)
from bot.slack.uploads import is_file, upload_file
from bot.webhooks_sender import WebhookDelivery

log = logging.getLogger(__name__)

Sleep = Callable[[float], object]
_MESSAGE_FIELDS = ("text", "blocks", "attachments", "unfurl_links", "unfurl_media")
_IDLE_SLEEP_SECONDS = 0.05


class SendLoop:
    """One run of the delivery loop; holds the counts and the state shared by its steps."""

    def __init__(
        self,
        deps: Deps,
        *,
        owner: str,
        sleep: Sleep,
        metrics: Metrics | None,
        options: SenderOptions,
        pacer: Pacer | None,
        should_stop: Callable[[], bool],
    ) -> None:
        slack = require_slack(deps)
        if not owner or len(owner) > 64:
            raise ValueError("owner must be 1 to 64 characters and unique per running sender")
        self.deps = deps
        self.owner = owner
        self.sleep = sleep
        self.metrics = metrics
        self.options = options
        self.pacer = pacer or make_pacer(deps)
        self.should_stop = should_stop
        self.client = sending_client(slack, options, metrics)
        self.counts: dict[str, int] = {}
        self._counting = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        # Posts overlap only once one went through, and go back to one at a time after any
        # failure: a revoked token or a spent budget is met by one post, not by a volley.
        self._flowing = False
        self.halted: str | None = None
        self.webhooks = WebhookDelivery(
            deps,
            # A webhook's request must end well within its lease, as a post's does.
            replace(
                options.webhooks,
                timeout_seconds=min(options.webhooks.timeout_seconds, options.http_timeout),
            ),
            start_attempt=self._start_attempt,
            store=self._store,
            record_sent=self._record_sent,
            count=self._count,
        )

    # -- the loop ---------------------------------------------------------------------------

    def run(
        self, *, until: datetime | None, max_messages: int | None, wait_when_idle: bool
    ) -> DeliveryReport:
        """Claim and send batches until nothing is due (or `until`, `max_messages`, a halt or a stop)."""
        try:
            while not self._finished(until, max_messages):
                if self.pacer.paused_for() > 0:
                    if not self._wait(self.pacer.paused_for(), until):
                        break
                    continue
                batch = self._claim(self._batch_limit(max_messages))
                if batch:
                    self._send_batch(batch, until)
                elif not (wait_when_idle and self._wait(self._idle_delay(), until)):
                    break
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None
        return self.report()

    def report(self) -> DeliveryReport:
        """The counts so far."""
        with self._counting:
            return DeliveryReport(**self.counts, halted=self.halted)

    def _finished(self, until: datetime | None, max_messages: int | None) -> bool:
        if self.halted or self.should_stop():
            return True
        if until is not None and self.deps.clock.now() >= until:
            return True
        return max_messages is not None and self.report().handled >= max_messages

    def _batch_limit(self, max_messages: int | None) -> int:
        # Claim no more than can be paced out within half a lease, so leases rarely lapse in the queue.
        paceable = int(self.pacer.rate * self.options.lease_seconds / 2)
        limit = max(1, min(self.options.batch_size, paceable))
        if max_messages is not None:
            limit = min(limit, max(1, max_messages - self.report().handled))
        return limit

    def _idle_delay(self) -> float:
        with self.deps.session_factory() as session:
            due = outbox.next_due(session)
        return self._delay_until(due)

    def _delay_until(self, due: datetime | None) -> float:
        """How long to wait for a row due at `due`: at most one poll interval, at least a short nap."""
        wait = self.options.poll_seconds
        if due is not None:
            wait = min(wait, (due - self.deps.clock.now()).total_seconds())
        return max(wait, _IDLE_SLEEP_SECONDS)

    def _wait(self, seconds: float, until: datetime | None) -> bool:
        """Sleep `seconds`, but not past `until`; False when `until` or a stop cuts the wait short."""
        if until is not None:
            left = (until - self.deps.clock.now()).total_seconds()
            if left <= seconds:
                if left > 0:
                    self._sleep(left)
                return False
        self._sleep(seconds)
        return not self.should_stop()

    def _sleep(self, seconds: float) -> None:
        before = self.deps.clock.now()
        self.sleep(seconds)
        # Leases, backoffs and pacing are all measured on this clock: a stopped one would spin forever.
        if self.deps.clock.now() == before and not self.should_stop():
            raise FrozenClockError("the sender needs a clock that moves; give it the system clock")

    # -- one batch --------------------------------------------------------------------------

    def _claim(self, limit: int) -> list[Claimed]:
        now = self.deps.clock.now()
        with self.deps.session_factory.begin() as session:
            return outbox.claim_due(
                session, owner=self.owner, now=now, lease_until=self._lease_end(now), limit=limit
            )

    def _lease_end(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self.options.lease_seconds)

    def _send_batch(self, batch: list[Claimed], until: datetime | None) -> None:
        """Send the batch in priority order, letting a later row go first while an earlier one's channel is busy.

        Each row is paced here, in order; with `concurrency` above one, and once a post went
        through, its post then runs on a worker while the next row is paced, never more than
        `concurrency` at once.
        """
        waiting = list(batch)
        started: list[Future[None]] = []
        busy: dict[str, Future[None]] = {}  # a channel with a post in flight takes no other
        try:
            while waiting and not self.halted and not self.should_stop():
                running = [future for future in started if not future.done()]
                if any(future.exception() for future in started if future.done()):
                    break
                free = [
                    row
                    for row in waiting
                    if row.recipient not in busy or busy[row.recipient].done()
                ]
                if len(running) >= self.options.concurrency or not free:
                    wait(running, return_when=FIRST_COMPLETED)
                    continue
                row = self._next_ready(free, until)
                if row is None:
                    break
                waiting.remove(row)
                if not is_webhook(row.payload):  # a webhook spends none of Slack's budget
                    self.pacer.take(row.recipient)
                if self.options.concurrency == 1 or not self._flowing:
                    wait(started)
                    self._deliver_logged(row)
                else:
                    future = self._workers().submit(self._deliver_logged, row)
                    started.append(future)
                    busy[row.recipient] = future
                if self.pacer.paused_for() > 0:
                    break
        finally:
            wait(started)
            if waiting:
                self._release([row.id for row in waiting])
        for future in started:
            future.result()  # a worker's error (the database's, say) ends the pass as it would in line

    def _workers(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(
                max_workers=self.options.concurrency, thread_name_prefix="pipebot-post"
            )
        return self._pool

    def _deliver_logged(self, row: Claimed) -> None:
        with log_context(notification_id=row.id):
            self._deliver_row(row)

    def _next_ready(self, waiting: list[Claimed], until: datetime | None) -> Claimed | None:
        """The first row whose channel may be posted to now, after waiting as needed; None when time is up."""
        while True:
            shared = self.pacer.shared_delay()
            for row in waiting:
                # A webhook spends none of Slack's budget, so it never waits for it.
                if is_webhook(row.payload) or (
                    shared <= 0 and self.pacer.channel_delay(row.recipient) <= 0
                ):
                    return row
            delay = (
                shared
                if shared > 0
                else min(self.pacer.channel_delay(r.recipient) for r in waiting)
            )
            if not self._wait(delay, until):
                return None

    # -- one row ----------------------------------------------------------------------------

    def _deliver_row(self, row: Claimed) -> None:
        """Reconcile if needed, post or upload, and record the outcome; a Slack failure affects only this row."""
        if is_webhook(row.payload):
            self.webhooks.deliver(row)
            return
        upload = is_file(row.payload)
        channel = row.slack_channel
        if upload and row.attempted_at is None and channel is None:
            # A file is shared into a conversation, so a DM's id is needed before the first upload.
            try:
                channel = conversation_for(self.client, row.recipient, None)
            except Exception as error:
                self._record_failure(row, classify(error), posting=False, channel=None)
                return
        if row.attempted_at is not None:
            try:
                channel = conversation_for(self.client, row.recipient, row.slack_channel)
                found = find_delivered(
                    self.client,
                    channel=channel,
                    notification_id=row.id,
                    key=row.key,
                    payload=row.payload,
                    since=row.attempted_at,
                )
            except Exception as error:
                self._record_failure(row, lookup_failure(error), posting=False, channel=channel)
                return
            if found is not None:
                self._record_sent(row, channel, found, "reconciled")
                return
        if not self._start_attempt(row):
            self._count("lost")
            return
        self.pacer.stamp(row.recipient)  # the channel's second counts from the post itself
        try:
            where, ts = self._send(row, channel if upload else None)
        except Exception as error:  # one row's failure never stops the batch
            self._record_failure(row, classify(error), posting=True, channel=channel)
            return
        if not upload:
            self.pacer.accepted()
        self._flowing = True
        self._record_sent(row, where, ts, "sent")

    def _send(self, row: Claimed, conversation: str | None) -> tuple[str, str]:
        """Upload the file into `conversation`, or post the message; where it went and its ts (a file's id)."""
        if conversation is not None:
            file_id = upload_file(
                self.client, channel=conversation, key=row.key, payload=row.payload
            )
            return conversation, file_id
        response = self.client.chat_postMessage(**self._post_arguments(row))
        return str(response["channel"]), str(response["ts"])

    def _post_arguments(self, row: Claimed) -> dict[str, Any]:
        arguments = {name: row.payload[name] for name in _MESSAGE_FIELDS if name in row.payload}
        arguments["channel"] = row.recipient
        arguments["metadata"] = message_metadata(row.id, row.key)
        return arguments

    def _start_attempt(self, row: Claimed) -> bool:
        now = self.deps.clock.now()
        with self.deps.session_factory.begin() as session:
            return outbox.start_attempt(
                session,
                notification_id=row.id,
                owner=self.owner,
                # Slack's clock, not a simulated one: the history lookup compares it with `ts`.
                attempted_at=self.deps.slack_clock.now(),
                lease_until=self._lease_end(now),
            )

    def _record_sent(self, row: Claimed, channel: str, ts: str, outcome: str) -> None:
        with self.deps.session_factory.begin() as session:
            changed = outbox.mark_sent(
                session, notification_id=row.id, channel=channel, ts=ts, now=self.deps.clock.now()
            )
        if not changed:
            log.warning("notification %s was already recorded as sent by another sender", row.id)
        self._count(outcome)

    def _record_failure(
        self, row: Claimed, failure: Failure, posting: bool, channel: str | None
    ) -> None:
        """Store what a failure means for the row and count it; a lost lease leaves the row to its new owner."""
        self._flowing = False
        now = self.deps.clock.now()
        if failure.action is Action.WAIT:
            held = "every post"
            if posting and not is_file(row.payload):
                # chat.postMessage is limited per channel as well as per workspace: hold the one
                # channel, unless a run of refusals shows the workspace budget is what ran out.
                if not self.pacer.refused(row.recipient, failure.retry_after):
                    held = "this channel"
            else:
                self.pacer.pause(failure.retry_after)
            log.info(
                "notification %s deferred: Slack asked to wait %ss (%s waits)",
                row.id,
                failure.retry_after,
                held,
            )
            self._store(
                outbox.mark_deferred,
                row,
                "deferred",
                not_before=now + timedelta(seconds=failure.retry_after),
                posted=posting,
            )
        elif failure.action is Action.HALT:
            self.halted = failure.reason
            log.error("sending stopped: Slack refused the token (%s)", failure.reason)
            self._store(outbox.mark_deferred, row, "deferred", not_before=now, posted=posting)
        elif failure.action is Action.GIVE_UP or row.attempts + 1 >= self.options.max_attempts:
            log.warning("notification %s failed: %s", row.id, failure.reason)
            owned = self._store(
                outbox.mark_failed, row, "failed", error=failure.reason, channel=channel
            )
            if owned and self.metrics is not None:
                self.metrics.notifications_failed.labels(kind=row.kind, reason=failure.reason).inc()
        else:
            log.info("notification %s will be retried: %s", row.id, failure.reason)
            not_before = now + self.options.backoff(row.attempts + 1)
            self._store(
                outbox.mark_retry,
                row,
                "retried",
                not_before=not_before,
                error=failure.reason,
                channel=channel,
            )

    def _store(
        self, change: Callable[..., bool], row: Claimed, outcome: str, **values: Any
    ) -> bool:
        with self.deps.session_factory.begin() as session:
            owned = change(session, notification_id=row.id, owner=self.owner, **values)
        self._count(outcome if owned else "lost")
        return owned

    def _release(self, notification_ids: list[int]) -> None:
        with self.deps.session_factory.begin() as session:
            outbox.release(session, notification_ids=notification_ids, owner=self.owner)

    def _count(self, outcome: str) -> None:
        with self._counting:
            self.counts[outcome] = self.counts.get(outcome, 0) + 1
        if self.metrics is not None:
            self.metrics.notifications.labels(outcome=outcome).inc()

    # -- settling ----------------------------------------------------------------------------

    def settle(self, *, deadline: datetime, since: datetime | None) -> SettleReport:
        """Run until every row created at or after `since` is sent or failed, or `deadline` passes."""
        while True:
            self.run(until=deadline, max_messages=None, wait_when_idle=False)
            with self.deps.session_factory() as session:
                pending = outbox.pending_count(session, since=since)
                due = outbox.next_due(session, since=since) if pending else None
            if not pending or self.halted:
                break
            if not self._wait(self._delay_until(due), deadline):
                break
        with self.deps.session_factory() as session:
            pending = outbox.pending_count(session, since=since)
            failed = tuple(outbox.failed_since(session, since)) if since is not None else ()
        return SettleReport(delivery=self.report(), pending=pending, failed=failed)
