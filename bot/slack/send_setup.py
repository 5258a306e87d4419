"""What a send loop is made of and reports: its options, its Slack client, its pacer, its counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from slack_sdk import WebClient

from bot.deps import Deps
from bot.metrics import Metrics, SlackErrorCounter
from bot.services.outbox import FailedNotification
from bot.slack.ratelimit import Pacer
from bot.webhooks_sender import WebhookOptions


class FrozenClockError(RuntimeError):
    """The sender was given a clock that does not advance while it sleeps (a fixed clock)."""


@dataclass(frozen=True)
class SenderOptions:
    """Tuning for one sender; the defaults suit Slack's published limits."""

    lease_seconds: float = 60.0
    http_timeout: int = 10
    batch_size: int = 50
    max_attempts: int = 8
    backoff_cap_seconds: float = 900.0
    poll_seconds: float = 2.0
    webhooks: WebhookOptions = field(default_factory=WebhookOptions)
    # Posts in flight at once, each on its own row and channel, all within the same pacing. One
    # keeps every step in order; the service runs more, so that Slack's round trip (and the
    # database's) does not hold the rate below the budget.
    concurrency: int = 1

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        # A post must finish (or be abandoned by the client) well before its lease can pass on.
        if self.http_timeout >= self.lease_seconds:
            raise ValueError("http_timeout must be shorter than lease_seconds")

    def backoff(self, failures: int) -> timedelta:
        """The wait after the `failures`-th failed attempt: 2, 4, 8 … seconds, capped."""
        return timedelta(seconds=min(self.backoff_cap_seconds, 2.0**failures))


@dataclass(frozen=True)
class DeliveryReport:
    """What one run did: rows sent, given up, retried later, deferred by a 429, found already in Slack, lost to another sender."""

    sent: int = 0
    failed: int = 0
    retried: int = 0
    deferred: int = 0
    reconciled: int = 0
    lost: int = 0
    halted: str | None = None

    @property
    def handled(self) -> int:
        """Rows this run settled or put back."""
        return self.sent + self.failed + self.retried + self.deferred + self.reconciled + self.lost


@dataclass(frozen=True)
class SettleReport:
    """The end of `deliver_until_settled`: what was done, what is still open, what failed."""

    delivery: DeliveryReport
    pending: int
    failed: tuple[FailedNotification, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        """Everything settled as sent: nothing pending, nothing failed, the sender not halted."""
        return (
            self.pending == 0
            and not self.failed
            and not self.delivery.failed
            and not self.delivery.halted
        )


def require_slack(deps: Deps) -> WebClient:
    """The app's Slack client; a sender cannot start without one."""
    if deps.slack is None:
        raise RuntimeError("cannot deliver notifications without a Slack client (SLACK_BOT_TOKEN)")
    return deps.slack


def sending_client(
    slack: WebClient, options: SenderOptions, metrics: Metrics | None = None
) -> WebClient:
    """A copy of the app's client that never retries by itself: a blind retry of a post Slack may have accepted is a duplicate.

    Its only retry handler, with `metrics`, is the one that counts Slack's errors and never retries.
    """
    return WebClient(
        token=slack.token,
        base_url=slack.base_url,
        timeout=options.http_timeout,
        ssl=slack.ssl,
        proxy=slack.proxy,
        headers={k: v for k, v in slack.headers.items() if k != "User-Agent"},
        team_id=slack.default_params.get("team_id"),
        retry_handlers=[SlackErrorCounter(metrics)] if metrics is not None else [],
    )


def make_pacer(deps: Deps) -> Pacer:
    """A pacer on the configured workspace budget and the deps clock."""
    return Pacer(per_minute=deps.config.settings.pipebot_send_budget_per_minute, clock=deps.clock)
