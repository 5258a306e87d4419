"""The sender's happy path: one post per row, metadata attached, proof of delivery recorded, priorities kept."""

from __future__ import annotations

from bot.deps import Deps
from bot.metrics import Metrics
from bot.services.outbox import PRIORITY_ALERT, PRIORITY_DIGEST
from bot.slack.reconcile import EVENT_TYPE
from bot.slack.sender import deliver
from tests.delivery.conftest import USERS, FakeSleep
from tests.delivery.helpers import add, posted_keys, rows
from tests.fakeslack import FakeSlack


def test_dm_is_posted_once_with_metadata_and_its_ts_recorded(
    sdeps: Deps, fake: FakeSlack, sleep: FakeSleep
) -> None:
    add(sdeps, "digest:U1", USERS[0], "Your morning plan")

    report = deliver(sdeps, owner="a", sleep=sleep)

    assert (report.sent, report.failed, report.retried, report.deferred) == (1, 0, 0, 0)
    call = fake.last("chat.postMessage")
    row = rows(sdeps)["digest:U1"]
    assert call.args["channel"] == USERS[0]
    assert call.args["metadata"] == {
        "event_type": EVENT_TYPE,
        "event_payload": {"id": row.id, "key": "digest:U1"},
    }
    message = fake.dms_to(USERS[0])[-1]
    assert message["text"] == "Your morning plan"
    assert (row.status, row.slack_channel, row.slack_ts) == (
        "sent",
        fake.dm_channel(USERS[0]),
        message["ts"],
    )
    assert row.sent_at == sdeps.clock.now() and row.lease_owner is None and row.attempted_at is None
    assert fake.calls("conversations.open") == [] and fake.calls("conversations.history") == []


def test_the_same_key_enqueued_twice_is_sent_once(
    sdeps: Deps, fake: FakeSlack, sleep: FakeSleep
) -> None:
    assert add(sdeps, "nudge:42:2026-11-30", USERS[1]) is True
    assert add(sdeps, "nudge:42:2026-11-30", USERS[1], "a different text") is False

    first = deliver(sdeps, owner="a", sleep=sleep)
    assert add(sdeps, "nudge:42:2026-11-30", USERS[1]) is False
    second = deliver(sdeps, owner="b", sleep=sleep)

    assert (first.sent, second.handled) == (1, 0)
    assert posted_keys(fake) == {"nudge:42:2026-11-30": 1}
    assert [m["text"] for m in fake.dms_to(USERS[1])] == ["hello"]


def test_alerts_go_before_digests_then_by_id(
    sdeps: Deps, fake: FakeSlack, sleep: FakeSleep
) -> None:
    for n in range(3):
        add(sdeps, f"digest:{n}", USERS[n], priority=PRIORITY_DIGEST)
    add(sdeps, "alert:congestion", "C0MANAGERS", priority=PRIORITY_ALERT)

    deliver(sdeps, owner="a", sleep=sleep)

    keys = [c.args["metadata"]["event_payload"]["key"] for c in fake.calls("chat.postMessage")]
    assert keys == ["alert:congestion", "digest:0", "digest:1", "digest:2"]


def test_blocks_are_sent_and_outcomes_counted_in_metrics(
    sdeps: Deps, fake: FakeSlack, sleep: FakeSleep
) -> None:
    from bot.services.outbox import enqueue
    from bot.slack.kit import SlackMessage

    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Plan*"}}]
    with sdeps.session_factory.begin() as session:
        enqueue(
            session,
            key="k1",
            kind="plan",
            recipient=USERS[0],
            message=SlackMessage("Plan", blocks),
            now=sdeps.clock.now(),
        )
    add(sdeps, "k2", "U9999NOBODY")
    metrics = Metrics()

    report = deliver(sdeps, owner="a", sleep=sleep, metrics=metrics)

    assert (report.sent, report.failed) == (1, 1)
    assert fake.dms_to(USERS[0])[-1]["blocks"] == blocks
    assert (
        metrics.registry.get_sample_value("pipebot_notifications_total", {"outcome": "sent"}) == 1
    )
    assert (
        metrics.registry.get_sample_value("pipebot_notifications_total", {"outcome": "failed"}) == 1
    )


def test_max_messages_bounds_a_run(sdeps: Deps, fake: FakeSlack, sleep: FakeSleep) -> None:
    for n in range(5):
        add(sdeps, f"k{n}", USERS[n])

    assert deliver(sdeps, owner="a", sleep=sleep, max_messages=2).sent == 2
    assert deliver(sdeps, owner="a", sleep=sleep).sent == 3
    assert sum(posted_keys(fake).values()) == 5
