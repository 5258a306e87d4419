"""End-to-end fixtures: signed requests to the running app, against the fake Slack."""

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from tests import support
from tests.e2e.live import Live, running_app


@pytest.fixture
def live(engine: Engine, db_url: str, clock: support.TestClock) -> Iterator[Live]:
    with running_app(engine, db_url, clock) as app:
        yield app
