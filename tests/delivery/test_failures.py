"""Slack saying no: a 429 holds its channel (a run of them the whole sender), transient errors back off, permanent ones fail at once."""

from __future__ import annotations

from datetime import timedelta

from bot.deps import Deps
from bot.slack.sender import SenderOptions, deliver
from tests.delivery.conftest import USERS, FakeSleep
from tests.delivery.helpers import add, posted_keys, rows, stored_keys
from tests.fakeslack import FakeSlack

MINUTE = timedelta(minutes=1)


def test_a_429_on_a_post_holds_that_channel_while_the_others_go_ahead(
    sdeps: Deps, fake: FakeSlack, sleep: FakeSleep
) -> None:
    for n in range(6):
        add(sdeps, f"k{n}", USERS[n])
    fake.fail_next("chat.postMessage", status=429, retry_after=7)
    started = sdeps.clock.now()

    report = deliver(sdeps, owner="a", sleep=sleep, until=started + MINUTE)

    assert (report.sent, report.deferred, report.failed, report.retried) == (6, 1, 0, 0)
    assert posted_keys(fake) == {f"k{n}": 1 for n in range(6)}
    calls = fake.calls("chat.postMessage")
    assert [c.status for c in calls] == [429, 200, 200, 200, 200, 200, 200]
    refused, *others, retried = calls
    # The other five channels did not wait for the refused one's Retry-After …
    assert all(call.at - refused.at < 1 for call in others)
    # … and the refused channel got nothing until its Retry-After had passed.
    assert retried.args["channel"] == USERS[0] and retried.at - refused.at >= 7
    assert all(row.attempts == 0 and row.status == "sent" for row in rows(sdeps).values())


def test_a_run_of_429s_across_channels_pauses_every_post(
    sdeps: Deps, fake: FakeSlack, sleep: FakeSleep
) -> None:
    for n in range(6):
        add(sdeps, f"k{n}", USERS[n])
    fake.fail_next("chat.postMessage", status=429, retry_after=7, times=3)
    started = sdeps.clock.now()

    report = deliver(sdeps, owner="a", sleep=sleep, until=started + MINUTE)

    assert (report.sent, report.deferred, report.failed, report.retried) == (6, 3, 0, 0)
    assert posted_keys(fake) == {f"k{n}": 1 for n in range(6)}
    assert stored_keys(fake, list(USERS[:6])) == {f"k{n}": 1 for n in range(6)}
    calls = fake.calls("chat.postMessage")
    assert [c.status for c in calls] == [429, 429, 429, 200, 200, 200, 200, 200, 200]
    # Three refusals with nothing accepted between them: the workspace budget is spent, so
    # nothing at all is posted, to any channel, until the third one's Retry-After has passed.
    assert calls[3].at - calls[2].at >= 7
    assert all(row.attempts == 0 and row.status == "sent" for row in rows(sdeps).values())


def test_a_429_on_a_lookup_pauses_every_post(
    sdeps: Deps, fake: FakeSlack, sleep: FakeSleep
) -> None:
    add(sdeps, "k0", USERS[0])
    fake.fail_after_accept("chat.postMessage")  # posted, answer lost: the next try looks first
    deliver(sdeps, owner="a", sleep=sleep)
    sleep(5)
    add(sdeps, "k1", USERS[1])
    fake.fail_next("conversations.history", status=429, retry_after=7)

    deliver(sdeps, owner="a", sleep=sleep, until=sdeps.clock.now() + MINUTE)

    assert posted_keys(fake) == {"k0": 1, "k1": 1}
    refused = fake.calls("conversations.history")[0]
    assert fake.calls("chat.postMessage")[-1].at - refused.at >= 7


def test_a_429_puts_the_row_back_with_not_before_and_counts_no_attempt(
    sdeps: Deps, fake: FakeSlack, sleep: FakeSleep
) -> None:
    add(sdeps, "k", USERS[0])
    fake.fail_next("chat.postMessage", status=429, retry_after=30)
    now = sdeps.clock.now()

    report = deliver(sdeps, owner="a", sleep=sleep, until=now + timedelta(seconds=10))

    row = rows(sdeps)["k"]
    assert report.deferred == 1 and report.sent == 0
    assert (row.status, row.attempts, row.not_before, row.attempted_at) == (
        "pending",
        0,
        now + timedelta(seconds=30),
        None,
    )


