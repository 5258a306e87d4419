"""Prometheus metrics, on a registry of their own so each app (and test) counts alone."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram


class Metrics:
    """The counters pipebot exposes on `GET /metrics`."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
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
