"""`pipebot run --mode socket` as an operator runs it: over the fake's Socket Mode WebSocket."""

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from urllib.parse import parse_qsl

import pytest
from sqlalchemy import select

from bot.models import Lead
from tests.fakeslack import RESPONSE_URL, FakeSlack
from tests.slackkit import app_home_opened_event, command_body, event_body
from tests.support import BOT_TOKEN, SIGNING_SECRET, app_env

REP = "UREP00001"
APP_TOKEN = "xapp-1-A0001-1-test"


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(rate_limits=False) as fake:
        fake.add_user(REP, name="dana", tz="America/New_York")
        yield fake


def _start(db_url: str, slack: FakeSlack) -> subprocess.Popen[str]:
    env = {**os.environ, **app_env(db_url, SLACK_API_URL=slack.base_url, SLACK_APP_TOKEN=APP_TOKEN,
                                   PIPEBOT_SCHEDULER="off")}  # fmt: skip
    env.pop("PIPEBOT_CONFIG", None)
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run", "--mode", "socket"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def _stop(process: subprocess.Popen[str]) -> str:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate(timeout=10)
        raise AssertionError(f"pipebot did not stop on SIGTERM:\n{output}") from None
    return output


def test_run_socket_mode_serves_commands_and_events_and_stops_on_sigterm(
    deps, db_url: str, slack: FakeSlack
) -> None:
    socket_mode = slack.socket_mode()
    process = _start(db_url, slack)
    try:
        socket_mode.wait_for_connection(timeout=60)
        assert slack.last("apps.connections.open").ok

        command = dict(parse_qsl(command_body(
            "/lead", "Initech $3k", user_id=REP, response_url=slack.new_response_url(channel_id="C0001", user_id=REP),
            trigger_id=slack.issue_trigger_id(),
        )))  # fmt: skip
        envelope_id = socket_mode.push("slash_commands", command)
        socket_mode.wait_for_ack(envelope_id, timeout=3)
        slack.wait_for(RESPONSE_URL, 1, timeout=30)
        assert "Created lead #1" in slack.responses()[-1].args["text"]
        with deps.session_factory() as session:
            assert [lead.company for lead in session.scalars(select(Lead))] == ["Initech"]
        slack.wait_for("views.publish", 1, timeout=30)  # the creation refreshes the rep's Home

        # The rep is settled now: `/touch #1 …` is answered in the ack's payload.
        touch = dict(parse_qsl(command_body(
            "/touch", "#1 call Spoke with the CFO", user_id=REP,
            response_url=slack.new_response_url(channel_id="C0001", user_id=REP),
        )))  # fmt: skip
        acked = socket_mode.wait_for_ack(socket_mode.push("slash_commands", touch), timeout=3)
        assert acked.payload is not None and acked.payload["response_type"] == "ephemeral"
        assert "Logged a call" in acked.payload["text"]
        assert len(slack.responses()) == 1

        payload = json.loads(event_body(app_home_opened_event(REP), event_id="EvSOCKET0001"))
        first = socket_mode.push("events_api", payload)
        socket_mode.wait_for_ack(first, timeout=3)
        slack.wait_for("views.publish", 2, timeout=30)
        retry = socket_mode.push("events_api", payload, retry_attempt=1, retry_reason="timeout")
        socket_mode.wait_for_ack(retry, timeout=3)
    finally:
        output = _stop(process)
    assert process.returncode == 0, output
    # The retry's listener was queued before its ack, and the process drains queued listeners
    # before it exits: only now is "published once" certain.
    assert len(slack.calls("views.publish")) == 2, output
    for secret in (APP_TOKEN, BOT_TOKEN, SIGNING_SECRET):
        assert secret not in output
