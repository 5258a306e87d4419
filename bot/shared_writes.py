"""Small writes from many threads at once, done in as few transactions as can be: a burst of
requests shares a BEGIN and a COMMIT (`GroupCommit`, `SharedTransactions`)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session, sessionmaker

Item = TypeVar("Item")
Result = TypeVar("Result")


class _Wake:
    """A one-shot wake-up for one waiting thread: a lock taken at once and released to wake it.

    Cheaper than an `Event`, whose `set()` takes its condition's lock and notifies its waiters in
    Python: a burst of touches sets one per caller.
    """

    __slots__ = ("_lock",)

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lock.acquire()

    def set(self) -> None:
        self._lock.release()

    def wait(self) -> None:
        self._lock.acquire()


class _Queued(Generic[Item, Result]):
    """One caller's item: its outcome once written, or word that it is this caller's turn to write."""

    __slots__ = ("error", "item", "result", "written", "wake")

    def __init__(self, item: Item) -> None:
        self.item = item
        self.written = False
        self.result: Result | None = None
        self.error: BaseException | None = None
        self.wake = _Wake()  # woken once: written by another caller, or its turn to write

    def outcome(self) -> Result:
        if self.error is not None:
            raise self.error
        return self.result  # type: ignore[return-value]


class GroupCommit(Generic[Item, Result]):
    """Many threads' small writes, each waiting for its own commit, done in as few transactions as can be.

    A caller that finds no transaction under way writes everything queued (its own item first);
    callers arriving meanwhile queue, and when that transaction ends the first of them writes all
    of theirs in the next one. So a burst of N requests costs a few transactions instead of N, and
    no caller writes more than one: each gets its result, or its transaction's error, as soon as
    the transaction holding its item ends.
    """

    def __init__(self, write: Callable[[list[Item]], list[Result]]) -> None:
        self._write = write
        self._lock = threading.Lock()
        self._queue: list[_Queued[Item, Result]] = []
        self._writing = False

    @property
    def waiting(self) -> int:
        """Callers whose items wait for the next transaction."""
        with self._lock:
            return len(self._queue)

    def __call__(self, item: Item) -> Result:
        mine: _Queued[Item, Result] = _Queued(item)
        with self._lock:
            self._queue.append(mine)
            my_turn = not self._writing
            self._writing = True
        if not my_turn:
            mine.wake.wait()  # written by someone else, or told to write
        if not mine.written:
            self._write_queued()
        return mine.outcome()

    def _write_queued(self) -> None:
        with self._lock:
            # The writer's own item is first: it was queued first, or was first when woken.
            batch, self._queue = self._queue, []
        try:
            results = self._write([queued.item for queued in batch])
        except BaseException as error:  # every caller in the batch gets it
            for queued in batch:
                queued.error = error
        else:
            for queued, result in zip(batch, results, strict=True):
                queued.result = result
        finally:
            for queued in batch:
                queued.written = True
            for queued in batch[1:]:  # the first is this writer's own: it is not waiting
                queued.wake.set()
            with self._lock:
                if self._queue:
                    self._queue[0].wake.set()  # its turn: it writes what queued meanwhile
                else:
                    self._writing = False


class _Outcome(Generic[Result]):
    """One piece of work's result, or the error it raised."""

    __slots__ = ("error", "value")

    def __init__(self, value: Result | None = None, error: Exception | None = None) -> None:
        self.value = value
        self.error = error

    def get(self) -> Result:
        if self.error is not None:
            raise self.error
        return self.value  # type: ignore[return-value]


class SharedTransactions:
    """Short pieces of work from many threads, each run in a transaction it shares with the work
    of the threads that arrived with it: one BEGIN and one COMMIT for all of them (`GroupCommit`).

    A piece of work takes the session and must leave nothing behind outside the database before
    its transaction commits. When one of them fails, the shared transaction is rolled back and
    every piece runs again in a transaction of its own, so each gets its own result or error and
    no piece is written twice or lost.
    """

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory
        self._group: GroupCommit[Callable[[Session], Any], _Outcome[Any]] = GroupCommit(self._run)

    @property
    def waiting(self) -> int:
        """Pieces of work waiting for the next transaction."""
        return self._group.waiting

    def __call__(self, work: Callable[[Session], Result]) -> Result:
        """Run `work` in a shared transaction; its result once that transaction committed."""
        outcome: _Outcome[Result] = self._group(work)
        return outcome.get()

    def _run(self, works: list[Callable[[Session], Any]]) -> list[_Outcome[Any]]:
        try:
            with self._session_factory.begin() as session:
                return [_Outcome(work(session)) for work in works]
        except Exception as error:
            if len(works) == 1:
                return [_Outcome(error=error)]
        return [self._alone(work) for work in works]

    def _alone(self, work: Callable[[Session], Any]) -> _Outcome[Any]:
        try:
            with self._session_factory.begin() as session:
                return _Outcome(work(session))
        except Exception as error:
            return _Outcome(error=error)
