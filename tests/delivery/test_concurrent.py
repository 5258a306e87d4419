"""Two sender processes on one outbox (SQLite file or PostgreSQL): every key reaches Slack exactly once, even when one is killed."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.clock import SystemClock
from bot.deps import Deps
from bot.models import Notification
from tests.delivery.helpers import add, rows, stored_keys
from tests.delivery.workers import SENDER_HEADER, run_sender
from tests.fakeslack import FakeSlack

ROWS = 200
RECIPIENTS = [f"U{n:05d}LOAD" for n in range(ROWS)]
SPAWN = multiprocessing.get_context("spawn")
# 100 posts a second each: the two runs overlap despite staggered start-ups, and a kill lands mid-batch.
PACED = {"budget_per_minute": 6000}


@pytest.fixture
def live_fake() -> Iterator[FakeSlack]:
    """The fake on real clocks with its limits off: these tests are about duplicates, not pacing."""
    with FakeSlack(rate_limits=False) as running:
        for user in RECIPIENTS:
            running.add_user(user)
        yield running


def _fill(deps: Deps) -> None:
    """Queue the rows on the real clock the sender processes run on."""
    real = deps.with_clock(SystemClock())
    for n, user in enumerate(RECIPIENTS):
        add(real, f"load:{n}", user)


def _posts_by(fake: FakeSlack, name: str) -> int:
    return sum(
        1 for c in fake.calls("chat.postMessage") if c.headers.get(SENDER_HEADER.lower()) == name
    )


def _wait(condition: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def _assert_exactly_once(deps: Deps, fake: FakeSlack) -> None:
    expected = {f"load:{n}": 1 for n in range(ROWS)}
    assert stored_keys(fake, RECIPIENTS) == expected
    accepted = [c for c in fake.calls("chat.postMessage") if c.ok or c.status == 0]
    assert len(accepted) == ROWS
    assert {row.status for row in rows(deps).values()} == {"sent"}


def test_two_processes_drain_the_outbox_exactly_once(
    deps: Deps, db_url: str, live_fake: FakeSlack
) -> None:
    _fill(deps)
    results = SPAWN.Queue()
    together = {**PACED, "start_together": SPAWN.Barrier(2)}
    senders = [
        SPAWN.Process(
            target=run_sender, args=(db_url, live_fake.base_url, name, results), kwargs=together
        )
        for name in "AB"
    ]
    for process in senders:
        process.start()
    reports = [results.get(timeout=60) for _ in senders]
    for process in senders:
        process.join(timeout=10)

    assert all(pending == 0 for _, _, pending in reports)
    assert sum(report["sent"] + report["reconciled"] for _, report, _ in reports) == ROWS
    assert all(report["sent"] > 0 for _, report, _ in reports), (
        "both senders should have taken part"
    )
    _assert_exactly_once(deps, live_fake)


def test_a_sender_killed_mid_run_is_finished_by_the_survivor_exactly_once(
    deps: Deps, db_url: str, live_fake: FakeSlack
) -> None:
    _fill(deps)
    results = SPAWN.Queue()
    victim = SPAWN.Process(
        target=run_sender, args=(db_url, live_fake.base_url, "A", results), kwargs=PACED
    )
    survivor = SPAWN.Process(
        target=run_sender, args=(db_url, live_fake.base_url, "B", results), kwargs=PACED
    )
    victim.start()
    survivor.start()
    try:
        assert _wait(lambda: _posts_by(live_fake, "A") >= 20, timeout=30), (
            "sender A never got going"
        )
        victim.kill()
        victim.join(timeout=10)
        with deps.session_factory() as session:
            orphaned = session.scalar(
                select(func.count()).where(
                    Notification.status == "sending", Notification.lease_owner.like("A:%")
                )
            )
        name, report, pending = results.get(timeout=60)
        survivor.join(timeout=10)
    finally:
        for process in (victim, survivor):
            if process.is_alive():
                process.kill()

    assert victim.exitcode == -9 and name == "B" and pending == 0
    assert orphaned, "the kill should leave leased rows behind for the survivor to take over"
    assert _posts_by(live_fake, "A") + report["sent"] == ROWS
    _assert_exactly_once(deps, live_fake)
