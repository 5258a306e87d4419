"""Slack-style Web API rate limits as token buckets driven by an injectable clock."""

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

Clock = Callable[[], float]

TIER_1, TIER_2, TIER_3, TIER_4 = 1, 20, 50, 100
POST_MESSAGE = "chat.postMessage"

_TIERS: dict[int, tuple[str, ...]] = {
    TIER_4: (
        "users.info",
        "users.profile.get",
        "views.open",
        "views.push",
        "views.update",
        "views.publish",
        "chat.postEphemeral",
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
        "files.info",
        "conversations.members",
    ),
    TIER_3: (
        "chat.update",
        "chat.delete",
        "chat.scheduleMessage",
        "chat.scheduledMessages.list",
        "chat.deleteScheduledMessage",
        "conversations.open",
        "conversations.info",
        "conversations.history",
        "conversations.replies",
        "conversations.join",
        "files.list",
        "users.lookupByEmail",
        "reactions.add",
    ),
    TIER_2: ("conversations.list", "users.list", "users.conversations", "files.upload"),
    TIER_1: ("apps.connections.open",),
}

DEFAULT_PER_MINUTE: Mapping[str, int] = MappingProxyType(
    {method: budget for budget, methods in _TIERS.items() for method in methods}
    | {"auth.test": 600, "chat.getPermalink": 600}
)


@dataclass(frozen=True)
class RateLimits:
    """Budgets per method per token; chat.postMessage is limited per channel and workspace-wide."""

    per_minute: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_PER_MINUTE))
    default_per_minute: int = TIER_3
    post_per_channel_per_second: float = 1.0
    post_channel_burst: int = 10
    post_workspace_per_minute: int = 600
    # Posts the workspace budget allows at once; None: a whole minute's worth.
    post_workspace_burst: int | None = None

    def budget(self, method: str) -> int:
        """Requests per minute allowed for a method other than chat.postMessage."""
        return self.per_minute.get(method, self.default_per_minute)


class _Bucket:
    """A token bucket: `capacity` requests at once, refilled at `rate` per second."""

    def __init__(self, capacity: float, rate: float, now: float) -> None:
        """Start full."""
        self.capacity = capacity
        self.rate = rate
        self.tokens = capacity
        self.updated = now

    def wait(self, now: float) -> float:
        """Refill up to `now` and return the seconds until one request fits (0 when it fits now)."""
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        self.updated = max(self.updated, now)
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self) -> None:
        """Spend one request; call only after wait() returned 0."""
        self.tokens -= 1


class RateLimiter:
    """Decides per (token, method[, channel]) whether Slack would answer 429 and for how long."""

    def __init__(self, limits: RateLimits | None = None, clock: Clock = time.monotonic) -> None:
        """Use Slack's default tiers unless limits are given; `clock` returns monotonic seconds."""
        self.limits = limits or RateLimits()
        self._clock = clock
        self._buckets: dict[tuple[str, ...], _Bucket] = {}
        self._lock = threading.Lock()

    def check(self, token: str, method: str, channel: str | None = None) -> int | None:
        """Spend one request; None when allowed, else the Retry-After seconds (nothing is spent)."""
        with self._lock:
            now = self._clock()
            buckets = self._buckets_for(token, method, channel, now)
            wait = max(bucket.wait(now) for bucket in buckets)
            if wait > 0:
                return max(1, math.ceil(wait))
            for bucket in buckets:
                bucket.take()
            return None

    def reset(self) -> None:
        """Refill every budget."""
        with self._lock:
            self._buckets.clear()

    def _buckets_for(
        self, token: str, method: str, channel: str | None, now: float
    ) -> list[_Bucket]:
        """The buckets a request draws from, created full on first use."""
        limits = self.limits
        if method == POST_MESSAGE:
            specs = [
                (
                    (token, method),
                    limits.post_workspace_burst or limits.post_workspace_per_minute,
                    limits.post_workspace_per_minute / 60,
                )
            ]
            if channel:
                specs.append(
                    (
                        (token, method, channel),
                        limits.post_channel_burst,
                        limits.post_per_channel_per_second,
                    )
                )
        else:
            budget = limits.budget(method)
            specs = [((token, method), budget, budget / 60)]
        buckets = []
        for key, capacity, rate in specs:
            if key not in self._buckets:
                self._buckets[key] = _Bucket(float(capacity), rate, now)
            buckets.append(self._buckets[key])
        return buckets
