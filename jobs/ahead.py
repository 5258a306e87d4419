"""Reading a tick's next batch while this one's messages are built.

A batch's reads are mostly the database's work: the PostgreSQL server's, or SQLite's own code,
which lets go of the interpreter while it sorts. Building the messages is Python's. One after
the other, each waits for the other; here the next batch is read on a thread of its own while
the caller works on the current one, so at most two batches' reads are held at once.

Only one thread runs Python at a time, so the reading thread should only wait on the database:
its large reads come back in one step (`fast_rows.rows_at_once`) and are made into objects by
the caller, when it first looks at them (`services.later.Later`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

Batch = TypeVar("Batch")
Found = TypeVar("Found")


def read_ahead(
    read: Callable[[Batch], Found], batches: Sequence[Batch], *, name: str
) -> Iterator[tuple[Batch, Found]]:
    """Each batch, in order, with what `read` found for it; the next one is read meanwhile.

    A read's failure is raised where its batch would have come, after the batches before it.
    Stopping early waits for the read under way, and reads nothing more.
    """
    if not batches:
        return
    with ThreadPoolExecutor(1, thread_name_prefix=f"{name}-read") as pool:
        future = pool.submit(read, batches[0])
        for index, batch in enumerate(batches):
            found = future.result()
            if index + 1 < len(batches):
                future = pool.submit(read, batches[index + 1])
            yield batch, found
