"""A read's rows made into Python objects the first time they are looked at.

A tick reads its next batch on a thread of its own while the main thread builds this batch's
messages (`jobs.ahead`). Only one thread runs Python at a time: when the reading thread also made
each of a hundred thousand rows into objects, the builder waited for it. A read that returns a
`Later` leaves that to whoever looks first, the builder, and its thread only waits on the database.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from typing import TypeVar

Key = TypeVar("Key")
Value = TypeVar("Value")


class Later(Mapping[Key, Value]):
    """A mapping `make` builds on first use. Its keys, when given, answer `in` before that.

    Not for sharing between threads while it is being made: a tick hands it from the thread that
    read it to the one that uses it.
    """

    __slots__ = ("_make", "_made", "_keys")

    def __init__(
        self, make: Callable[[], dict[Key, Value]], *, keys: Collection[Key] | None = None
    ) -> None:
        self._make: Callable[[], dict[Key, Value]] | None = make
        self._made: dict[Key, Value] | None = None
        self._keys = keys

    def _mapping(self) -> dict[Key, Value]:
        made = self._made
        if made is None:
            assert self._make is not None
            made = self._made = self._make()
            self._make = None  # what it held (the rows) can go
        return made

    def __getitem__(self, key: Key) -> Value:
        return self._mapping()[key]

    def __contains__(self, key: object) -> bool:
        if self._made is None and self._keys is not None:
            return key in self._keys
        return key in self._mapping()

    def __iter__(self) -> Iterator[Key]:
        return iter(self._mapping())

    def __len__(self) -> int:
        return len(self._mapping())
