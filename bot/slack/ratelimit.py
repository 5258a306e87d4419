"""Pacing for outbound posts: a workspace token bucket, one post per channel per second, and pauses.

Slack's Retry-After is honoured where it was given: a 429 on a post holds that channel, so the
other conversations keep the budget busy; a run of 429s across channels means the workspace budget
itself is spent, and then every post waits (`pause`).
"""

from __future__ import annotations

import threading

from bot.clock import Clock

CHANNEL_INTERVAL_SECONDS = 1.0
# Waits shorter than this are float noise from timestamp arithmetic; treating them as zero keeps
# a clock with microsecond steps from spinning on a sub-microsecond wait.
_NEGLIGIBLE_SECONDS = 1e-3
_PRUNE_AT = 10_000
# This many posts refused in a row, none accepted between them, and it is the workspace budget
# that is spent, not one channel's: every post then waits.
REFUSALS_BEFORE_PAUSE = 3


class Pacer:
    """Decides when the next post may go; it never sleeps itself, callers wait the delay it returns.

    One Pacer serves one sender process. With several replicas each paces alone, so the workspace
    budget is per process: set it to the workspace budget divided by the number of replicas.
    """

    def __init__(
        self,
        *,
        per_minute: int,
        clock: Clock,
        burst: int | None = None,
        channel_interval: float = CHANNEL_INTERVAL_SECONDS,
        refusals_before_pause: int = REFUSALS_BEFORE_PAUSE,
    ) -> None:
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self.rate = per_minute / 60.0
        self.capacity = float(burst if burst is not None else max(1, min(20, per_minute // 30)))
        self.channel_interval = channel_interval
        self._clock = clock
        self._tokens = self.capacity
        self._refilled = self._now()
        self._paused_until = 0.0
        self._channel_free: dict[str, float] = {}
        # Posts in flight on several threads report back here at once.
        self._lock = threading.RLock()
        self.refusals_before_pause = refusals_before_pause
        self._refusals = 0

    def _now(self) -> float:
        return self._clock.now().timestamp()

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self._refilled)
        self._tokens = min(self.capacity, self._tokens + elapsed * self.rate)
        self._refilled = max(self._refilled, now)

    def shared_delay(self) -> float:
        """Seconds until any post may go: the global pause and the workspace budget."""
        with self._lock:
            now = self._now()
            self._refill(now)
            budget_wait = 0.0 if self._tokens >= 1 else (1 - self._tokens) / self.rate
            return _significant(max(self._paused_until - now, budget_wait))

    def channel_delay(self, channel: str) -> float:
        """Seconds until a post to this channel respects the per-channel limit."""
        with self._lock:
            return _significant(self._channel_free.get(channel, 0.0) - self._now())

    def delay(self, channel: str) -> float:
        """Seconds until a post to this channel may go (0 means now)."""
        with self._lock:
            return max(self.shared_delay(), self.channel_delay(channel))

    def take(self, channel: str) -> None:
        """Spend one post on the workspace budget and on this channel."""
        with self._lock:
            now = self._now()
            self._refill(now)
            self._tokens -= 1
            held = self._channel_free.get(channel, 0.0)
            self._channel_free[channel] = max(held, now + self.channel_interval)
            if len(self._channel_free) > _PRUNE_AT:
                self._channel_free = {c: t for c, t in self._channel_free.items() if t > now}

    def stamp(self, channel: str) -> None:
        """A post to this channel leaves now: the next one waits a full interval from here."""
        with self._lock:
            held = self._channel_free.get(channel, 0.0)
            self._channel_free[channel] = max(held, self._now() + self.channel_interval)

    def pause(self, seconds: float) -> None:
        """Stop every post for `seconds` (Slack's Retry-After for the whole app)."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._now() + seconds)

    def pause_channel(self, channel: str, seconds: float) -> None:
        """Hold posts to one channel for `seconds` (Slack's Retry-After for a post to it)."""
        with self._lock:
            free = self._now() + seconds
            self._channel_free[channel] = max(self._channel_free.get(channel, 0.0), free)

    def refused(self, channel: str, seconds: float) -> bool:
        """A post to `channel` got a 429 asking to wait `seconds`; True when every post now waits.

        One refusal holds its channel only. A run of them with no post accepted in between says
        the workspace budget is spent, so the whole sender pauses.
        """
        with self._lock:
            self.pause_channel(channel, seconds)
            self._refusals += 1
            if self._refusals < self.refusals_before_pause:
                return False
            self._refusals = 0
            self.pause(seconds)
            return True

    def accepted(self) -> None:
        """A post went through: the run of refusals is over."""
        with self._lock:
            self._refusals = 0

    def paused_for(self) -> float:
        """Seconds left in the global pause."""
        with self._lock:
            return _significant(self._paused_until - self._now())


def _significant(seconds: float) -> float:
    return seconds if seconds >= _NEGLIGIBLE_SECONDS else 0.0
