"""Prometheus metrics, on a registry of their own so each app (and test) counts alone.

What pages someone: the outbox backlog and the age of its oldest row (read at each scrape with
one query), notifications given up by kind and reason, Slack API errors by method and error,
each job's last success and duration, sending paused by an uninstall, and the process itself.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

if TYPE_CHECKING:
    from slack_sdk import WebClient
    from sqlalchemy.orm import Session, sessionmaker

    from bot.watch import Watch

__all__ = ["Metrics", "SlackErrorCounter", "api_method", "slack_error"]

logger = logging.getLogger(__name__)


class Metrics:
    """Everything pipebot exposes on `GET /metrics`."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        # The standard process and Python collectors, on this registry rather than the global one.
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        Info("pipebot_build", "The running pipebot's version", registry=self.registry).info(
            {"version": _version()}
        )
        self.requests = Counter(
            "pipebot_slack_requests",
            "Slack requests answered, by HTTP status",
            ["status"],
            registry=self.registry,
        )
        self.request_seconds = Histogram(
            "pipebot_slack_request_seconds",
            "Time to answer a Slack request (the ack)",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5),
            registry=self.registry,
        )
        self.notifications = Counter(
            "pipebot_notifications",
            "Outbox deliveries, by outcome",
            ["outcome"],
            registry=self.registry,
        )
        self.notifications_failed = Counter(
            "pipebot_notifications_failed",
            "Notifications given up on, by kind and Slack's reason",
            ["kind", "reason"],
            registry=self.registry,
        )
        self.slack_api_errors = Counter(
            "pipebot_slack_api_errors",
            "Slack Web API calls that failed, retried ones included, by method and error",
            ["method", "error"],
            registry=self.registry,
        )
        self.job_runs = Counter(
            "pipebot_job_runs",
            "Scheduled job runs, by job and outcome (ok or failed)",
            ["job", "outcome"],
            registry=self.registry,
        )
        self.job_last_success = Gauge(
            "pipebot_job_last_success_timestamp_seconds",
            "When each job last finished without an error (Unix time)",
            ["job"],
            registry=self.registry,
        )
        self.job_duration = Gauge(
            "pipebot_job_last_duration_seconds",
            "How long each job's last run took, whatever its outcome",
            ["job"],
            registry=self.registry,
        )

    def job_finished(self, job: str, *, ok: bool, seconds: float) -> None:
        """Record one run of a scheduled job."""
        self.job_runs.labels(job=job, outcome="ok" if ok else "failed").inc()
        self.job_duration.labels(job=job).set(seconds)
        if ok:
            self.job_last_success.labels(job=job).set(time.time())

    def watch_outbox(
        self, session_factory: sessionmaker[Session], now: Callable[[], datetime]
    ) -> None:
        """Report the outbox backlog, read from the database at each scrape."""
        self.registry.register(_OutboxCollector(session_factory, now))

    def watch_process(self, watch: Watch) -> None:
        """Report what readiness looks at: sending paused, and the sender's and scheduler's last signs of life."""
        Gauge(
            "pipebot_sending_paused",
            "1 while sending is paused because the app was uninstalled or its token revoked",
            registry=self.registry,
        ).set_function(lambda: 1.0 if watch.slack.is_closed else 0.0)
        for part, heartbeat in (("sender", watch.sender), ("scheduler", watch.scheduler)):
            if heartbeat is not None:
                Gauge(
                    f"pipebot_{part}_heartbeat_timestamp_seconds",
                    f"The {part}'s last sign of life (Unix time)",
                    registry=self.registry,
                ).set_function(lambda beat=heartbeat: beat.last_wall_time)

    def count_slack_errors(self, client: WebClient) -> None:
        """Count the Slack API errors `client` (and the clients copied from it) meets."""
        if not any(isinstance(handler, SlackErrorCounter) for handler in client.retry_handlers):
            client.retry_handlers.insert(0, SlackErrorCounter(self))


class SlackErrorCounter(RetryHandler):
    """A retry handler that never retries: slack_sdk shows it every answer, so it counts the errors.

    It goes first in a client's handlers and always declines, so the real retry handlers after
    it decide as before.
    """

    def __init__(self, metrics: Metrics) -> None:
        super().__init__(max_retry_count=0)
        self.metrics = metrics

    def can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        failure = slack_error(response, error)
        if failure is not None:
            self.metrics.slack_api_errors.labels(
                method=api_method(request.url), error=failure
            ).inc()
        return False

    def _can_retry(self, **_kwargs: Any) -> bool:
        return False


def api_method(url: str) -> str:
    """The Web API method a request URL names (`chat.postMessage`)."""
    return urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1][:64] or "unknown"


def slack_error(response: HttpResponse | None, error: Exception | None) -> str | None:
    """Slack's error code for an answer (or the failure to get one); None for a success."""
    if response is None:
        return f"connection_error:{type(error).__name__}" if error is not None else None
    status = response.status_code
    if status == 429:
        return "ratelimited"
    if status >= 400:
        return f"http_{status}"
    body = response.body if isinstance(response.body, dict) else {}
    if body.get("ok") is False:
        return str(body.get("error") or "unknown")[:100]
    return None


class _OutboxCollector:
    """The backlog gauges, computed from one query when Prometheus scrapes."""

    def __init__(self, session_factory: sessionmaker[Session], now: Callable[[], datetime]) -> None:
        self.session_factory = session_factory
        self.now = now

    def describe(self) -> Iterable[Metric]:
        return list(self._families())

    def collect(self) -> Iterator[Metric]:
        from bot.services.backlog import outbox_backlog

        try:
            with self.session_factory() as session:
                backlog = outbox_backlog(session, now=self.now())
        except Exception as exc:  # a scrape must answer even when the database does not
            logger.warning("cannot read the outbox backlog: %s", type(exc).__name__)
            up, waiting, age = self._families()
            up.add_metric([], 0.0)
            yield up
            return
        up, waiting, age = self._families()
        up.add_metric([], 1.0)
        waiting.add_metric([], backlog.waiting)
        age.add_metric([], backlog.oldest_age_seconds)
        yield from (up, waiting, age)

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, GaugeMetricFamily, GaugeMetricFamily]:
        return (
            GaugeMetricFamily(
                "pipebot_database_up", "1 when the last scrape could read the database"
            ),
            GaugeMetricFamily(
                "pipebot_outbox_backlog",
                "Notifications waiting to be sent (pending, or being sent right now)",
            ),
            GaugeMetricFamily(
                "pipebot_outbox_oldest_pending_age_seconds",
                "How long the oldest waiting notification has waited since it was queued (0 when none)",
            ),
        )


def _version() -> str:
    from bot.cli import version

    return version()
