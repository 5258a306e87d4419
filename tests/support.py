"""Shared test helpers: a settable clock, test configs, and databases built by migrating."""

from __future__ import annotations

import dataclasses
import os
import shutil
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, create_engine, text

from bot.config import Config, load_config, load_pipeline
from bot.db import make_engine, make_session_factory, normalize_url
from bot.deps import Deps
from bot.migrate import upgrade
from bot.models import Base

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-test-token"
DEFAULT_PG_URL = "postgresql+psycopg:///pipebot_test"


@dataclass
class TestClock:
    """A clock tests move by hand; thread-safe so listeners can read it."""

    __test__ = False

    at: datetime = field(default_factory=lambda: datetime(2026, 11, 30, 14, 0, tzinfo=UTC))
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def now(self) -> datetime:
        with self._lock:
            return self.at

    def set(self, at: datetime) -> None:
        with self._lock:
            self.at = at.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self.at += delta


def app_env(database_url: str, **overrides: str) -> dict[str, str]:
    env = {
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "PIPEBOT_TIMEZONE": "America/New_York",
        "PIPEBOT_MANAGERS": "UMANAGER1",
        "PIPEBOT_MANAGERS_CHANNEL": "CMANAGERS",
        "PIPEBOT_SCHEDULER": "off",
    }
    env.update(overrides)
    return env


def make_config(database_url: str, **overrides: str) -> Config:
    return load_config(app_env(database_url, **overrides))


def make_deps(engine: Engine, config: Config, clock: TestClock) -> Deps:
    """Deps on the test clock; the fake Slack stamps messages with the same clock."""
    return Deps(
        config=config,
        engine=engine,
        session_factory=make_session_factory(engine),
        clock=clock,
        slack_clock=clock,
    )


def with_pipeline(deps: Deps, toml: str, directory: Path) -> Deps:
    """The same deps on a pipeline.toml of the test's own."""
    path = directory / "pipeline.toml"
    path.write_text(toml, encoding="utf-8")
    config = deps.config.model_copy(update={"pipeline": load_pipeline(path), "pipeline_path": path})
    return dataclasses.replace(deps, config=config)


def pg_url() -> str:
    """The PostgreSQL server and base database tests use (PIPEBOT_TEST_PG_URL)."""
    return os.environ.get("PIPEBOT_TEST_PG_URL", DEFAULT_PG_URL)


def run_pg_url() -> str:
    """A database of this test run's own, so runs in parallel never empty each other's tables."""
    url = normalize_url(pg_url())
    return url.set(database=f"{url.database}_{os.getpid()}").render_as_string(hide_password=False)


def postgres_problem(url: str) -> str | None:
    """None when PostgreSQL at `url` is reachable (creating its database if needed), else why not."""
    parsed = normalize_url(url)
    try:
        admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": parsed.database}
            ).scalar()
            if not exists:
                connection.exec_driver_sql(f'CREATE DATABASE "{parsed.database}"')
        admin.dispose()
        return None
    except Exception as exc:  # any failure to reach it is a reason to skip off CI
        return f"PostgreSQL not reachable at {parsed.render_as_string(hide_password=True)}: {type(exc).__name__}"


def drop_database(url: str) -> None:
    parsed = normalize_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
    admin.dispose()


def reset_postgres(engine: Engine) -> None:
    """Empty every table, so each test starts from a migrated, empty schema."""
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


def migrated_sqlite_template(directory: Path) -> Path:
    path = directory / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


def fresh_sqlite(template: Path, directory: Path) -> str:
    target = directory / "pipebot.db"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"
