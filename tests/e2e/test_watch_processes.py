"""Watching a running pipebot, as an operator does: real `pipebot run` processes in both modes.

Each test starts pipebot against the fake Slack and a real database, then reads `/livez`,
`/readyz`, `/healthz` and `/metrics` over HTTP and parses its JSON log lines.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from bot.models import Notification, Rep
from bot.services import reps
from bot.services.outbox import enqueue
from bot.slack.kit import SlackMessage
from tests.fakeslack import FakeSlack
from tests.slackkit import SlackSender, event_body
from tests.support import BOT_TOKEN, SIGNING_SECRET, app_env

REP = "UREP00001"
APP_TOKEN = "xapp-1-A0001-1-test"


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(rate_limits=False) as fake:
        fake.add_user(REP, name="dana", tz="America/New_York")
        yield fake


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Running:
    """One `pipebot run` process and what it printed."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.output = ""

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.output, _ = self.process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.output, _ = self.process.communicate(timeout=10)
            raise AssertionError(f"pipebot did not stop on SIGTERM:\n{self.output}") from None
        return self.output


def start(db_url: str, slack: FakeSlack, mode: str, **env: str) -> Running:
    environment = {**os.environ, **app_env(db_url, SLACK_API_URL=slack.base_url, **env)}
    environment.pop("PIPEBOT_CONFIG", None)
    if mode == "socket":
        environment["SLACK_APP_TOKEN"] = APP_TOKEN
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run", "--mode", mode, "--host", "127.0.0.1"],
        env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    return Running(process)


def client() -> httpx.Client:
    # Retries cover the moments before the process listens.
    return httpx.Client(transport=httpx.HTTPTransport(retries=60), timeout=30)


