"""`/pipeline report` through signed requests: a manager in the managers' channel, a manager elsewhere, a rep."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from slack_sdk import WebClient

from bot.slack.sender import deliver
from tests import support
from tests.e2e.leadkit import notifications, reply, seed, shown
from tests.e2e.live import MANAGER, OTHER_REP, REP, Live

MANAGERS_CHANNEL = "CMANAGERS"


def deliver_outbox(live: Live) -> None:
    """Send what the outbox holds to the fake Slack, waiting out the one-post-a-second pacing."""
    client = WebClient(token=support.BOT_TOKEN, base_url=live.slack.base_url)
    clock = live.deps.clock
    assert isinstance(clock, support.TestClock)
    deps = dataclasses.replace(live.deps, slack=client)
    deliver(deps, owner="e2e-test", sleep=lambda seconds: clock.advance(timedelta(seconds=seconds)))


def seed_team(live: Live) -> None:
    seed(live, "Acme", value="10000", stage="proposal")
    seed(live, "Globex", value="2000")
    seed(live, "Euro AG", value="5000", currency="EUR")
    seed(live, "Initech", owner=OTHER_REP, value="40000", stage="closing")


def test_a_manager_in_the_managers_channel_gets_it_posted_there_once(live: Live) -> None:
    seed_team(live)
    live.command("/pipeline", "report", user_id=MANAGER, channel_id=MANAGERS_CHANNEL)
    assert "Posting the weekly report here" in reply(live)["text"]
    queued = [(n.kind, n.recipient) for n in notifications(live)]
    assert queued == [
        ("pipeline-report", MANAGERS_CHANNEL),
        ("pipeline-report-chart", MANAGERS_CHANNEL),
        ("pipeline-report-chart", MANAGERS_CHANNEL),
    ]
    # Asked again a minute later: the same post, so nothing new.
    live.deps.clock.advance(timedelta(minutes=1))
    live.command("/pipeline", "report", user_id=MANAGER, channel_id=MANAGERS_CHANNEL)
    assert "already above" in reply(live)["text"]
    assert len(notifications(live)) == 3

    deliver_outbox(live)
    [post] = [m for m in live.slack.channel_messages(MANAGERS_CHANNEL) if not m.get("upload")]
    text = shown(post)
    assert post["text"].startswith("Weekly pipeline report · 23 – 29 Nov 2026")
    assert f"Asked for by <@{MANAGER}> with `/pipeline report`." in text
    assert "*Funnel now* · 4 open · $52k + €5k not converted" in text
    assert [f.filename.rsplit("_", 1)[-1] for f in live.slack.shared_files(MANAGERS_CHANNEL)] == [
        "USD.png",
        "EUR.png",
    ]

    # An hour later a manager may ask again, and gets a fresh post.
    live.deps.clock.advance(timedelta(hours=1))
    live.command("/pipeline", "report", user_id=MANAGER, channel_id=MANAGERS_CHANNEL)
    assert "Posting the weekly report here" in reply(live)["text"]
    assert len(notifications(live)) == 6


def test_a_manager_elsewhere_sees_it_privately_and_gets_the_chart_as_a_dm(live: Live) -> None:
    seed_team(live)
    live.command("/pipeline", "report", user_id=MANAGER, channel_id="C0SALES")
    message = reply(live)
    text = shown(message)
    assert message["response_type"] == "ephemeral"
    assert message["blocks"][0]["text"]["text"] == "Weekly pipeline report · 23 – 29 Nov 2026"
    assert message["blocks"][2]["block_id"] == "report_recommendation"
    assert f"<@{REP}>" in text and f"<@{OTHER_REP}>" in text
    assert "the chart comes as a DM" in text
    assert [(n.kind, n.recipient) for n in notifications(live)] == [
        ("pipeline-report-chart", MANAGER),
        ("pipeline-report-chart", MANAGER),
    ]
    deliver_outbox(live)
    assert len(live.slack.shared_files(MANAGER)) == 2
    assert live.slack.channel_messages(MANAGERS_CHANNEL) == []


def test_a_rep_sees_their_own_week_only(live: Live) -> None:
    seed_team(live)
    live.command("/pipeline", "report", user_id=REP, channel_id=MANAGERS_CHANNEL)
    message = reply(live)
    text = shown(message)
    assert message["response_type"] == "ephemeral"
    assert message["blocks"][0]["text"]["text"] == "Your week · 23 – 29 Nov 2026"
    assert "*Funnel now* · 3 open · $12k + €5k not converted" in text
    assert "*Your activity this week*" in text and f"<@{REP}>" in text
    assert f"<@{OTHER_REP}>" not in text and "*Team*" not in text
    assert "Only you can see this" in text
    assert notifications(live) == []


def test_anything_else_after_pipeline_shows_the_usage(live: Live) -> None:
    live.command("/pipeline", "report everything", user_id=MANAGER)
    assert reply(live)["text"].startswith("Usage: `/pipeline`")
    assert "`/pipeline report`" in reply(live)["text"]
