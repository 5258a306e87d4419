"""`deliver_until_settled` for `pipebot jobs run`, and the background sender of `pipebot run`."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from bot.clock import FixedClock
from bot.deps import Deps
from bot.services.outbox import failed_since, pending_count
from bot.slack.sender import FrozenClockError, SenderOptions, deliver_until_settled, start_sender
from tests.delivery.conftest import USERS, FakeSleep
from tests.delivery.helpers import add, posted_keys
from tests.fakeslack import FakeSlack


def test_settles_when_every_row_of_the_run_is_sent_or_failed(
    sdeps: Deps, fake: FakeSlack, sleep: FakeSleep
) -> None:
    add(sdeps, "old-failure", "U9999NOBODY")
    deliver_until_settled(sdeps, owner="job", deadline_seconds=10, sleep=sleep)
    sleep.clock.advance(timedelta(hours=1))
    since = sdeps.clock.now()
    add(sdeps, "flaky", USERS[0])
    add(sdeps, "fine", USERS[1])
    add(sdeps, "gone", "U9999NOBODY")
    fake.fail_next("chat.postMessage", status=500, times=1)

    result = deliver_until_settled(
        sdeps, owner="job", deadline_seconds=120, since=since, sleep=sleep
    )

    assert result.pending == 0 and not result.ok
    assert [(f.recipient, f.error) for f in result.failed] == [("U9999NOBODY", "channel_not_found")]
    assert (result.delivery.sent, result.delivery.failed, result.delivery.retried) == (2, 1, 1)
    assert posted_keys(fake) == {"flaky": 1, "fine": 1}
    with sdeps.session_factory() as session:
        assert pending_count(session, since=since) == 0
        assert [f.id for f in failed_since(session, since)] == [f.id for f in result.failed]


def test_returns_at_the_deadline_with_rows_still_pending(
    sdeps: Deps, fake: FakeSlack, sleep: FakeSleep
) -> None:
    since = sdeps.clock.now()
    add(sdeps, "stuck", USERS[0])
    fake.fail_next("chat.postMessage", status=503, times=100)
    started = sdeps.clock.now()

    result = deliver_until_settled(
        sdeps, owner="job", deadline_seconds=20, since=since, sleep=sleep
    )

    assert result.pending == 1 and not result.ok
    assert sdeps.clock.now() - started <= timedelta(seconds=20)
    assert result.delivery.retried >= 3


def test_an_all_sent_run_is_ok(sdeps: Deps, fake: FakeSlack, sleep: FakeSleep) -> None:
    since = sdeps.clock.now()
    for n in range(3):
        add(sdeps, f"k{n}", USERS[n])
    result = deliver_until_settled(
        sdeps, owner="job", deadline_seconds=60, since=since, sleep=sleep
    )
    assert result.ok and result.delivery.sent == 3


def test_background_sender_wakes_on_notify_and_stops_on_the_event(
    sdeps: Deps, fake: FakeSlack
) -> None:
    stop = threading.Event()
    # A long nap proves the wake-up came from notify(), not from the timer.
    thread = start_sender(sdeps, stop, options=SenderOptions(poll_seconds=0.05))
    thread.wake_seconds = 30
    try:
        for n in range(3):
            add(sdeps, f"k{n}", USERS[n])
        thread.notify()
        fake.wait_for("chat.postMessage", 3, timeout=5)
    finally:
        stop.set()
        thread.join(timeout=5)
    assert not thread.is_alive()
    assert posted_keys(fake) == {"k0": 1, "k1": 1, "k2": 1}


def test_a_fixed_clock_is_refused_instead_of_spinning(sdeps: Deps, fake: FakeSlack) -> None:
    fixed = sdeps.with_clock(FixedClock(sdeps.clock.now()))
    add(fixed, "k", USERS[0])
    fake.fail_next("chat.postMessage", status=503)

    with pytest.raises(FrozenClockError):
        deliver_until_settled(fixed, owner="job", deadline_seconds=60, sleep=lambda seconds: None)
