"""`pipebot jobs run weekly-report --at …` as an operator runs it: a real process, the fake Slack, a real database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.test_processes import environment, pipebot
from tests.fakeslack import FakeSlack
from tests.services.test_manager_facts import seed_team

MONDAY_0900 = "2026-12-07T14:00:00+00:00"  # 09:00 in New York


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(rate_limits=False) as fake:
        yield fake


def test_jobs_run_posts_the_report_and_its_chart_and_a_rerun_sends_nothing(
    deps, db_url: str, slack: FakeSlack
) -> None:
    seed_team(deps)
    env = environment(db_url, slack)

    first = pipebot(env, "jobs", "run", "weekly-report", "--at", MONDAY_0900)

    assert first.returncode == 0, first.stderr
    assert "weekly-report: 2 sent, 0 failed, 0 still pending" in first.stdout
    [post] = [m for m in slack.channel_messages("CMANAGERS") if not m.get("upload")]
    assert post["text"].startswith("Weekly pipeline report · 30 Nov – 6 Dec 2026")
    [chart] = slack.shared_files("CMANAGERS")
    assert chart.filename == "weekly-report_2026-11-30_chart_USD.png"

    second = pipebot(env, "jobs", "run", "weekly-report", "--at", MONDAY_0900)
    assert second.returncode == 0 and "0 sent" in second.stdout
    assert (
        len(slack.channel_messages("CMANAGERS")) == 2 and len(slack.shared_files("CMANAGERS")) == 1
    )


def test_jobs_list_shows_the_monday_schedule(db_url: str, slack: FakeSlack) -> None:
    listed = pipebot(environment(db_url, slack), "jobs", "list")
    [line] = [line for line in listed.stdout.splitlines() if line.startswith("weekly-report")]
    assert "Mondays 09:00 team time" in line and "recommendation" in line
