"""The weekly report reaches the managers' channel once, post and chart, whatever Slack answers on the way."""

from __future__ import annotations

from bot.deps import Deps
from bot.slack.sender import deliver_until_settled
from jobs import weekly_report
from tests.delivery.conftest import FakeSleep
from tests.delivery.helpers import posted_keys
from tests.fakeslack import FILE_UPLOAD, FakeSlack
from tests.services.test_manager_facts import NOW, seed_team

CHANNEL = "CMANAGERS"


def settle(deps: Deps, sleep: FakeSleep):
    return deliver_until_settled(deps, owner="jobs-run", deadline_seconds=600, sleep=sleep)


def test_post_and_chart_arrive_once_through_429s_5xx_and_dropped_answers(
    sdeps: Deps, fake: FakeSlack, sleep: FakeSleep
) -> None:
    sleep.clock.set(NOW)
    seed_team(sdeps)
    assert weekly_report.run(sdeps, NOW) == 2
    fake.fail_next("chat.postMessage", status=429, retry_after=3)
    fake.fail_next("chat.postMessage", status=500)
    fake.fail_after_accept("chat.postMessage")
    fake.fail_next("files.getUploadURLExternal", status=503)
    fake.fail_next(FILE_UPLOAD, status=500)
    fake.fail_after_accept("files.completeUploadExternal")

    report = settle(sdeps, sleep)

    assert report.ok, report
    assert posted_keys(fake) == {"weekly-report:2026-11-30": 1}
    [post] = [m for m in fake.channel_messages(CHANNEL) if not m.get("upload")]
    assert post["text"].startswith("Weekly pipeline report · 30 Nov – 6 Dec 2026")
    assert post["blocks"][2]["block_id"] == "report_recommendation"
    [chart] = fake.shared_files(CHANNEL)
    assert chart.filename == "weekly-report_2026-11-30_chart_USD.png"
    assert chart.content is not None and chart.content.startswith(b"\x89PNG")
    assert chart.title == "Weekly pipeline report · 30 Nov – 6 Dec 2026 · USD"

    # The job run again that morning, and the sender again: nothing new reaches Slack.
    calls = len(fake.calls())
    assert weekly_report.run(sdeps, sdeps.clock.now()) == 0
    assert settle(sdeps, sleep).delivery.handled == 0
    assert len(fake.calls()) == calls
