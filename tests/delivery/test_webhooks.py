"""Webhooks through the outbox: signed, retried with backoff through a receiver outage, each event delivered once, dead letters kept."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from sqlalchemy import select

from bot import flows
from bot.deps import Deps
from bot.domain.access import Actor
from bot.domain.leads import Status
from bot.models import Notification
from bot.services import webhooks
from bot.services.leads import NewLead
from bot.slack.ratelimit import Pacer
from bot.slack.sender import SenderOptions, deliver
from bot.webhook_metrics import register_webhook_metrics
from bot.webhooks_sender import WebhookOptions, signed_headers
from tests.delivery.conftest import FakeSleep
from tests.delivery.helpers import add
from tests.fakeslack import FakeSlack
from tests.webhookkit import OTHER_SECRET, SECRET, Receiver, with_webhooks

REP = "U0001TEST"
QUICK = SenderOptions(webhooks=WebhookOptions(timeout_seconds=1.0, retry_schedule=(5, 10, 20)))


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver().start()
    yield running
    running.stop()


@pytest.fixture
def hooked(sdeps: Deps, tmp_path: Path, receiver: Receiver) -> Deps:
    hooks = [{"name": "crm", "url": receiver.url, "secret": SECRET, "events": ["*"]}]
    return with_webhooks(sdeps, tmp_path, hooks)


def new_lead(deps: Deps, company: str = "Acme") -> int:
    new = NewLead(company=company, owner_id=REP, stage="prospecting")
    created = flows.create_lead(deps, by=Actor(REP), new=new, now=deps.clock.now())
    assert created.lead is not None
    return created.lead.id


def run(deps: Deps, sleep: FakeSleep, *, seconds: float | None = None, owner: str = "a"):
    until = deps.clock.now() + timedelta(seconds=seconds) if seconds is not None else None
    return deliver(deps, owner=owner, sleep=sleep, options=QUICK, until=until)


def hook_rows(deps: Deps) -> list[Notification]:
    with deps.session_factory() as session:
        query = select(Notification).where(Notification.kind == "webhook").order_by(Notification.id)
        return list(session.scalars(query))


def test_an_event_arrives_signed_with_its_id_and_is_never_sent_again(
    hooked: Deps, receiver: Receiver, sleep: FakeSleep, caplog: pytest.LogCaptureFixture
) -> None:
    new_lead(hooked)
    report = run(hooked, sleep)
    again = run(hooked, sleep, owner="b")

    assert (report.sent, again.handled) == (1, 0)
    [row] = hook_rows(hooked)
    event_id = row.payload["webhook"]["id"]
    assert receiver.attempts == [event_id] and receiver.rejected == 0
    body = receiver.events[event_id]
    assert body["type"] == "lead.created" and body["data"]["lead"]["company"] == "Acme"
    headers = receiver.headers[event_id]
    assert headers["webhook-signature"].startswith("v1,")
    assert headers["content-type"] == "application/json"
    assert (row.status, row.slack_ts, row.attempts) == ("sent", "http_200", 0)
    assert SECRET not in caplog.text


def test_each_event_arrives_once_through_a_receiver_outage(
    hooked: Deps, receiver: Receiver, fake: FakeSlack, sleep: FakeSleep
) -> None:
    lead_id = new_lead(hooked)
    run(hooked, sleep)
    receiver.stop()  # the receiver goes down; the team keeps working, and a DM waits too
    by = Actor(REP)
    flows.change_lead(
        hooked, by=by, lead_id=lead_id, change=flows.Move("qualification"), now=hooked.clock.now()
    )
    flows.log_touch(
        hooked, by=by, lead_id=lead_id, kind="call", note="Spoke", now=hooked.clock.now()
    )
    flows.change_lead(
        hooked, by=by, lead_id=lead_id, change=flows.Close(Status.WON), now=hooked.clock.now()
    )
    add(hooked, "dm:1", REP, "a DM is not held up by the outage")

    down = run(hooked, sleep, seconds=12)
    assert fake.calls("chat.postMessage") and down.sent == 1  # the DM went out
    pending = [row for row in hook_rows(hooked) if row.status == "pending"]
    assert len(pending) == 3 and all(row.attempts == 2 for row in pending)
    assert {row.last_error for row in pending} <= {
        "connection_error:ConnectionRefusedError",
        "not tried: connection_error:ConnectionRefusedError just before",
    }

    receiver.start()  # back, on the same address
    up = run(hooked, sleep, seconds=30)

    assert up.sent == 3
    assert receiver.types() == ["lead.created", "lead.stage_changed", "touch.logged", "lead.won"]
    assert Counter(receiver.attempts).most_common(1)[0][1] == 1  # nothing arrived twice
    assert [row.status for row in hook_rows(hooked)] == ["sent"] * 4
    assert run(hooked, sleep, seconds=60).handled == 0


def test_an_answer_lost_after_the_receiver_kept_the_event_repeats_its_id(
    hooked: Deps, receiver: Receiver, sleep: FakeSleep
) -> None:
    new_lead(hooked)
    receiver.delay = 2.0  # longer than the sender waits: it gives up after the event is stored
    first = run(hooked, sleep)
    receiver.delay = 0.0
    second = run(hooked, sleep, seconds=10)

    assert (first.retried, second.sent) == (1, 1)
    [event_id] = receiver.events
    assert receiver.attempts == [event_id, event_id]  # the same webhook-id: the receiver dedupes
    assert hook_rows(hooked)[0].last_error is None


def test_the_last_failed_attempt_leaves_a_dead_letter_that_can_be_sent_again(
    hooked: Deps, receiver: Receiver, sleep: FakeSleep
) -> None:
    new_lead(hooked)
    receiver.status = 500
    run(hooked, sleep, seconds=60)

    [row] = hook_rows(hooked)
    assert (row.status, row.attempts, row.last_error) == ("failed", 4, "http_500")
    assert sleep.total >= 5 + 10 + 20  # the schedule's waits, each after its attempt
    with hooked.session_factory() as session:
        state = webhooks.endpoint_states(session)["crm"]
        assert (state.pending, state.delivered, state.dead, state.last_error) == (
            0,
            0,
            1,
            "http_500",
        )
        assert webhooks.open_counts(session) == [("crm", 0, 1)]
    registry = CollectorRegistry()
    register_webhook_metrics(registry, hooked)
    scraped = generate_latest(registry).decode()
    assert 'pipebot_webhook_events{endpoint="crm",state="dead"} 1.0' in scraped
    assert 'pipebot_webhook_events{endpoint="crm",state="pending"} 0.0' in scraped

    receiver.status = 204
    with hooked.session_factory.begin() as session:
        assert webhooks.redeliver_dead(session, name="crm", now=hooked.clock.now()) == 1
    assert run(hooked, sleep).sent == 1
    assert len(receiver.attempts) == 5 and len(receiver.events) == 1
    with hooked.session_factory() as session:
        assert webhooks.endpoint_states(session)["crm"].delivered == 1


def test_a_wrong_secret_is_refused_by_the_receiver_and_retried(
    sdeps: Deps, tmp_path: Path, receiver: Receiver, sleep: FakeSleep
) -> None:
    hooks = [{"name": "crm", "url": receiver.url, "secret": OTHER_SECRET, "events": ["*"]}]
    deps = with_webhooks(sdeps, tmp_path, hooks)
    new_lead(deps)
    assert run(deps, sleep).retried == 1
    assert receiver.rejected == 1 and receiver.events == {}
    assert hook_rows(deps)[0].last_error == "http_401"


def test_an_endpoint_removed_from_the_config_leaves_its_events_dead(
    hooked: Deps, sdeps: Deps, tmp_path: Path, sleep: FakeSleep
) -> None:
    new_lead(hooked)
    gone = with_webhooks(sdeps, tmp_path, [])
    assert run(gone, sleep).failed == 1
    assert hook_rows(gone)[0].last_error == "no [[webhooks]] named crm"


def test_webhooks_spend_none_of_slacks_budget(
    hooked: Deps, receiver: Receiver, sleep: FakeSleep
) -> None:
    for n in range(5):
        new_lead(hooked, f"Company {n}")
    pacer = Pacer(per_minute=1, clock=hooked.clock)
    report = deliver(hooked, owner="a", sleep=sleep, options=QUICK, pacer=pacer)
    assert report.sent == 5 and sleep.total == 0 and len(receiver.events) == 5


def test_the_default_schedule_waits_longer_each_time_and_honours_retry_after() -> None:
    options = WebhookOptions()
    waits = [options.backoff(n).total_seconds() for n in range(1, options.max_attempts)]
    assert waits == sorted(waits) and waits[0] == 5 and sum(waits) > 24 * 3600
    assert options.backoff(1, retry_after=120).total_seconds() == 120
    assert options.backoff(1, retry_after=10**9).total_seconds() == max(options.retry_schedule)


def test_the_signature_is_the_standard_one() -> None:
    headers = signed_headers(SECRET, event_id="evt_1", body='{"a":1}', at=_at(1_700_000_000))
    assert headers["webhook-id"] == "evt_1" and headers["webhook-timestamp"] == "1700000000"
    # HMAC-SHA256 of "evt_1.1700000000.{"a":1}" with the secret's bytes, base64.
    import base64
    import hashlib
    import hmac

    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    digest = hmac.new(key, b'evt_1.1700000000.{"a":1}', hashlib.sha256).digest()
    assert headers["webhook-signature"] == "v1," + base64.b64encode(digest).decode()


def _at(seconds: int):
    from datetime import UTC, datetime

    return datetime.fromtimestamp(seconds, UTC)
