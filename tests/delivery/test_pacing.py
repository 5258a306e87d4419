"""Pacing: one post per channel per second, the workspace budget, and no 429 from a Slack that enforces both."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import timedelta

import pytest
from slack_sdk import WebClient

from bot.deps import Deps
from bot.slack.ratelimit import Pacer
from bot.slack.sender import deliver
from tests.delivery.conftest import USERS, FakeSleep
from tests.delivery.helpers import add, posted_keys
from tests.fakeslack import FakeSlack, RateLimits
from tests.support import BOT_TOKEN, TestClock, make_config


def _with_budget(deps: Deps, per_minute: int) -> Deps:
    config = make_config(
        deps.config.settings.database_url, PIPEBOT_SEND_BUDGET_PER_MINUTE=str(per_minute)
    )
    return dataclasses.replace(deps, config=config)


def test_one_post_per_second_per_channel_while_other_channels_go_ahead(
    sdeps: Deps, fake: FakeSlack, sleep: FakeSleep
) -> None:
    for n in range(4):
        add(sdeps, f"alert{n}", "C0MANAGERS")
    for n in range(3):
        add(sdeps, f"dm{n}", USERS[n])

    deliver(sdeps, owner="a", sleep=sleep)

    calls = fake.calls("chat.postMessage")
    to_channel = [c.at for c in calls if c.args["channel"] == "C0MANAGERS"]
    assert len(to_channel) == 4
    assert all(later - earlier >= 1.0 for earlier, later in itertools.pairwise(to_channel))
    # The DMs did not queue behind the busy channel: all three went within its first second.
    dms = [c.at for c in calls if c.args["channel"] != "C0MANAGERS"]
    assert max(dms) - to_channel[0] < 1.0
    assert posted_keys(fake).total() == 7


def test_the_workspace_budget_is_honoured(sdeps: Deps, fake: FakeSlack, sleep: FakeSleep) -> None:
    deps = _with_budget(sdeps, 60)  # one a second, a burst of two
    for n in range(12):
        add(deps, f"k{n}", USERS[n])

    deliver(deps, owner="a", sleep=sleep)

    times = [c.at for c in fake.calls("chat.postMessage")]
    assert len(times) == 12
    assert times[-1] - times[0] >= 12 - 2 - 1e-6
    for start in times:  # no 5-second window holds more than the burst plus five
        assert sum(1 for t in times if start <= t < start + 5) <= 2 + 5


def test_a_slack_enforcing_its_limits_never_answers_429(
    deps: Deps, clock: TestClock, sleep: FakeSleep
) -> None:
    now = lambda: clock.now().timestamp()  # noqa: E731
    limits = RateLimits(
        post_workspace_per_minute=120, post_channel_burst=1, post_per_channel_per_second=1.0
    )
    with FakeSlack(rate_limits=limits, clock=now, wall_clock=now) as strict:
        for user in USERS:
            strict.add_user(user)
        budget = _with_budget(deps, 100)
        sdeps = dataclasses.replace(
            budget, slack=WebClient(token=BOT_TOKEN, base_url=strict.base_url)
        )
        for n in range(20):
            add(sdeps, f"dm{n}", USERS[n])
        for n in range(5):
            add(sdeps, f"alert{n}", "C0MANAGERS")

        report = deliver(sdeps, owner="a", sleep=sleep)

        assert report.sent == 25
        assert [c.status for c in strict.calls("chat.postMessage")] == [200] * 25


def test_pacer_pause_holds_every_channel(clock: TestClock) -> None:
    pacer = Pacer(per_minute=600, clock=clock)
    pacer.pause(30)
    assert pacer.delay("C1") == pytest.approx(30) and pacer.delay("U1") == pytest.approx(30)
    clock.advance(timedelta(seconds=30))
    assert pacer.delay("C1") == 0
    pacer.take("C1")
    assert pacer.channel_delay("C1") == pytest.approx(1.0) and pacer.channel_delay("C2") == 0


def test_a_refused_post_holds_its_channel_and_a_run_of_refusals_holds_every_channel(
    clock: TestClock,
) -> None:
    pacer = Pacer(per_minute=600, clock=clock)
    assert pacer.refused("U1", 5) is False
    assert pacer.channel_delay("U1") == pytest.approx(5) and pacer.delay("U2") == 0
    pacer.accepted()  # a post went through: the refusals are not a run any more
    assert pacer.refused("U2", 5) is False and pacer.refused("U3", 5) is False
    assert pacer.paused_for() == 0
    assert pacer.refused("U4", 5) is True
    assert pacer.delay("U9") == pytest.approx(5)
    clock.advance(timedelta(seconds=5))
    assert pacer.delay("U9") == 0 and pacer.refused("U9", 1) is False
