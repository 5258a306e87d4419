"""The fake Slack in a process of its own, so its threads share no GIL with the server or the client.

The benchmark talks to it over a pipe: it hands out response_urls, waits for replies on them and
reports what every response_url received, so a run can prove that every user was answered.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any, Self


@dataclass(frozen=True)
class Replies:
    """What the response_urls handed out received."""

    urls: int  # response_urls that got at least one reply
    posts: int  # replies in all
    failed: int  # replies the fake refused, or that told the user something went wrong
    connections: int  # distinct client connections the replies came over


def _serve(pipe: Connection, latency: float, users: list[str]) -> None:
    from tests.fakeslack import RESPONSE_URL, FakeSlack

    with FakeSlack(rate_limits=False, trigger_ttl=None) as fake:
        for user in users:
            fake.add_user(user, name=user.lower())
        handle = fake.handle
        replies = [0]  # response_url posts answered, counted cheaply for the client's window
        counting = threading.Lock()

        def slow(path: str, *args: Any, **kwargs: Any) -> Any:
            if latency:
                time.sleep(latency)  # Slack's round trip, outside the fake's lock
            reply = handle(path, *args, **kwargs)
            if path.startswith("/response/"):
                with counting:
                    replies[0] += 1
            return reply

        fake.handle = slow  # type: ignore[method-assign]
        pipe.send(fake.base_url)
        while True:
            command, *args = pipe.recv()
            if command == "urls":
                pipe.send(
                    [fake.new_response_url(channel_id="C0001", user_id=user) for user in args[0]]
                )
            elif command == "wait":
                count, timeout = args
                try:
                    fake.wait_for(RESPONSE_URL, count, timeout=timeout)
                    pipe.send(True)
                except TimeoutError:
                    pipe.send(False)
            elif command == "count":
                pipe.send(replies[0])
            elif command == "replies":
                calls = fake.responses()
                failed = sum(
                    1
                    for call in calls
                    if call.status != 200 or "went wrong" in str(call.args.get("text", ""))
                )
                per_url = Counter(call.url for call in calls)
                peers = {call.peer for call in calls}
                pipe.send(Replies(len(per_url), len(calls), failed, len(peers)))
                pipe.send(True)
            elif command == "stop":
                pipe.send(True)
                return


class SpawnedSlack:
    """A fake Slack in a process of its own, asked over a pipe; a subclass names its `_serve`
    target and arguments. `with …:` starts it, and `base_url` is its Web API once started."""

    def __init__(self) -> None:
        self.base_url = ""
        self._pipe: Connection | None = None
        self._process: Any = None

    def _target(self) -> tuple[Callable[..., None], tuple[Any, ...]]:
        raise NotImplementedError

    def __enter__(self) -> Self:
        spawn = multiprocessing.get_context("spawn")
        self._pipe, child = spawn.Pipe()
        serve, args = self._target()
        self._process = spawn.Process(target=serve, args=(child, *args), daemon=True)
        self._process.start()
        self.base_url = self._ask()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            self._call("stop")
        finally:
            self._process.join(timeout=10)
            if self._process.is_alive():
                self._process.kill()

    def _ask(self) -> Any:
        assert self._pipe is not None
        while not self._pipe.poll(1):
            if not self._process.is_alive():
                raise RuntimeError(f"the fake Slack exited with {self._process.exitcode}")
        return self._pipe.recv()

    def _call(self, *message: Any) -> Any:
        assert self._pipe is not None
        self._pipe.send(message)
        return self._ask()


class SlackProcess(SpawnedSlack):
    """Start with `with SlackProcess(latency, users) as slack:`; `slack.base_url` is its Web API."""

    def __init__(self, *, latency: float = 0.0, users: list[str] | None = None) -> None:
        super().__init__()
        self.latency = latency
        self.users = users or []

    def _target(self) -> tuple[Callable[..., None], tuple[Any, ...]]:
        return _serve, (self.latency, self.users)

    def response_urls(self, users: list[str]) -> list[str]:
        """A fresh response_url for each user, in order."""
        return self._call("urls", users)

    def wait_replies(self, count: int, timeout: float) -> bool:
        """Block until `count` replies reached response_urls; False when `timeout` passed first."""
        return self._call("wait", count, timeout)

    def reply_count(self) -> int:
        """How many replies reached response_urls so far."""
        return self._call("count")

    def replies(self) -> Replies:
        """What the response_urls received so far."""
        return self._call("replies")
