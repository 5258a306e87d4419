"""Posts in flight at once (`SenderOptions.concurrency`): the same pacing, the same outcomes, once each."""

from __future__ import annotations

import itertools
import threading

import pytest

from bot.deps import Deps
from bot.slack.sender import SenderOptions, deliver, service_options
from tests.delivery.conftest import USERS, FakeSleep
from tests.delivery.helpers import add, posted_keys, rows
from tests.fakeslack import FakeSlack

OVERLAPPING = SenderOptions(concurrency=4)


def test_overlapping_posts_deliver_each_row_once_within_the_channel_limit(
    sdeps: Deps, fake: FakeSlack, sleep: FakeSleep
) -> None:
    for n in range(12):
        add(sdeps, f"dm{n}", USERS[n])
    for n in range(4):
        add(sdeps, f"alert{n}", "C0MANAGERS")

    report = deliver(sdeps, owner="a", sleep=sleep, options=OVERLAPPING)

    assert (report.sent, report.failed, report.retried) == (16, 0, 0)
    assert posted_keys(fake) == {
        **{f"dm{n}": 1 for n in range(12)},
        **{f"alert{n}": 1 for n in range(4)},
    }
    to_channel = sorted(
        c.at for c in fake.calls("chat.postMessage") if c.args["channel"] == "C0MANAGERS"
    )
    assert all(later - earlier >= 1.0 for earlier, later in itertools.pairwise(to_channel))
    assert {row.status for row in rows(sdeps).values()} == {"sent"}


def test_posts_run_on_workers_once_one_went_through(
    sdeps: Deps, fake: FakeSlack, sleep: FakeSleep, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(8):
        add(sdeps, f"dm{n}", USERS[n])
    threads: list[str] = []
    post = sdeps.slack.__class__.chat_postMessage

    def spy(client, **kwargs):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread().name)
        return post(client, **kwargs)

    monkeypatch.setattr(sdeps.slack.__class__, "chat_postMessage", spy)

    report = deliver(sdeps, owner="a", sleep=sleep, options=OVERLAPPING)

    assert report.sent == 8
    assert not threads[0].startswith("pipebot-post")  # the first goes alone
    assert all(name.startswith("pipebot-post") for name in threads[1:])


def test_a_revoked_token_meets_one_post_not_a_volley(
    sdeps: Deps, fake: FakeSlack, sleep: FakeSleep
) -> None:
    for n in range(8):
        add(sdeps, f"dm{n}", USERS[n])
    fake.fail_next("chat.postMessage", error="token_revoked")

    report = deliver(sdeps, owner="a", sleep=sleep, options=OVERLAPPING)

    assert report.halted == "token_revoked"
    assert len(fake.calls("chat.postMessage")) == 1
    assert {row.status for row in rows(sdeps).values()} == {"pending"}


def test_the_service_overlaps_posts_and_concurrency_must_be_positive() -> None:
    assert service_options().concurrency > 1
    with pytest.raises(ValueError, match="concurrency"):
        SenderOptions(concurrency=0)
