"""pipebot as an operator runs it: real processes against the fake Slack and a real database."""

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import func, select

from bot.models import Lead, Notification
from bot.services import leads, reps
from tests.fakeslack import FakeSlack
from tests.slackkit import SlackSender
from tests.support import SIGNING_SECRET, app_env

REP = "UREP00001"
PLAN_MOMENT = "2026-12-01T13:35:00+00:00"  # 08:35 on a Tuesday in New York


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(rate_limits=False) as fake:
        fake.add_user(REP, name="dana", tz="America/New_York")
        yield fake


def seed(deps) -> None:
    now = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    with deps.session_factory.begin() as session:
        reps.ensure_rep(session, user_id=REP, now=now)
        reps.update_profile(session, user_id=REP, name="Dana", tz="America/New_York", now=now)
        new = leads.NewLead(company="Acme Corp", owner_id=REP, stage="proposal", value=Decimal(12500),
                            next_follow_up=(now - timedelta(days=2)).date())  # fmt: skip
        leads.create_lead(session, new=new, created_by=REP, now=now)


def environment(db_url: str, slack: FakeSlack, **extra: str) -> dict[str, str]:
    env = {**os.environ, **app_env(db_url, SLACK_API_URL=slack.base_url), **extra}
    env.pop("PIPEBOT_CONFIG", None)
    return env


def pipebot(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_jobs_run_delivers_once_and_a_rerun_sends_nothing(
    deps, db_url: str, slack: FakeSlack
) -> None:
    seed(deps)
    env = environment(db_url, slack)
    first = pipebot(env, "jobs", "run", "morning-plan", "--at", PLAN_MOMENT)
    assert first.returncode == 0, first.stderr
    assert "1 sent, 0 failed" in first.stdout
    plans = slack.dms_to(REP)
    assert len(plans) == 1 and "Acme Corp" in str(plans[0]["blocks"])
    second = pipebot(env, "jobs", "run", "morning-plan", "--at", PLAN_MOMENT)
    assert second.returncode == 0 and "0 sent" in second.stdout
    assert len(slack.dms_to(REP)) == 1


def test_jobs_run_exits_non_zero_when_delivery_fails(deps, db_url: str, slack: FakeSlack) -> None:
    seed(deps)
    slack.fail_next("chat.postMessage", error="user_not_found")
    result = pipebot(environment(db_url, slack), "jobs", "run", "morning-plan", "--at", PLAN_MOMENT)
    assert result.returncode == 1
    assert "user_not_found" in result.stderr
    with deps.session_factory() as session:
        assert session.scalar(select(Notification.status)) == "failed"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_run_http_serves_signed_commands_and_stops_on_sigterm(
    deps, db_url: str, slack: FakeSlack
) -> None:
    port = _free_port()
    env = environment(db_url, slack, PIPEBOT_SCHEDULER="off")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run", "--mode", "http", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        with httpx.Client(transport=httpx.HTTPTransport(retries=50)) as client:
            assert client.get(url + "/healthz", timeout=30).status_code == 200
        with SlackSender(url, SIGNING_SECRET, issuer=slack) as sender:
            assert sender.command("/lead", "Initech $3k", user_id=REP).status == 200
            responses = _wait_responses(slack)
        assert "Created lead #1" in responses[-1].args["text"]
        with deps.session_factory() as session:
            assert session.scalar(select(func.count()).select_from(Lead)) == 1
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "xoxb-test-token" not in output and SIGNING_SECRET not in output


def _wait_responses(slack: FakeSlack):
    from tests.fakeslack import RESPONSE_URL

    slack.wait_for(RESPONSE_URL, 1, timeout=30)
    return slack.responses()


def test_two_jobs_run_processes_at_once_send_each_plan_exactly_once(
    deps, db_url: str, slack: FakeSlack
) -> None:
    team = [f"UTEAM{i:04d}" for i in range(12)]
    now = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    with deps.session_factory.begin() as session:
        for user_id in team:
            slack.add_user(user_id, name=user_id.lower(), tz="America/New_York")
            reps.ensure_rep(session, user_id=user_id, now=now)
            reps.update_profile(
                session, user_id=user_id, name=user_id, tz="America/New_York", now=now
            )
            new = leads.NewLead(company=f"{user_id} Co", owner_id=user_id, stage="proposal", value=Decimal(1000),
                                next_follow_up=(now - timedelta(days=1)).date())  # fmt: skip
            leads.create_lead(session, new=new, created_by=user_id, now=now)
    env = environment(db_url, slack)
    command = [sys.executable, "-m", "bot.cli", "jobs", "run", "morning-plan", "--at", PLAN_MOMENT]
    processes = [
        subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=120) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs
    for user_id in team:
        assert len(slack.dms_to(user_id)) == 1, user_id
    with deps.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Notification)) == len(team)


@pytest.mark.parametrize(
    ("mode", "tokens", "expected"),
    [
        ("http", {"SLACK_BOT_TOKEN": "xoxq-not-a-bot-token"}, "Slack refused SLACK_BOT_TOKEN"),
        ("socket", {"SLACK_APP_TOKEN": "not-an-app-token"}, "Slack refused SLACK_APP_TOKEN"),
    ],
)
def test_run_explains_a_token_slack_refuses(
    db_url: str, slack: FakeSlack, mode: str, tokens: dict, expected: str
) -> None:
    env = environment(db_url, slack, PIPEBOT_SCHEDULER="off", **tokens)
    result = pipebot(env, "run", "--mode", mode, "--host", "127.0.0.1", "--port", str(_free_port()))
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr and "Traceback" not in result.stderr
