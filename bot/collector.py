"""Python's cyclic garbage collector held off while a job, a report or an import builds millions
of small objects that form no cycles (reference counting frees them as usual)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_pauses = 0
_pause_lock = threading.Lock()


@contextmanager
def collection_paused() -> Iterator[None]:
    """Hold off the cyclic collector for the duration, then put it back as it was.

    Each collection pass walks every object built so far: over a tick's message dicts, a report's
    rows or an import's readied tuples it costs as much as the work, and every thread of the
    process waits for it. Cycles left meanwhile are collected once the last pause ends. Pauses in
    other threads may overlap: the collector comes back when the last of them ends, if it was on
    when the first began.
    """
    global _pauses, _resume
    with _pause_lock:
        if _pauses == 0:
            _resume = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pauses -= 1
            if _pauses == 0 and _resume:
                gc.enable()


_resume = True
