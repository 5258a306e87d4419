"""One writer at a time per SQLite file in a process: threads queue on a lock, never on SQLite.

The tests set SQLite's own busy timeout to zero, so a writer that reached SQLite while another
held the write lock would fail at once with "database is locked": none may.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, exc, func, select, text
from sqlalchemy.orm import Session, sessionmaker

import bot.db
from bot.db import (
    bulk_connection,
    make_engine,
    make_session_factory,
    read_only_engine,
    set_transaction_gate,
    sqlite_write_lock,
)
from bot.migrate import upgrade
from bot.models import Rep
from bot.shared_writes import GroupCommit, SharedTransactions

PATIENCE = 10


def _no_busy_wait(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _impatient(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.execute("PRAGMA busy_timeout = 0")


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "writes.db"


@pytest.fixture
def engine(path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{path}")
    _no_busy_wait(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE marks (thread INTEGER, n INTEGER)")
    yield engine
    engine.dispose()


def _count(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM marks")).scalar_one()


def test_two_threads_writes_serialise(engine: Engine, path: Path) -> None:
    order: list[str] = []
    inside, finish = threading.Event(), threading.Event()

    def first() -> None:
        with engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO marks VALUES (1, 1)")
            inside.set()
            assert finish.wait(PATIENCE)
            order.append("first commits")

    def second() -> None:
        with engine.begin() as connection:
            order.append("second begins")
            connection.exec_driver_sql("INSERT INTO marks VALUES (2, 1)")

    one = threading.Thread(target=first)
    one.start()
    assert inside.wait(PATIENCE)
    assert sqlite_write_lock(str(path)).locked()
    two = threading.Thread(target=second)
    two.start()
    two.join(0.05)
    assert two.is_alive() and order == []  # queued on the lock, not failed in SQLite
    finish.set()
    one.join(PATIENCE)
    two.join(PATIENCE)
    assert order == ["first commits", "second begins"]
    assert _count(engine) == 2
    assert not sqlite_write_lock(str(path)).locked()


def test_many_writers_never_see_database_is_locked(engine: Engine) -> None:
    errors: list[BaseException] = []

    def writer(thread: int) -> None:
        try:
            for n in range(50):
                with engine.begin() as connection:
                    # read, then write: the pattern deferred transactions fail on
                    connection.execute(text("SELECT count(*) FROM marks")).scalar_one()
                    connection.execute(
                        text("INSERT INTO marks VALUES (:thread, :n)"), {"thread": thread, "n": n}
                    )
        except BaseException as error:  # collected for the assertion below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(PATIENCE * 3)
    assert errors == []
    assert _count(engine) == 8 * 50


def test_two_engines_on_one_file_share_the_lock(engine: Engine, path: Path) -> None:
    other = make_engine(f"sqlite:///{path}")
    _no_busy_wait(other)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO marks VALUES (1, 1)")
            blocked = threading.Thread(target=lambda: _count(other))
            blocked.start()
            blocked.join(0.05)
            assert blocked.is_alive()
        blocked.join(PATIENCE)
        assert not blocked.is_alive()
    finally:
        other.dispose()


def test_a_failed_transaction_gives_the_lock_back(engine: Engine, path: Path) -> None:
    with pytest.raises(exc.OperationalError), engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO no_such_table VALUES (1)")
    assert not sqlite_write_lock(str(path)).locked()
    with engine.connect() as connection:
        connection.exec_driver_sql("SELECT 1")
        connection.invalidate()  # a connection thrown away mid-transaction
    assert not sqlite_write_lock(str(path)).locked()
    assert _count(engine) == 0


def _pragma(connection: Any, name: str) -> Any:
    raw = connection.connection.dbapi_connection
    return raw.execute(f"PRAGMA {name}").fetchone()[0]


def test_reads_never_map_the_file_into_the_process(engine: Engine) -> None:
    # A mapped page read counts in the resident set: a tick over a big file would hold the file.
    with engine.connect() as connection:
        assert _pragma(connection, "mmap_size") == 0
    with bulk_connection(engine) as connection:
        assert _pragma(connection, "mmap_size") == 0


def test_a_bulk_connection_keeps_its_cache_to_itself(engine: Engine, path: Path) -> None:
    with engine.connect() as pooled:
        default = _pragma(pooled, "cache_size")
    with bulk_connection(engine) as connection:
        assert _pragma(connection, "cache_size") == -bot.db.SQLITE_BULK_CACHE_KIB
        with connection.begin():
            connection.exec_driver_sql("INSERT INTO marks VALUES (1, 1)")
        assert not sqlite_write_lock(str(path)).locked()
    with engine.connect() as pooled:
        assert _pragma(pooled, "cache_size") == default
    assert _count(engine) == 1


def test_a_writer_waiting_past_the_busy_timeout_fails_as_sqlite_would(
    engine: Engine, path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.db, "SQLITE_BUSY_TIMEOUT_MS", 10)
    lock = sqlite_write_lock(str(path))
    held = threading.Event()
    release = threading.Event()

    def holder() -> None:
        with engine.begin():
            held.set()
            assert release.wait(PATIENCE)

    thread = threading.Thread(target=holder)
    thread.start()
    assert held.wait(PATIENCE) and lock.locked()
    with pytest.raises(exc.OperationalError, match="database is locked"):
        _count(engine)
    release.set()
    thread.join(PATIENCE)
    assert _count(engine) == 0


def test_a_waiting_writer_goes_before_background_work(engine: Engine, path: Path) -> None:
    lock = sqlite_write_lock(str(path))
    order: list[str] = []
    holding, release = threading.Event(), threading.Event()

    def holder() -> None:
        with engine.begin():
            holding.set()
            assert release.wait(PATIENCE)

    def writer(name: str, background: bool) -> None:
        set_transaction_gate((lambda: None) if background else None)
        try:
            with engine.begin() as connection:
                order.append(name)
                connection.exec_driver_sql("INSERT INTO marks VALUES (1, 1)")
        finally:
            set_transaction_gate(None)

    first = threading.Thread(target=holder)
    first.start()
    assert holding.wait(PATIENCE)
    work = threading.Thread(target=writer, args=("post-ack work", True))
    work.start()
    work.join(0.05)
    ack = threading.Thread(target=writer, args=("pre-ack write", False))
    ack.start()
    while lock.waiting_first == 0:  # the pre-ack writer is queued
        ack.join(0.001)
    release.set()
    for thread in (first, work, ack):
        thread.join(PATIENCE)
    assert order == ["pre-ack write", "post-ack work"]


def test_a_transaction_gate_runs_before_each_transaction_of_its_thread(db_url: str) -> None:
    engine = make_engine(db_url)
    passed: list[str] = []
    try:
        set_transaction_gate(lambda: passed.append("gate"))
        with engine.begin() as connection:
            connection.execute(text("SELECT 1"))
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        set_transaction_gate(None)
        with engine.begin() as connection:
            connection.execute(text("SELECT 1"))
    finally:
        set_transaction_gate(None)
        engine.dispose()
    assert passed == ["gate", "gate"]


def test_writes_arriving_together_share_a_transaction() -> None:
    batches: list[tuple[list[int], str]] = []
    first_started, go_on = threading.Event(), threading.Event()

    def write(items: list[int]) -> list[int]:
        batches.append((items, threading.current_thread().name))
        if len(batches) == 1:
            first_started.set()
            assert go_on.wait(PATIENCE)
        return [item * 10 for item in items]

    together = GroupCommit(write)
    results: dict[int, int] = {}

    def call(item: int) -> None:
        results[item] = together(item)

    first = threading.Thread(target=call, args=(0,), name="caller-0")
    first.start()
    assert first_started.wait(PATIENCE)
    others = [threading.Thread(target=call, args=(n,), name=f"caller-{n}") for n in range(1, 6)]
    for thread in others:
        thread.start()
    while together.waiting < 5:  # all five wait for the next transaction
        first.join(0.001)
    go_on.set()
    for thread in [first, *others]:
        thread.join(PATIENCE)
    assert [items for items, _ in batches[:1]] == [[0]] and len(batches) == 2
    assert sorted(batches[1][0]) == [1, 2, 3, 4, 5]
    # The first caller went back to its request after its own transaction; a waiting one wrote the rest.
    assert batches[0][1] == "caller-0" and batches[1][1] != "caller-0"
    assert results == {n: n * 10 for n in range(6)}


def test_a_failed_group_write_fails_each_of_its_callers_and_no_later_one() -> None:
    calls = 0

    def write(items: list[str]) -> list[str]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise exc.OperationalError("INSERT", None, Exception("disk I/O error"))
        return items

    together = GroupCommit(write)
    with pytest.raises(exc.OperationalError):
        together("first")
    assert together("second") == "second"


def _mark(n: int) -> Callable[[Session], int]:
    def work(session: Session) -> int:
        session.execute(text("INSERT INTO marks VALUES (0, :n)"), {"n": n})
        return n * 10

    return work


def test_work_arriving_together_shares_one_transaction(engine: Engine) -> None:
    shared = SharedTransactions(make_session_factory(engine))
    begun: list[object] = []
    event.listen(engine, "begin", begun.append)
    first_started, go_on = threading.Event(), threading.Event()

    def first_work(session: Session) -> int:
        first_started.set()
        assert go_on.wait(PATIENCE)
        return _mark(0)(session)

    results: dict[int, int] = {}

    def call(n: int) -> None:
        results[n] = shared(first_work if n == 0 else _mark(n))

    first = threading.Thread(target=call, args=(0,))
    first.start()
    assert first_started.wait(PATIENCE)
    others = [threading.Thread(target=call, args=(n,)) for n in range(1, 6)]
    for thread in others:
        thread.start()
    while shared.waiting < 5:
        first.join(0.001)
    go_on.set()
    for thread in [first, *others]:
        thread.join(PATIENCE)
    # The first alone, the five that queued behind it together.
    assert len(begun) == 2
    assert results == {n: n * 10 for n in range(6)}
    assert _count(engine) == 6


def test_a_failing_piece_of_shared_work_fails_alone(engine: Engine) -> None:
    shared = SharedTransactions(make_session_factory(engine))
    first_started, go_on = threading.Event(), threading.Event()

    def first_work(session: Session) -> int:
        first_started.set()
        assert go_on.wait(PATIENCE)
        return _mark(0)(session)

    def broken(session: Session) -> int:
        session.execute(text("INSERT INTO marks VALUES (0, 99)"))
        raise RuntimeError("no such lead")

    outcomes: dict[int, object] = {}

    def call(n: int) -> None:
        try:
            outcomes[n] = shared(first_work if n == 0 else broken if n == 3 else _mark(n))
        except RuntimeError as error:
            outcomes[n] = str(error)

    first = threading.Thread(target=call, args=(0,))
    first.start()
    assert first_started.wait(PATIENCE)
    others = [threading.Thread(target=call, args=(n,)) for n in range(1, 6)]
    for thread in others:
        thread.start()
    while shared.waiting < 5:
        first.join(0.001)
    go_on.set()
    for thread in [first, *others]:
        thread.join(PATIENCE)
    assert outcomes == {0: 0, 1: 10, 2: 20, 3: "no such lead", 4: 40, 5: 50}
    # Every other piece written once, none of the failing one's writes.
    with engine.connect() as connection:
        marks = connection.execute(text("SELECT n FROM marks ORDER BY n")).scalars().all()
    assert marks == [0, 1, 2, 4, 5]


def test_a_read_only_transaction_holds_no_write_lock(tmp_path: Path) -> None:
    """A job's long reads on SQLite never hold up a request's write (WAL snapshot, no lock)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'reads.db'}")
    upgrade(engine)
    reads = make_session_factory(read_only_engine(engine))
    writes = make_session_factory(engine)
    with reads.begin() as reading:
        before = reading.scalar(select(func.count()).select_from(Rep))
        with ThreadPoolExecutor(1) as pool:  # another thread, as a request's write would be
            write = pool.submit(_add_rep, writes, "UWRITER01")
            write.result(timeout=5)  # done while the read is still open
        # The read's snapshot is the file as it was when the read began.
        assert reading.scalar(select(func.count()).select_from(Rep)) == before
    with reads.begin() as reading:
        assert reading.scalar(select(func.count()).select_from(Rep)) == before + 1
    engine.dispose()


def _add_rep(sessions: sessionmaker[Session], user_id: str) -> None:
    with sessions.begin() as session:
        session.add(Rep(id=user_id, name="w", role="rep", created_at=datetime.now(UTC)))


def test_postgresql_connections_never_compile_statements_first(db_url: str) -> None:
    # JIT compiling a tick's read of a thousand reps' leads took longer than running it.
    engine = make_engine(db_url)
    try:
        if engine.dialect.name != "postgresql":
            pytest.skip("a PostgreSQL setting")
        with engine.connect() as connection:
            assert connection.execute(text("SHOW jit")).scalar() == "off"
            # A pooled connection keeps it through a rolled-back transaction.
            connection.rollback()
            assert connection.execute(text("SHOW jit")).scalar() == "off"
    finally:
        engine.dispose()
