"""Engines and sessions: SQLite in WAL with immediate write transactions, PostgreSQL via psycopg 3.

SQLite lets one transaction write at a time. Between processes, `BEGIN IMMEDIATE` and the busy
timeout settle who goes next; within one process, threads queue on a lock for the database file
instead, so a waiting writer starts the moment the last one commits rather than when SQLite's
busy handler next wakes from its sleep.

A thread can declare its transactions background work (`set_transaction_gate`): each one first
passes the thread's gate (the listener executor's holds it while acks are going out), and on
SQLite lets every other waiting writer go first, so a request's pre-ack write never queues behind
post-ack work.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, Insert, create_engine, event, exc, insert, inspect, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.stored_json import json_bytes, json_text

SQLITE_BUSY_TIMEOUT_MS = 5000
# Reads copy pages through the OS page cache rather than mapping the file: every page read
# through a mapping counts in the process's resident set, so with 1 GiB mapped a job tick over a
# million leads peaked at 0.7-1 GB, the file it read on top of its own memory. Unmapped, a tick
# at 400,000 leads peaks at about 300 MB (its reads hold one batch of reps' leads at a time, so a
# bigger team adds little), where a 64 MiB mapping added 65 MB and 1 GiB 170-275 MB. The ticks
# spent no more CPU without it; the managers' reads over 200,000 open leads, about the same in
# all over two runs (the alerts' read 4-20% more, the weekly report's 10-20% less). Set, not
# left to SQLite's build: a build may map by default.
SQLITE_MMAP_BYTES = 0

# Pooled SQLite connections are cheap, and every listener thread at work may hold one while it
# queues for the write lock: a pool smaller than that would make them queue twice.
SQLITE_POOL_SIZE = 16
SQLITE_POOL_OVERFLOW = 48
# A background writer lets others go first for at most this long, then queues like anyone.
BACKGROUND_YIELD_SECONDS = 1.0
# The page cache of a connection writing in bulk: enough for every page a transaction of tens of
# thousands of rows changes in a table and its indexes (a negative size is in KiB).
SQLITE_BULK_CACHE_KIB = 65536

# An engine option (`read_only_engine`): its transactions only read. On SQLite they begin deferred
# and take no write lock, so a job's reads of a million leads never hold up a request's write.
READS_ONLY = "pipebot_reads_only"

_thread = threading.local()


def set_transaction_gate(gate: Callable[[], None] | None) -> None:
    """Make this thread's transactions background work: each calls `gate` before it begins, and
    on SQLite yields the write lock to other writers; None makes them ordinary again."""
    _thread.gate = gate


def _gate() -> Callable[[], None] | None:
    return getattr(_thread, "gate", None)


class WriteLock:
    """One writer at a time; a background writer waits while an ordinary one is waiting too."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._first = threading.Condition(self._mutex)
        self._later = threading.Condition(self._mutex)
        self._held = False
        self._waiting_first = 0

    def acquire(self, *, background: bool = False, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._mutex:
            if background:
                # Behind ordinary writers, but only for a while: a stream of them never starves it.
                until = min(deadline, time.monotonic() + BACKGROUND_YIELD_SECONDS)
                while self._held or self._waiting_first:
                    left = until - time.monotonic()
                    if left <= 0:
                        break
                    self._later.wait(left)
                else:
                    self._held = True
                    return True
            self._waiting_first += 1
            try:
                while self._held:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return False
                    self._first.wait(left)
                self._held = True
                return True
            finally:
                self._waiting_first -= 1
                if not self._held and not self._waiting_first:
                    self._later.notify()

    def release(self) -> None:
        with self._mutex:
            self._held = False
            if self._waiting_first:
                self._first.notify()
            else:
                self._later.notify()

    def locked(self) -> bool:
        with self._mutex:
            return self._held

    @property
    def waiting_first(self) -> int:
        """Ordinary writers (and background ones done yielding) queued for the lock."""
        with self._mutex:
            return self._waiting_first


_write_locks: dict[str, WriteLock] = {}
_write_locks_guard = threading.Lock()


def sqlite_write_lock(database: str) -> WriteLock:
    """The one lock this process's transactions on a SQLite file take, whichever engine they use."""
    key = os.path.realpath(database)
    with _write_locks_guard:
        return _write_locks.setdefault(key, WriteLock())


class SerializedConnection(sqlite3.Connection):
    """A SQLite connection whose transactions hold the process's lock for its file until they end."""

    write_lock: WriteLock | None = None
    holds_write_lock = False

    def take_write_lock(self, *, background: bool = False) -> None:
        """Queue behind this process's other writers, as long as SQLite's busy timeout allows."""
        lock = self.write_lock
        if lock is None or self.holds_write_lock:
            return
        if not lock.acquire(background=background, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
            # What SQLite itself would say after its busy timeout, so callers handle one error.
            raise exc.OperationalError(
                "BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked")
            )
        self.holds_write_lock = True

    def release_write_lock(self) -> None:
        if self.holds_write_lock:
            self.holds_write_lock = False
            assert self.write_lock is not None
            self.write_lock.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            if not self.in_transaction:  # a failed COMMIT leaves it open, for the rollback
                self.release_write_lock()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            if not self.in_transaction:
                self.release_write_lock()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.release_write_lock()


def normalize_url(url: str) -> URL:
    """Accept `postgres://`, `postgresql://` and `postgresql+psycopg://`; always drive PostgreSQL with psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() != "psycopg":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's legacy transaction handling would start deferred transactions that fail with
    # "database is locked" on read-then-write; take the write lock up front instead.
    on_file = engine.url.database not in (None, "", ":memory:")
    write_lock = sqlite_write_lock(engine.url.database) if on_file else None

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.write_lock = write_lock
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if on_file:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute(f"PRAGMA mmap_size = {SQLITE_MMAP_BYTES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):  # type: ignore[no-untyped-def]
        gate = _gate()
        if gate is not None:
            gate()
        if connection.get_execution_options().get(READS_ONLY):
            # A snapshot of the file as it is (WAL): writers, in this process or another, go on.
            connection.exec_driver_sql("BEGIN")
            return
        dbapi_connection = connection.connection.dbapi_connection
        dbapi_connection.take_write_lock(background=gate is not None)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            dbapi_connection.release_write_lock()
            raise


@contextmanager
def bulk_connection(engine: Engine) -> Iterator[Connection]:
    """A connection of its own for a run of large write transactions, each begun on it.

    On SQLite its page cache holds every page a transaction changes: the default cache spills
    changed pages to the log mid-transaction, and the commit writes them again. It is closed
    afterwards, never pooled with that cache.
    """
    with engine.connect() as connection:
        if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
            yield connection
            return
        raw = connection.connection.dbapi_connection
        assert raw is not None
        raw.execute(f"PRAGMA cache_size = -{SQLITE_BULK_CACHE_KIB}")
        try:
            yield connection
        finally:
            connection.invalidate()


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create the one engine a process uses."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            parsed,
            echo=echo,
            hide_parameters=True,
            json_serializer=json_text,
            connect_args={
                "check_same_thread": False,
                "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
                "factory": SerializedConnection,
            },
            **(
                {"pool_size": SQLITE_POOL_SIZE, "max_overflow": SQLITE_POOL_OVERFLOW}
                if parsed.database not in (None, "", ":memory:")
                else {}
            ),
        )
        _configure_sqlite(engine)
        return engine
    # hide_parameters: a failed statement's message never carries a lead's email or phone.
    engine = create_engine(
        parsed,
        echo=echo,
        hide_parameters=True,
        json_serializer=json_bytes,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # The server compiles any statement it costs above `jit_above_cost` to machine code first:
        # a tick's read of a thousand reps' leads spent half a second compiling each time, for a
        # statement that runs in less. None of the bot's statements runs long enough to repay it.
        # Instants come back in the session's time zone: in UTC, the driver's are already the UTC
        # datetimes the models give, so the reads of a million leads can take them as they are.
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET jit = off")
            cursor.execute("SET TIME ZONE 'UTC'")
        dbapi_connection.commit()

    @event.listens_for(engine, "begin")
    def _on_begin(_connection):  # type: ignore[no-untyped-def]
        gate = _gate()
        if gate is not None:
            gate()

    return engine


def read_only_engine(engine: Engine) -> Engine:
    """`engine` for transactions that only read (see `READS_ONLY`); the same pool and settings."""
    return engine.execution_options(**{READS_ONLY: True})


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded values after commit, so services can return plain data."""
    return sessionmaker(engine, expire_on_commit=False)


def ping(engine: Engine) -> bool:
    """True when the database answers a trivial query."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


def insert_if_missing(
    session: Session, model: type, *, conflict_on: list[str], values: dict[str, Any]
) -> bool:
    """INSERT … ON CONFLICT DO NOTHING: True when the row was added, False when one was already there.

    Two transactions creating the same row at once (two replicas, two first requests from one user)
    then both succeed instead of one failing on the unique key.
    """
    dialect = session.get_bind().dialect.name
    statement: Insert
    if dialect == "postgresql":
        statement = (
            pg_insert(model).values(**values).on_conflict_do_nothing(index_elements=conflict_on)
        )
    elif dialect == "sqlite":
        statement = (
            sqlite_insert(model).values(**values).on_conflict_do_nothing(index_elements=conflict_on)
        )
    else:
        statement = insert(model).values(**values)
    key = inspect(model).primary_key[0]
    # rowcount is -1 under psycopg 3 here; a returned key is the reliable sign a row was added.
    return session.execute(statement.returning(key)).first() is not None
