"""The listener executor: acks never wait behind the work other listeners do after theirs.

Bolt submits each listener to this pool and waits for its `ack()`. A listener here starts at once
on a thread of its own (the pool grows up to `LISTENER_THREADS` and reuses idle threads), so a
burst of slow post-ack work cannot hold up the next ack. The work after `ack()` then waits for one
of `WORK_SLOTS` slots: however many listeners are running, only that many compete with the acks
for the interpreter, the database and the connection pool. An event listener, which Bolt acks
before it starts, takes its slot on starting.

Bolt polls for the ack every 10 ms. `submit()` instead blocks on the ack itself, so Bolt finds
it at its first look: `TrackAcks`, a global middleware, gives each request an `Ack` that wakes
the waiting dispatcher the moment it is called.

A listener must not call `ack()` inside a database transaction: it could then wait for a slot
while holding a lock the listeners in the slots need.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from slack_bolt import Ack as BoltAck
from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

LISTENER_THREADS = 512
WORK_SLOTS = 16
# Work yields to pending acks for at most this long, so a steady stream of requests never starves it.
YIELD_SECONDS = 1.0
# Bolt gives up on an ack after 3 s (a listener's ack_timeout); waiting longer would hold no purpose.
ACK_WAIT_SECONDS = 3.0

_dispatching = threading.local()


class _Turns:
    """The work slots, handed out first to nobody while a request still waits for its ack.

    The interpreter runs one thread at a time, so work done while acks are pending delays them;
    a work item waits up to `YIELD_SECONDS` for the acks in flight to go out before it starts.
    """

    def __init__(self, slots: int) -> None:
        self._free = slots
        self._waiting_acks = 0
        self._changed = threading.Condition(threading.Lock())

    def arrived(self) -> None:
        with self._changed:
            self._waiting_acks += 1

    def answered(self) -> None:
        with self._changed:
            self._waiting_acks -= 1
            if self._waiting_acks == 0 and self._free:
                self._changed.notify(self._free)

    def take(self) -> None:
        deadline = time.monotonic() + YIELD_SECONDS
        with self._changed:
            while True:
                if self._free:
                    left = deadline - time.monotonic()
                    if self._waiting_acks == 0 or left <= 0:
                        self._free -= 1
                        return
                    self._changed.wait(left)
                else:
                    self._changed.wait()

    def give_back(self) -> None:
        with self._changed:
            self._free += 1
            self._changed.notify()


class _Task:
    """One listener run: woken dispatcher on ack, and the work slot it holds after."""

    __slots__ = ("holds_slot", "signal", "turns")

    def __init__(self, turns: _Turns) -> None:
        self.signal = threading.Event()
        self.turns = turns
        self.holds_slot = False

    def acked(self) -> None:
        self.signal.set()
        self.take_slot()

    def take_slot(self) -> None:
        if not self.holds_slot:
            self.turns.take()
            self.holds_slot = True

    def finished(self) -> None:
        if self.holds_slot:
            self.holds_slot = False
            self.turns.give_back()
        self.signal.set()


class Ack(BoltAck):
    """Bolt's `ack()`, which also tells the executor it was called: the ack goes out at once, the
    rest of the listener waits for a work slot."""

    def __init__(self) -> None:
        super().__init__()
        self.task: _Task | None = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        response = super().__call__(*args, **kwargs)
        if self.task is not None:
            self.task.acked()
        return response


class TrackAcks(Middleware):
    """Global middleware: this request's `ack()` reports to the executor its listener is submitted to."""

    def process(
        self,
        *,
        req: BoltRequest,
        resp: BoltResponse,
        next: Callable[[], BoltResponse | None],  # noqa: A002 - Bolt's name
    ) -> BoltResponse | None:
        ack = Ack()
        req.context["ack"] = ack
        # The middleware and Bolt's submit of the listener run on the same dispatching thread.
        _dispatching.ack = ack
        return next()


class ListenerExecutor(ThreadPoolExecutor):
    """Listeners start at once; their post-ack work takes turns; `wait_idle()` waits for all of it."""

    def __init__(
        self, max_workers: int = LISTENER_THREADS, *, work_slots: int = WORK_SLOTS
    ) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix="listener")
        self._turns = _Turns(work_slots)
        self._pending = 0
        self._idle = threading.Condition()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Start `fn`; when it is a listener Bolt waits to ack, return once it acked (or finished)."""
        ack: Ack | None = getattr(_dispatching, "ack", None)
        _dispatching.ack = None
        task = _Task(self._turns)
        awaiting_ack = ack is not None and ack.response is None
        if awaiting_ack:
            assert ack is not None
            ack.task = task
        with self._idle:
            self._pending += 1
        try:
            future = super().submit(self._run, task, not awaiting_ack, fn, *args, **kwargs)
        except BaseException:
            self._done(None)
            raise
        future.add_done_callback(self._done)
        if awaiting_ack:
            task.signal.wait(ACK_WAIT_SECONDS)
        return future

    @staticmethod
    def _run(
        task: _Task, already_acked: bool, fn: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> Any:
        try:
            if already_acked:
                task.take_slot()
            return fn(*args, **kwargs)
        finally:
            task.finished()

    def arrived(self) -> None:
        """A request came in that will want an ack: work not yet started waits for it to go out."""
        self._turns.arrived()

    def answered(self) -> None:
        """The request `arrived()` reported has been answered."""
        self._turns.answered()

    def _done(self, _future: Future[Any] | None) -> None:
        with self._idle:
            self._pending -= 1
            if self._pending == 0:
                self._idle.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until no listener is running, its post-ack work included; False when `timeout` passes first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=timeout)
