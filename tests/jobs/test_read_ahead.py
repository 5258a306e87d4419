"""A tick reads its next batch while the caller works on the current one, and fails as it would in line."""

from __future__ import annotations

import threading

import pytest

from jobs.ahead import read_ahead

PATIENCE = 10  # seconds: only a broken overlap ever waits this long


def test_each_batch_comes_in_order_with_its_own_reads() -> None:
    assert list(read_ahead(lambda batch: sum(batch), [[1, 2], [3], [4, 5, 6]], name="t")) == [
        ([1, 2], 3),
        ([3], 3),
        ([4, 5, 6], 15),
    ]
    assert list(read_ahead(lambda batch: batch, [], name="t")) == []


def test_the_next_batch_is_read_while_the_caller_works_on_this_one() -> None:
    second_read = threading.Event()

    def read(batch: int) -> int:
        if batch == 2:
            second_read.set()
        return batch * 10

    for batch, found in read_ahead(read, [1, 2], name="t"):
        if batch == 1:
            # Still on the first batch: the second is read meanwhile, on another thread.
            assert second_read.wait(PATIENCE)
        assert found == batch * 10


def test_a_failed_read_is_raised_at_its_batch_after_the_ones_before() -> None:
    seen = []

    def read(batch: int) -> int:
        if batch == 2:
            raise RuntimeError("database went away")
        return batch

    with pytest.raises(RuntimeError, match="went away"):
        for batch, _found in read_ahead(read, [1, 2, 3], name="t"):
            seen.append(batch)
    assert seen == [1]


def test_stopping_early_waits_for_the_read_under_way_and_reads_no_more() -> None:
    read_batches = []
    release = threading.Event()

    def read(batch: int) -> int:
        if batch == 2:
            assert release.wait(PATIENCE)
        read_batches.append(batch)
        return batch

    batches = read_ahead(read, [1, 2, 3, 4], name="t")
    assert next(batches) == (1, 1)
    release.set()
    batches.close()
    assert read_batches == [1, 2]
