"""Engines and sessions: SQLite in WAL with immediate write transactions, PostgreSQL via psycopg 3.

SQLite lets one transaction write at a time. Between processes, `BEGIN IMMEDIATE` and the busy
timeout settle who goes next; within one process, threads queue on a lock for the database file
instead, so a waiting writer starts the moment the last one commits rather than when SQLite's
busy handler next wakes from its sleep.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from typing import Any

from sqlalchemy import Engine, Insert, create_engine, event, exc, insert, inspect, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 5000
# Pooled SQLite connections are cheap, and every listener thread at work may hold one while it
# queues for the write lock: a pool smaller than that would make them queue twice.
SQLITE_POOL_SIZE = 16
SQLITE_POOL_OVERFLOW = 48

_write_locks: dict[str, threading.Lock] = {}
_write_locks_guard = threading.Lock()


def sqlite_write_lock(database: str) -> threading.Lock:
    """The one lock this process's transactions on a SQLite file take, whichever engine they use."""
    key = os.path.realpath(database)
    with _write_locks_guard:
        return _write_locks.setdefault(key, threading.Lock())


class SerializedConnection(sqlite3.Connection):
    """A SQLite connection whose transactions hold the process's lock for its file until they end."""

    write_lock: threading.Lock | None = None
    holds_write_lock = False

    def take_write_lock(self) -> None:
        """Queue behind this process's other writers, as long as SQLite's busy timeout allows."""
        lock = self.write_lock
        if lock is None or self.holds_write_lock:
            return
        if not lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
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
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):  # type: ignore[no-untyped-def]
        dbapi_connection = connection.connection.dbapi_connection
        dbapi_connection.take_write_lock()
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            dbapi_connection.release_write_lock()
            raise


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create the one engine a process uses."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            parsed,
            echo=echo,
            hide_parameters=True,
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
    return create_engine(
        parsed,
        echo=echo,
        hide_parameters=True,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
    )


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