def metric(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in Prometheus text, or None when it is absent."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return None


def eventually(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)


def queue_notification(deps, key: str, recipient: str = REP) -> int:
    with deps.session_factory.begin() as session:
        enqueue(session, key=key, kind="test", recipient=recipient, message=SlackMessage("hi"),
                now=datetime.now(UTC))  # fmt: skip
        return session.scalar(select(Notification.id).where(Notification.idempotency_key == key))


def status_of(deps, notification_id: int) -> str:
    with deps.session_factory() as session:
        return session.get(Notification, notification_id).status


def user_change_event(user_id: str, *, tz: str, deleted: bool = False) -> dict:
    """The inner `user_change` event, shaped as in Slack's reference (docs.slack.dev/reference/events/user_change)."""
    return {
        "type": "user_change",
        "user": {
            "id": user_id,
            "team_id": "T0001",
            "name": "dana",
            "deleted": deleted,
            "real_name": "Dana Scully",
            "tz": tz,
            "tz_label": "Pacific Standard Time",
            "tz_offset": -28800,
            "profile": {"real_name": "Dana Scully", "display_name": "dana.s"},
            "is_bot": False,
        },
        "cache_ts": 1764600000,
        "event_ts": "1764600000.000100",
    }


def test_socket_mode_serves_health_and_metrics_on_port_and_pauses_when_uninstalled(
    deps, db_url: str, slack: FakeSlack
) -> None:
    socket_mode = slack.socket_mode()
    port = free_port()
    running = start(db_url, slack, "socket", PORT=str(port), PIPEBOT_SCHEDULER="on")
    base = f"http://127.0.0.1:{port}"
    try:
        with client() as http:
            assert http.get(base + "/livez").json() == {"status": "ok"}
            socket_mode.wait_for_connection(timeout=60)
            ready = http.get(base + "/readyz")
            assert ready.status_code == 200, ready.text
            assert ready.json() == {
                "status": "ok",
                "checks": {"database": "ok", "slack": "ok", "sender": "ok", "scheduler": "ok"},
            }
            assert http.get(base + "/healthz").json() == {"status": "ok"}
            text = http.get(base + "/metrics").text
            assert metric(text, "pipebot_build_info", version=_version()) == 1
            assert metric(text, "process_cpu_seconds_total") is not None
            assert metric(text, "pipebot_sending_paused") == 0
            assert metric(text, "pipebot_outbox_backlog") == 0

            payload = json.loads(event_body({"type": "app_uninstalled"}, event_id="EvUNINST01"))
            socket_mode.wait_for_ack(socket_mode.push("events_api", payload), timeout=3)
            eventually(lambda: http.get(base + "/readyz").status_code == 503)
            ready = http.get(base + "/readyz").json()
            assert ready["checks"]["slack"].startswith("the app was uninstalled")
            assert ready["status"] == ready["checks"]["slack"]
            assert http.get(base + "/healthz").json() == {"status": ready["status"]}
            assert http.get(base + "/livez").status_code == 200  # alive, just not ready

            held = queue_notification(deps, "after-uninstall")
            time.sleep(3)  # longer than the sender's wake-up interval
            assert status_of(deps, held) == "pending"
            text = http.get(base + "/metrics").text
            assert metric(text, "pipebot_sending_paused") == 1
            assert metric(text, "pipebot_outbox_backlog") == 1
            assert metric(text, "pipebot_outbox_oldest_pending_age_seconds") >= 2
    finally:
        output = running.stop()
    assert running.process.returncode == 0, output
    assert slack.calls("chat.postMessage") == []
    assert "the app was uninstalled from the workspace" in output
    # The count is the backlog when the sender first saw the uninstall: before or after the
    # notification above was queued, whichever its wake-up came to first.
    assert re.search(r"sending paused: .*; [01] notifications stay pending", output), output
    for secret in (APP_TOKEN, BOT_TOKEN, SIGNING_SECRET):
        assert secret not in output


def test_socket_mode_serves_them_on_metrics_port_when_set(
    deps, db_url: str, slack: FakeSlack
) -> None:
    slack.socket_mode()
    port, metrics_port = free_port(), free_port()
    running = start(db_url, slack, "socket", PORT=str(port), METRICS_PORT=str(metrics_port))
    try:
        with client() as http:
            ready = http.get(f"http://127.0.0.1:{metrics_port}/readyz")
            assert ready.status_code == 200 and "scheduler" not in ready.json()["checks"]
            assert (
                "pipebot_outbox_backlog"
                in http.get(f"http://127.0.0.1:{metrics_port}/metrics").text
            )
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
    finally:
        output = running.stop()
    assert running.process.returncode == 0, output


def test_http_mode_counts_failures_and_logs_json_with_context(
    deps, db_url: str, slack: FakeSlack
) -> None:
    with deps.session_factory.begin() as session:
        reps.ensure_rep(session, user_id=REP, now=datetime.now(UTC))
    port = free_port()
    running = start(db_url, slack, "http", PORT=str(port), LOG_FORMAT="json")
    base = f"http://127.0.0.1:{port}"
    try:
        with client() as http:
            ready = http.get(base + "/readyz", headers={"x-request-id": "probe-42"})
            assert ready.status_code == 200 and ready.headers["x-request-id"] == "probe-42"
            assert ready.json()["checks"] == {"database": "ok", "slack": "ok", "sender": "ok"}

            slack.fail_next("chat.postMessage", error="channel_not_found")
            failed = queue_notification(deps, "doomed", recipient="CGONE0001")
            eventually(lambda: status_of(deps, failed) == "failed")
            text = http.get(base + "/metrics").text
            assert metric(text, "pipebot_notifications_failed_total", kind="test",
                          reason="channel_not_found") == 1  # fmt: skip
            assert metric(text, "pipebot_slack_api_errors_total", method="chat.postMessage",
                          error="channel_not_found") == 1  # fmt: skip
            assert metric(text, "pipebot_notifications_total", outcome="failed") == 1
            assert metric(text, "pipebot_outbox_backlog") == 0
            assert metric(text, "pipebot_database_up") == 1

        with SlackSender(base, SIGNING_SECRET, issuer=slack) as sender:
            reply = sender.event(user_change_event(REP, tz="America/Los_Angeles"))
            assert reply.status == 200
        eventually(lambda: _tz(deps, REP) == "America/Los_Angeles")
    finally:
        output = running.stop()
    assert running.process.returncode == 0, output
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    [failure] = [
        line for line in lines if line["message"].startswith(f"notification {failed} failed")
    ]
    assert failure["notification_id"] == str(failed) and failure["level"] == "WARNING"
    [change] = [line for line in lines if "changed their Slack profile" in line["message"]]
    assert change["user"] == REP and change["event"] == "user_change"
    assert len(change["request_id"]) == 16
    assert BOT_TOKEN not in output and SIGNING_SECRET not in output


def test_http_mode_moves_metrics_to_metrics_port(deps, db_url: str, slack: FakeSlack) -> None:
    port, metrics_port = free_port(), free_port()
    running = start(db_url, slack, "http", PORT=str(port), METRICS_PORT=str(metrics_port))
    try:
        with client() as http:
            assert http.get(f"http://127.0.0.1:{port}/healthz").json() == {"status": "ok"}
            assert http.get(f"http://127.0.0.1:{port}/metrics").status_code == 404
            assert http.get(f"http://127.0.0.1:{metrics_port}/healthz").status_code == 200
            scraped = http.get(f"http://127.0.0.1:{metrics_port}/metrics")
            assert scraped.status_code == 200 and "pipebot_build_info" in scraped.text
    finally:
        output = running.stop()
    assert running.process.returncode == 0, output


def _tz(deps, user_id: str) -> str | None:
    with deps.session_factory() as session:
        return session.get(Rep, user_id).tz


def _version() -> str:
    from bot.cli import version

    return version()
