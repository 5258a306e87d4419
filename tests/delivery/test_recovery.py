"""Senders that die or stall: their rows are finished by another sender, and nothing is posted twice."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.deps import Deps
from bot.services import outbox
from bot.slack.sender import deliver
from tests.delivery.conftest import USERS, FakeSleep
from tests.delivery.helpers import add, posted_keys, rows, stored_keys
from tests.fakeslack import FakeSlack

PAST_LEASE = timedelta(seconds=61)


class Crash(BaseException):
    """Stands for the process dying: nothing after it runs, no except clause catches it."""


def _claim(deps: Deps, owner: str, limit: int = 50) -> list[outbox.Claimed]:
    now = deps.clock.now()
    with deps.session_factory.begin() as session:
        return outbox.claim_due(
            session, owner=owner, now=now, lease_until=now + timedelta(seconds=60), limit=limit
        )


def test_a_crash_after_slack_accepted_is_reconciled_after_the_lease(
    sdeps: Deps, fake: FakeSlack, sleep: FakeSleep, monkeypatch: pytest.MonkeyPatch
) -> None:
    add(sdeps, "dm", USERS[0])
    add(sdeps, "channel", "C0MANAGERS")

    def die(*args: object, **kwargs: object) -> bool:
        raise Crash

    with monkeypatch.context() as patch:
        patch.setattr(outbox, "mark_sent", die)
        with pytest.raises(Crash):
            deliver(sdeps, owner="dead", sleep=sleep)
    assert len(fake.calls("chat.postMessage")) == 1  # Slack has the DM; its row still says sending

    assert (
        deliver(sdeps, owner="survivor", sleep=sleep).handled == 1
    )  # only the released channel row
    sleep.clock.advance(PAST_LEASE)
    report = deliver(sdeps, owner="survivor", sleep=sleep)

    assert (report.reconciled, report.sent) == (1, 0)
    assert posted_keys(fake) == {"dm": 1, "channel": 1}
    assert stored_keys(fake, [USERS[0], "C0MANAGERS"]) == {"dm": 1, "channel": 1}
    row = rows(sdeps)["dm"]
    assert (row.status, row.slack_ts) == ("sent", fake.dms_to(USERS[0])[0]["ts"])
    # The DM's id was never recorded, so recovery (and only recovery) opened the conversation.
    assert [c.args["users"] for c in fake.calls("conversations.open")] == [USERS[0]]


def test_a_crash_between_claim_and_post_is_sent_once_by_another_owner_without_lookups(
    sdeps: Deps, fake: FakeSlack, sleep: FakeSleep
) -> None:
    for n in range(3):
        add(sdeps, f"k{n}", USERS[n])
    assert len(_claim(sdeps, "dead")) == 3

    assert deliver(sdeps, owner="survivor", sleep=sleep).handled == 0  # leases still held
    sleep.clock.advance(PAST_LEASE)
    report = deliver(sdeps, owner="survivor", sleep=sleep)

    assert report.sent == 3
    assert posted_keys(fake) == {"k0": 1, "k1": 1, "k2": 1}
    assert fake.calls("conversations.history") == [] and fake.calls("conversations.open") == []


def test_a_crash_after_a_recorded_first_post_reconciles_in_the_known_channel(
    sdeps: Deps, fake: FakeSlack, sleep: FakeSleep
) -> None:
    add(sdeps, "k", USERS[0])
    fake.fail_next("chat.postMessage", status=500)
    deliver(
        sdeps, owner="a", sleep=sleep
    )  # 500 with the DM channel unknown; the row waits to retry
    sleep.clock.advance(timedelta(seconds=5))

    report = deliver(sdeps, owner="b", sleep=sleep)

    assert report.sent == 1
    assert [c.args["channel"] for c in fake.calls("conversations.history")] == [
        fake.dm_channel(USERS[0])
    ]
    assert posted_keys(fake) == {"k": 1}


def test_a_sender_that_lost_its_lease_does_not_post(
    sdeps: Deps, fake: FakeSlack, sleep: FakeSleep
) -> None:
    add(sdeps, "k", USERS[0])
    [stale] = _claim(sdeps, "slow")
    sleep.clock.advance(PAST_LEASE)
    assert deliver(sdeps, owner="fast", sleep=sleep).sent == 1

    now = sdeps.clock.now()
    with sdeps.session_factory.begin() as session:
        resumed = outbox.start_attempt(
            session,
            notification_id=stale.id,
            owner="slow",
            attempted_at=now,
            lease_until=now + PAST_LEASE,
        )

    assert resumed is False
    assert posted_keys(fake) == {"k": 1}


def test_claims_never_overlap_and_expired_leases_are_taken_over(
    sdeps: Deps, sleep: FakeSleep
) -> None:
    for n in range(5):
        add(sdeps, f"k{n}", USERS[n])

    first, second = _claim(sdeps, "a", limit=3), _claim(sdeps, "b", limit=3)
    assert {r.id for r in first}.isdisjoint({r.id for r in second}) and len(first) + len(
        second
    ) == 5
    assert _claim(sdeps, "c") == []
    sleep.clock.advance(PAST_LEASE)
    assert len(_claim(sdeps, "c")) == 5
    assert {row.lease_owner for row in rows(sdeps).values()} == {"c"}
