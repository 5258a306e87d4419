"""What `/livez` and `/readyz` report: the process's own parts, each able to say it is alive.

- The sender thread beats a heartbeat on every pass, row and nap; a stale one means it is stuck.
- The scheduler records each tick (a job submitted, or skipped because its last run is still
  going); the rep-local jobs tick every minute, so minutes without one mean it has stopped.
- Slack access closes when the app is uninstalled or its bot token revoked (the event, or the
  sender finding the token refused): sending pauses, rows stay pending, and readiness says why.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

SENDER_STALE_SECONDS = 60.0
SCHEDULER_STALE_SECONDS = 300.0

OK = "ok"


class Heartbeat:
    """The last moment a thread showed it was alive, on the monotonic clock."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._last = clock()
        self._wall = time.time()

    def beat(self) -> None:
        self._last = self._clock()
        self._wall = time.time()

    def age(self) -> float:
        """Seconds since the last beat."""
        return max(0.0, self._clock() - self._last)

    @property
    def last_wall_time(self) -> float:
        """The last beat as a Unix time, for metrics."""
        return self._wall


class SlackAccess:
    """Whether pipebot may still call Slack: closed for good once the app is uninstalled or its token revoked."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reason: str | None = None

    def close(self, reason: str) -> bool:
        """Stop sending, saying why; False when it was closed already (the first reason stays)."""
        with self._lock:
            if self._reason is not None:
                return False
            self._reason = reason
            return True

    @property
    def closed_because(self) -> str | None:
        """Why sending stopped, or None while it may go on."""
        return self._reason

    @property
    def is_closed(self) -> bool:
        return self._reason is not None


@dataclass
class Watch:
    """The parts of one running process that readiness looks at; absent parts are not checked."""

    slack: SlackAccess = field(default_factory=SlackAccess)
    sender: Heartbeat | None = None
    scheduler: Heartbeat | None = None


@dataclass(frozen=True)
class Readiness:
    """Whether to send this process work, the first reason not to, and every check by name."""

    ready: bool
    status: str
    checks: dict[str, str]


def readiness(watch: Watch, *, database_answers: bool) -> Readiness:
    """Judge readiness from the database ping and the watched parts, in a fixed order of blame."""
    checks: dict[str, str] = {
        "database": OK if database_answers else "database unavailable",
        "slack": OK if watch.slack.closed_because is None else watch.slack.closed_because,
    }
    if watch.sender is not None:
        age = watch.sender.age()
        checks["sender"] = (
            OK if age <= SENDER_STALE_SECONDS else f"sender thread silent for {age:.0f}s"
        )
    if watch.scheduler is not None:
        age = watch.scheduler.age()
        checks["scheduler"] = (
            OK if age <= SCHEDULER_STALE_SECONDS else f"scheduler has not ticked for {age:.0f}s"
        )
    problems = [value for value in checks.values() if value != OK]
    return Readiness(ready=not problems, status=problems[0] if problems else OK, checks=checks)
