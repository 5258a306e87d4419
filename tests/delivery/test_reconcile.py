"""The history lookup before a repeat post: found, not found, paged, refused, or too long to search."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from slack_sdk import WebClient

from bot.deps import Deps
from bot.slack import reconcile
from bot.slack.reconcile import find_posted, message_metadata
from bot.slack.sender import deliver
from tests.delivery.conftest import USERS, FakeSleep
from tests.delivery.helpers import add, posted_keys, rows
from tests.fakeslack import FakeSlack
from tests.support import BOT_TOKEN, TestClock

MINUTE = timedelta(minutes=1)


def _client(fake: FakeSlack) -> WebClient:
    return WebClient(token=BOT_TOKEN, base_url=fake.base_url, retry_handlers=[])


def test_find_posted_pages_back_through_busy_history(
    fake: FakeSlack, sleep: FakeSleep, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = _client(fake)
    since = sleep.clock.now()
    posted = client.chat_postMessage(
        channel="C0BUSY", text="x", metadata=message_metadata(7, "key-7")
    )
    for n in range(5):
        client.chat_postMessage(channel="C0BUSY", text=f"chatter {n}")
    monkeypatch.setattr(reconcile, "HISTORY_PAGE_SIZE", 2)

    found = find_posted(client, channel="C0BUSY", notification_id=7, key="key-7", since=since)

    assert found == posted["ts"]
    assert len(fake.calls("conversations.history")) == 3
    assert (
        find_posted(client, channel="C0BUSY", notification_id=8, key="key-8", since=since) is None
    )
    # Another row's id with this key, or this id with another key, is not a match.
    assert (
        find_posted(client, channel="C0BUSY", notification_id=7, key="other", since=since) is None
    )


def test_history_before_the_attempt_is_not_searched(fake: FakeSlack, sleep: FakeSleep) -> None:
    client = _client(fake)
    client.chat_postMessage(channel="C0OLD", text="x", metadata=message_metadata(7, "key-7"))
    sleep(3600)

    assert (
        find_posted(
            client, channel="C0OLD", notification_id=7, key="key-7", since=sleep.clock.now()
        )
        is None
    )
    assert float(fake.last("conversations.history").args["oldest"]) > 0


def test_history_too_long_to_search_fails_the_row_instead_of_posting_blind(
    sdeps: Deps, fake: FakeSlack, sleep: FakeSleep, monkeypatch: pytest.MonkeyPatch
) -> None:
    add(sdeps, "k", "C0BUSY")
    fake.fail_next("chat.postMessage", status=502)
    deliver(sdeps, owner="a", sleep=sleep)
    client = _client(fake)
    for n in range(6):
        client.chat_postMessage(channel="C0BUSY", text=f"chatter {n}")
    monkeypatch.setattr(reconcile, "HISTORY_PAGE_SIZE", 2)
    monkeypatch.setattr(reconcile, "HISTORY_MAX_PAGES", 2)

    report = deliver(sdeps, owner="a", sleep=sleep, until=sdeps.clock.now() + MINUTE)

    row = rows(sdeps)["k"]
    assert (report.failed, row.status, row.last_error) == (1, "failed", "reconcile:inconclusive")
    assert posted_keys(fake) == {}


def test_a_missing_history_scope_fails_only_rows_that_need_a_lookup(
    sdeps: Deps, fake: FakeSlack, sleep: FakeSleep
) -> None:
    add(sdeps, "ambiguous", USERS[0])
    fake.fail_next("chat.postMessage", status=500)
    deliver(sdeps, owner="a", sleep=sleep)
    add(sdeps, "fresh", USERS[1])
    fake.fail_next("conversations.history", error="missing_scope")

    report = deliver(sdeps, owner="a", sleep=sleep, until=sdeps.clock.now() + MINUTE)

    found = rows(sdeps)
    assert (found["ambiguous"].status, found["ambiguous"].last_error) == (
        "failed",
        "reconcile:missing_scope",
    )
    assert found["fresh"].status == "sent" and report.halted is None
    assert posted_keys(fake) == {"fresh": 1}


def test_a_429_on_the_lookup_pauses_and_keeps_the_row_marked_for_lookup(
    sdeps: Deps, fake: FakeSlack, sleep: FakeSleep
) -> None:
    add(sdeps, "k", "C0SALES")
    fake.fail_after_accept("chat.postMessage")
    deliver(sdeps, owner="a", sleep=sleep)
    sleep.clock.advance(timedelta(seconds=5))
    fake.fail_next("conversations.history", status=429, retry_after=9)

    deliver(sdeps, owner="a", sleep=sleep, until=sdeps.clock.now() + timedelta(seconds=3))
    row = rows(sdeps)["k"]
    assert (row.status, row.attempts) == ("pending", 1) and row.attempted_at is not None

    report = deliver(sdeps, owner="a", sleep=sleep, until=sdeps.clock.now() + MINUTE)
    assert report.reconciled == 1
    assert len(fake.calls("chat.postMessage")) == 1
    history = fake.calls("conversations.history")
    assert history[1].at - history[0].at >= 9


def test_a_run_on_a_simulated_clock_still_finds_what_it_posted(
    sdeps: Deps, fake: FakeSlack, sleep: FakeSleep
) -> None:
    """`jobs run --at` days ahead: Slack stamps messages with real time, so the lookup must too."""
    business = TestClock()
    business.set(sleep.clock.now() + timedelta(days=3))
    simulated = dataclasses.replace(sdeps, clock=business, slack_clock=sleep.clock)
    add(simulated, "plan", USERS[0])
    fake.fail_after_accept("chat.postMessage")  # Slack takes the post; the answer is lost
    deliver(simulated, owner="a", sleep=sleep)
    business.advance(timedelta(minutes=20))
    sleep(60)
    deliver(simulated, owner="a", sleep=sleep)
    assert posted_keys(fake) == {"plan": 1}
    assert rows(simulated)["plan"].status == "sent"
