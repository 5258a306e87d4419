"""Engines and sessions: SQLite in WAL with immediate write transactions, PostgreSQL via psycopg 3."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, Insert, create_engine, event, insert, inspect, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 5000


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
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):  # type: ignore[no-untyped-def]
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create the one engine a process uses."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            parsed,
            echo=echo,
            hide_parameters=True,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
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