def test_server_errors_back_off_exponentially_then_deliver_once(
    sdeps: Deps, fake: FakeSlack, sleep: FakeSleep
) -> None:
    add(sdeps, "k", USERS[0])
    fake.fail_next("chat.postMessage", status=500, times=1)
    fake.fail_next("chat.postMessage", status=503, times=1)

    report = deliver(sdeps, owner="a", sleep=sleep, until=sdeps.clock.now() + MINUTE)

    assert (report.sent, report.retried) == (1, 2)
    posts = fake.calls("chat.postMessage")
    assert [c.status for c in posts] == [500, 503, 200]
    assert posts[1].at - posts[0].at >= 2 and posts[2].at - posts[1].at >= 4
    # A 5xx may hide an accepted post, so each retry first looks in the DM's history.
    assert len(fake.calls("conversations.history")) == 2
    assert all(
        c.args.get("include_all_metadata") in (True, "1", "true")
        for c in fake.calls("conversations.history")
    )
    assert posted_keys(fake) == {"k": 1}
    row = rows(sdeps)["k"]
    assert (row.status, row.attempts, row.slack_channel) == ("sent", 2, fake.dm_channel(USERS[0]))


def test_a_dropped_connection_after_slack_stored_the_post_is_reconciled_not_reposted(
    sdeps: Deps, fake: FakeSlack, sleep: FakeSleep
) -> None:
    add(sdeps, "k", USERS[0])
    fake.fail_after_accept("chat.postMessage")

    report = deliver(sdeps, owner="a", sleep=sleep, until=sdeps.clock.now() + MINUTE)

    assert (report.retried, report.reconciled, report.sent) == (1, 1, 0)
    assert len(fake.calls("chat.postMessage")) == 1
    stored = fake.dms_to(USERS[0])
    assert len(stored) == 1
    row = rows(sdeps)["k"]
    assert (row.status, row.slack_ts, row.slack_channel) == (
        "sent",
        stored[0]["ts"],
        fake.dm_channel(USERS[0]),
    )
    history = fake.last("conversations.history")
    assert history.args["channel"] == fake.dm_channel(USERS[0])
    assert float(history.args["oldest"]) <= float(stored[0]["ts"])


def test_a_permanent_error_fails_the_row_at_once_and_the_batch_goes_on(
    sdeps: Deps, fake: FakeSlack, sleep: FakeSleep
) -> None:
    add(sdeps, "a-first", USERS[0])
    add(sdeps, "b-unknown-user", "U9999NOBODY")
    add(sdeps, "c-channel", "C0SALES")
    add(sdeps, "d-last", USERS[1])

    report = deliver(sdeps, owner="a", sleep=sleep, until=sdeps.clock.now() + MINUTE)

    assert (report.sent, report.failed, report.retried) == (3, 1, 0)
    found = rows(sdeps)
    assert (found["b-unknown-user"].status, found["b-unknown-user"].last_error) == (
        "failed",
        "channel_not_found",
    )
    assert posted_keys(fake) == {"a-first": 1, "c-channel": 1, "d-last": 1}
    unknown = [c for c in fake.calls("chat.postMessage") if c.args["channel"] == "U9999NOBODY"]
    assert len(unknown) == 1


def test_each_listed_permanent_error_is_never_retried(
    sdeps: Deps, fake: FakeSlack, sleep: FakeSleep
) -> None:
    errors = [
        "is_archived",
        "not_in_channel",
        "invalid_blocks",
        "msg_too_long",
        "cannot_dm_bot",
        "user_disabled",
    ]
    for n, error in enumerate(errors):
        add(sdeps, f"k{n}", USERS[n])
        fake.fail_next("chat.postMessage", error=error)
    add(sdeps, "fine", USERS[10])

    report = deliver(sdeps, owner="a", sleep=sleep, until=sdeps.clock.now() + MINUTE)

    assert (report.failed, report.sent, report.retried) == (len(errors), 1, 0)
    assert len(fake.calls("chat.postMessage")) == len(errors) + 1
    found = rows(sdeps)
    assert [found[f"k{n}"].last_error for n in range(len(errors))] == errors


def test_transient_errors_give_up_after_max_attempts(
    sdeps: Deps, fake: FakeSlack, sleep: FakeSleep
) -> None:
    add(sdeps, "k", USERS[0])
    fake.fail_next("chat.postMessage", status=503, times=5)
    options = SenderOptions(max_attempts=3)

    report = deliver(
        sdeps, owner="a", sleep=sleep, options=options, until=sdeps.clock.now() + MINUTE
    )

    row = rows(sdeps)["k"]
    assert (row.status, row.attempts, row.last_error) == ("failed", 3, "http_503")
    assert (report.retried, report.failed, report.sent) == (2, 1, 0)
    assert len(fake.calls("chat.postMessage")) == 3


def test_an_invalid_token_stops_the_run_without_failing_rows(
    sdeps: Deps, fake: FakeSlack, sleep: FakeSleep
) -> None:
    for n in range(3):
        add(sdeps, f"k{n}", USERS[n])
    fake.fail_next("chat.postMessage", error="invalid_auth")

    report = deliver(sdeps, owner="a", sleep=sleep)

    assert report.halted == "invalid_auth" and report.failed == 0
    assert len(fake.calls("chat.postMessage")) == 1
    assert {row.status for row in rows(sdeps).values()} == {"pending"}
