"""A thread-safe log of every request the fake received, with blocking waits."""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

RESPONSE_URL = "response_url"
FILE_UPLOAD = "file_upload"


@dataclass(frozen=True)
class Call:
    """One request: Web API method (or RESPONSE_URL / FILE_UPLOAD), decoded args and the outcome.

    `status` is the HTTP status answered, 0 when the connection was dropped on purpose; `peer` is
    the client's address and port, the same for every request sent over one kept-alive connection.
    """

    method: str
    args: dict[str, Any]
    headers: dict[str, str]
    at: float
    status: int = 200
    response: Any = None
    url: str = ""
    peer: str = ""

    @property
    def ok(self) -> bool:
        """Whether the fake answered HTTP 200 with ok:true (or a plain 200 for non-API URLs)."""
        if self.status != 200:
            return False
        return not isinstance(self.response, dict) or bool(self.response.get("ok", True))


class CallLog:
    """Append-only list of calls guarded by a condition so tests can wait without sleeping."""

    def __init__(self, condition: threading.Condition) -> None:
        """Share the fake's condition so state changes and records appear together."""
        self._condition = condition
        self._calls: list[Call] = []

    def record(self, call: Call) -> None:
        """Append a call and wake every waiter; the caller must hold the condition's lock."""
        self._calls.append(call)
        self._condition.notify_all()

    def calls(self, method: str | None = None) -> list[Call]:
        """Recorded calls in arrival order, optionally only those of one method."""
        with self._condition:
            return [c for c in self._calls if method is None or c.method == method]

    def last(self, method: str) -> Call:
        """The most recent call of a method; raises LookupError when there is none."""
        found = self.calls(method)
        if not found:
            raise LookupError(f"no {method} call recorded; got {self._summary()}")
        return found[-1]

    def clear(self) -> None:
        """Forget every recorded call."""
        with self._condition:
            self._calls.clear()

    def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,
        where: Callable[[Call], bool] | None = None,
    ) -> list[Call]:
        """Block until at least `count` matching calls exist; raise TimeoutError after `timeout`."""

        def matching() -> list[Call]:
            return [c for c in self._calls if c.method == method and (where is None or where(c))]

        with self._condition:
            if self._condition.wait_for(lambda: len(matching()) >= count, timeout=timeout):
                return matching()
            got = len(matching())
            summary = self._summary()
        raise TimeoutError(
            f"expected {count} {method} call(s) within {timeout}s, got {got}; {summary}"
        )

    def _summary(self) -> str:
        """Short description of what was recorded, for failure messages."""
        with self._condition:
            names = [c.method for c in self._calls]
        return f"recorded: {names[-20:]}" if names else "nothing recorded"
