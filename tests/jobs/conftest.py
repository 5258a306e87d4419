"""Fixtures for job tests: deps with config overrides, a quick transaction helper, a rep and the outbox."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.deps import Deps
from tests import support
from tests.jobs.factories import Sent, add_rep, outbox

MakeDeps = Callable[..., Deps]
Queued = Callable[..., list[Sent]]

# The rep most job tests are about: active, in New York, on the team's schedule.
REP = "UNY000001"


@pytest.fixture
def make_deps(engine: Engine, db_url: str, clock: support.TestClock, tmp_path: Path) -> MakeDeps:
    """Deps on the test database with environment overrides, and optionally a pipeline file's text."""

    def build(pipeline_toml: str | None = None, **env: str) -> Deps:
        if pipeline_toml is not None:
            path = tmp_path / "pipeline.toml"
            path.write_text(pipeline_toml, encoding="utf-8")
            env["PIPEBOT_CONFIG"] = str(path)
        return support.make_deps(engine, support.make_config(db_url, **env), clock)

    return build


@pytest.fixture
def db(deps: Deps) -> Callable[[], AbstractContextManager[Session]]:
    """`with db() as session:` — one committed transaction."""

    def begin() -> AbstractContextManager[Session]:
        return deps.session_factory.begin()

    return begin


@pytest.fixture
def rep(db: Callable[[], AbstractContextManager[Session]]) -> str:
    """The id of one rep on the team's schedule in New York, already stored."""
    with db() as session:
        return add_rep(session, REP)


@pytest.fixture
def queued(db: Callable[[], AbstractContextManager[Session]]) -> Queued:
    """`queued(kind)`: the outbox in order, only that kind's messages when given."""

    def read(kind: str | None = None) -> list[Sent]:
        with db() as session:
            return outbox(session, kind=kind)

    return read


@pytest.fixture(autouse=True)
def no_wall_clock() -> Iterator[None]:
    """Freeze the wall clock far in the past, so a job that reads it instead of `now` sends nothing and fails."""
    import time_machine

    with time_machine.travel("2001-01-01T00:00:00Z", tick=False):
        yield
