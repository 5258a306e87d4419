"""Fixtures for the sender: the fake Slack on loopback, driven by the test clock, and a sleep that only moves it."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta

import pytest
from slack_sdk import WebClient

from bot.deps import Deps
from tests.fakeslack import FakeSlack
from tests.support import BOT_TOKEN, TestClock

USERS = tuple(f"U{n:04d}TEST" for n in range(1, 21))


class FakeSleep:
    """Advances the test clock instead of sleeping, and remembers every wait."""

    def __init__(self, clock: TestClock) -> None:
        self.clock = clock
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.clock.advance(timedelta(seconds=max(0.0, seconds)))

    @property
    def total(self) -> float:
        return sum(self.waits)


@pytest.fixture
def fake(clock: TestClock) -> Iterator[FakeSlack]:
    """The fake Slack on the test clock, without its own rate limits unless a test adds them."""
    now = lambda: clock.now().timestamp()  # noqa: E731
    with FakeSlack(rate_limits=False, clock=now, wall_clock=now) as running:
        for user in USERS:
            running.add_user(user)
        yield running


@pytest.fixture
def sleep(clock: TestClock) -> FakeSleep:
    return FakeSleep(clock)


@pytest.fixture
def sdeps(deps: Deps, fake: FakeSlack) -> Deps:
    """Deps whose Slack client talks to the fake."""
    return dataclasses.replace(deps, slack=WebClient(token=BOT_TOKEN, base_url=fake.base_url))
