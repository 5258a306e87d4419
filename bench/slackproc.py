"""A fake Slack in a process of its own that enforces Slack's posting limits and misbehaves on purpose.

`Faults` answers a seeded fraction of `chat.postMessage` calls with a 429 (and Retry-After), a
5xx, or by storing the message and dropping the connection, as Slack under strain does. The
benchmark asks it over a pipe what it stored: how many times each idempotency key was posted.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from bench.fakeproc import SpawnedSlack

POST_PATH = "/api/chat.postMessage"


@dataclass(frozen=True)
class Faults:
    """Fractions of chat.postMessage calls answered badly; the rest reach the fake's own rules."""

    rate_limited: float = 0.0  # 429 with Retry-After: retry_after seconds
    server_error: float = 0.0  # 500 or 503: not stored
    dropped: float = 0.0  # stored, then the connection is closed without an answer
    retry_after: int = 1
    seed: int = 1


@dataclass(frozen=True)
class Limits:
    """What the fake enforces: the workspace budget with its burst and one post a second per channel."""

    per_minute: int
    burst: int
    enforce: bool = True


def _serve(pipe: Connection, users: list[str], limits: Limits, faults: Faults) -> None:
    from tests.fakeslack import FakeSlack, RateLimits
    from tests.fakeslack.server import Reply

    rules: bool | RateLimits = False
    if limits.enforce:
        rules = RateLimits(
            post_workspace_per_minute=limits.per_minute,
            post_workspace_burst=limits.burst,
            post_per_channel_per_second=1.0,
            post_channel_burst=1,
        )
    with FakeSlack(rate_limits=rules, trigger_ttl=None) as fake:
        for user in users:
            fake.add_user(user, name=user.lower())
        handle = fake.handle
        rng = random.Random(faults.seed)
        injected: Counter[str] = Counter()
        guard = threading.Lock()

        def misbehaving(path: str, *args: Any, **kwargs: Any) -> Any:
            if path != POST_PATH:
                return handle(path, *args, **kwargs)
            with guard:
                roll = rng.random()
            if roll < faults.rate_limited:
                with guard:
                    injected["429"] += 1
                body = {"ok": False, "error": "ratelimited"}
                return Reply.json(body, 429, faults.retry_after)
            roll -= faults.rate_limited
            if roll < faults.server_error:
                with guard:
                    injected["5xx"] += 1
                status = 500 if rng.random() < 0.5 else 503
                return Reply.json({"ok": False, "error": "internal_error"}, status)
            roll -= faults.server_error
            reply = handle(path, *args, **kwargs)
            if reply is not None and reply.status == 429:
                with guard:
                    injected["429 by the limits"] += 1
            if roll < faults.dropped and reply is not None and reply.status == 200:
                with guard:
                    injected["dropped"] += 1
                return None  # stored, never answered
            return reply

        fake.handle = misbehaving  # type: ignore[method-assign]
        pipe.send(fake.base_url)
        while True:
            command, *args = pipe.recv()
            if command == "received":
                keys: Counter[str] = Counter()
                for user in args[0]:
                    for message in fake.dms_to(user):
                        payload = (message.get("metadata") or {}).get("event_payload") or {}
                        keys[str(payload.get("key", ""))] += 1
                pipe.send(keys)
            elif command == "faults":
                with guard:
                    pipe.send(dict(injected))
            elif command == "calls":
                pipe.send(len(fake.calls(args[0])))
            elif command == "stop":
                pipe.send(True)
                return


class FaultySlack(SpawnedSlack):
    """`with FaultySlack(users, limits, faults) as slack:`; `slack.base_url` is its Web API."""

    def __init__(self, users: list[str], limits: Limits, faults: Faults | None = None) -> None:
        super().__init__()
        self.users = users
        self.limits = limits
        self.faults = faults or Faults()

    def _target(self) -> tuple[Callable[..., None], tuple[Any, ...]]:
        return _serve, (self.users, self.limits, self.faults)

    def received(self, users: list[str] | None = None) -> Counter[str]:
        """How many messages the fake stored per idempotency key, in these users' DMs."""
        return self._call("received", users if users is not None else self.users)

    def injected(self) -> dict[str, int]:
        """The faults answered so far, by kind (and the 429s the limits gave on their own)."""
        return self._call("faults")

    def calls(self, method: str) -> int:
        """How many calls of a method the fake answered itself."""
        return self._call("calls", method)
