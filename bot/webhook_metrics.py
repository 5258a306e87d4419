"""Webhook deliveries on `GET /metrics`: events waiting and dead letters per endpoint, read at each scrape."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector, CollectorRegistry

from bot.deps import Deps
from bot.services.webhooks import open_counts

log = logging.getLogger(__name__)


class WebhookCollector(Collector):
    """`pipebot_webhook_events{endpoint,state="pending"|"dead"}`: alert on any dead, or pending that grows."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def describe(self) -> Iterator[GaugeMetricFamily]:
        """The family without values, so registering reads nothing from the database."""
        yield self._family()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = self._family()
        try:
            with self.deps.session_factory() as session:
                counts = open_counts(session)
        except Exception as exc:  # a scrape must not fail because the database did
            log.debug("webhook counts unavailable: %s", type(exc).__name__)
            return
        names = {hook.name for hook in self.deps.pipeline.webhooks}
        found = {name: (pending, dead) for name, pending, dead in counts}
        for name in sorted(names | set(found)):
            pending, dead = found.get(name, (0, 0))
            family.add_metric([name, "pending"], pending)
            family.add_metric([name, "dead"], dead)
        yield family

    @staticmethod
    def _family() -> GaugeMetricFamily:
        return GaugeMetricFamily(
            "pipebot_webhook_events",
            "Webhook events not delivered, by endpoint and state (pending or dead)",
            labels=["endpoint", "state"],
        )


def register_webhook_metrics(registry: CollectorRegistry, deps: Deps) -> None:
    """Add the webhook gauges to a metrics registry (an empty family while there are none)."""
    registry.register(WebhookCollector(deps))
