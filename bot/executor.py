"""The listener executor: acks never wait behind the work other listeners do after theirs.

Bolt submits each listener to this pool and waits for its `ack()`. A listener here starts at once
on a thread of its own (the pool grows up to `LISTENER_THREADS` and reuses idle threads), so a
burst of slow post-ack work cannot hold up the next ack. The work after `ack()` then waits for one
of `WORK_SLOTS` slots: however many listeners are running, only that many compete with the acks
for the interpreter, the database and the connection pool. An event listener, which Bolt acks
before it starts, takes its slot on starting.

The HTTP server tells the executor when a request arrives and when it is answered. While any is
waiting, work gives way: it does not start, and its transactions do not begin (see `_Turns`); on
SQLite a request's own writes before its ack also go ahead of work's in the write lock.

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

from bot.db import set_transaction_gate

LISTENER_THREADS = 512
WORK_SLOTS = 16
# Work gives way to pending acks for at most this long before it starts, and before each of its
# transactions, so a steady stream of requests never starves it.
YIELD_SECONDS = 1.0
GATE_SECONDS = 0.25
# Bolt gives up on an ack after 3 s (a listener's ack_timeout); waiting longer would hold no purpose.
ACK_WAIT_SECONDS = 3.0

_dispatching = threading.local()


class _Turns:
    """The work slots, and the acks work gives way to.

    The interpreter runs one thread at a time, so work done while acks are going out delays them.
    A work item waits up to `YIELD_SECONDS` for the acks in flight before it starts, and each of
    its database transactions waits up to `GATE_SECONDS` for them before it begins.
    """

    def __init__(self, slots: int) -> None:
        self._free = slots
        self._waiting_acks = 0
        lock = threading.Lock()
        self._slot_free = threading.Condition(lock)
        self._acks_done = threading.Condition(lock)

    def arrived(self) -> None:
        with self._acks_done:
            self._waiting_acks += 1

    def answered(self) -> None:
        with self._acks_done:
            self._waiting_acks -= 1
            if self._waiting_acks == 0:
                self._acks_done.notify_all()

    def take(self) -> None:
        deadline = time.monotonic() + YIELD_SECONDS
        with self._slot_free:
            while True:
                if not self._free:
                    self._slot_free.wait()
                    continue
                left = deadline - time.monotonic()
                if self._waiting_acks and left > 0:
                    self._acks_done.wait(left)
                    continue
                self._free -= 1
                return

    def give_back(self) -> None:
        with self._slot_free:
            self._free += 1
            self._slot_free.notify()

    def let_acks_go_first(self) -> None:
        """Before a work transaction: wait a little while acks are going out."""
        deadline = time.monotonic() + GATE_SECONDS
        with self._acks_done:
            while self._waiting_acks:
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                self._acks_done.wait(left)


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
            # From here on this thread does post-ack work: its transactions give way to acks.
            set_transaction_gate(self.turns.let_acks_go_first)

    def finished(self) -> None:
        if self.holds_slot:
            self.holds_slot = False
            set_transaction_gate(None)
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
