"""Fixtures: every database test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.db import make_engine
from bot.deps import Deps
from bot.migrate import upgrade
from tests import support

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return support.migrated_sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine]:
    url = support.run_pg_url()
    problem = support.postgres_problem(url)
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must test PostgreSQL: {problem}")
        pytest.skip(problem)
    engine = make_engine(url)
    upgrade(engine)
    yield engine
    engine.dispose()
    support.drop_database(url)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database of the current backend."""
    if backend == "sqlite":
        return support.fresh_sqlite(request.getfixturevalue("sqlite_template"), tmp_path)
    engine: Engine = request.getfixturevalue("postgres_engine")
    support.reset_postgres(engine)
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> support.TestClock:
    return support.TestClock()


@pytest.fixture
def deps(engine: Engine, db_url: str, clock: support.TestClock) -> Deps:
    return support.make_deps(engine, support.make_config(db_url), clock)


@pytest.fixture(autouse=True)
def no_secrets_in_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Every test doubles as a check that no token or signing secret reaches a log line."""
    caplog.set_level(logging.INFO)
    yield
    text = caplog.text
    for secret in (support.BOT_TOKEN, support.SIGNING_SECRET):
        assert secret not in text, "a secret reached the logs"
