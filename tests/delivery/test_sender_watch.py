"""What the sender tells the operator: failures counted by kind and reason, each row's log lines,
a heartbeat, and a pause that leaves every row pending once the app loses its token."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable

import pytest

from bot.clock import SystemClock
from bot.deps import Deps
from bot.metrics import Metrics
from bot.slack.sender import SenderThread, deliver
from bot.watch import Heartbeat, SlackAccess
from tests.delivery.conftest import USERS, FakeSleep
from tests.delivery.helpers import add, rows
from tests.fakeslack import FakeSlack
from tests.jsonlogs import json_logs


def sample(metrics: Metrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


def test_a_notification_given_up_is_counted_by_kind_and_reason_and_each_slack_error_by_method(
    sdeps: Deps, fake: FakeSlack, sleep: FakeSleep
) -> None:
    add(sdeps, "k1", USERS[0])
    add(sdeps, "k2", USERS[1])
    fake.fail_next("chat.postMessage", error="channel_not_found")
    fake.fail_next("chat.postMessage", status=503)
    metrics = Metrics()

    report = deliver(sdeps, owner="a", sleep=sleep, metrics=metrics)

    assert (report.failed, report.retried) == (1, 1)
    assert sample(metrics, "pipebot_notifications_failed_total", kind="test",
                  reason="channel_not_found") == 1  # fmt: skip
    # A transient error is retried, so nothing has failed for it yet; Slack's error still counts.
    assert (
        sample(metrics, "pipebot_notifications_failed_total", kind="test", reason="http_503")
        is None
    )
    assert sample(metrics, "pipebot_slack_api_errors_total", method="chat.postMessage",
                  error="channel_not_found") == 1  # fmt: skip
    assert sample(metrics, "pipebot_slack_api_errors_total", method="chat.postMessage",
                  error="http_503") == 1  # fmt: skip


def test_each_rows_log_lines_carry_its_notification_id(
    sdeps: Deps, fake: FakeSlack, sleep: FakeSleep
) -> None:
    add(sdeps, "k1", USERS[0])
    fake.fail_next("chat.postMessage", error="user_not_found")
    with json_logs() as lines:
        deliver(sdeps, owner="a", sleep=sleep)
    row = rows(sdeps)["k1"]
    [line] = lines.matching("failed: user_not_found")
    assert line["notification_id"] == str(row.id) and line["level"] == "WARNING"


@pytest.fixture
def live_deps(sdeps: Deps) -> Deps:
    """The sender thread waits in real time, so it needs a clock that moves."""
    return dataclasses.replace(sdeps, clock=SystemClock())


def run_sender(
    deps: Deps,
    access: SlackAccess,
    heartbeat: Heartbeat,
    seconds: float,
    until: Callable[[], bool] = lambda: False,
) -> None:
    """Run the sender thread for `seconds`, or on until `until()` holds (10 s at most)."""
    stop = threading.Event()
    thread = SenderThread(deps, stop, heartbeat=heartbeat, access=access, wake_seconds=0.2)
    thread.start()
    time.sleep(seconds)
    deadline = time.monotonic() + 10
    while not until() and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()


def test_once_access_closes_the_sender_pauses_leaving_rows_pending_and_says_why(
    live_deps: Deps, fake: FakeSlack
) -> None:
    add(live_deps, "k1", USERS[0])
    access, heartbeat = SlackAccess(), Heartbeat()
    access.close("the app was uninstalled from the workspace (app_uninstalled); sending paused")
    with json_logs() as lines:
        run_sender(live_deps, access, heartbeat, seconds=1.0)
    assert fake.calls("chat.postMessage") == []
    assert rows(live_deps)["k1"].status == "pending"
    [line] = lines.matching("sending paused")  # said once, not on every wake-up
    assert line["level"] == "ERROR" and "1 notifications stay pending" in line["message"]
    assert "app_uninstalled" in line["message"]
    assert heartbeat.age() < 1.0  # paused, yet alive


def test_a_token_slack_refuses_closes_access_for_good(live_deps: Deps, fake: FakeSlack) -> None:
    add(live_deps, "k1", USERS[0])
    add(live_deps, "k2", USERS[1])
    fake.fail_next("chat.postMessage", error="token_revoked")
    access = SlackAccess()
    run_sender(live_deps, access, Heartbeat(), seconds=1.5)
    assert access.closed_because == "Slack refused the bot token (token_revoked)"
    assert len(fake.calls("chat.postMessage")) == 1  # no retry every wake-up
    assert {row.status for row in rows(live_deps).values()} == {"pending"}


def test_a_missing_scope_halts_a_pass_but_does_not_close_access(
    live_deps: Deps, fake: FakeSlack
) -> None:
    add(live_deps, "k1", USERS[0])
    fake.fail_next("chat.postMessage", error="missing_scope")
    access = SlackAccess()
    run_sender(live_deps, access, Heartbeat(), seconds=0.5,
               until=lambda: rows(live_deps)["k1"].status == "sent")  # fmt: skip
    assert not access.is_closed  # a reinstall with the scope fixes it without a new token
    assert rows(live_deps)["k1"].status == "sent"
