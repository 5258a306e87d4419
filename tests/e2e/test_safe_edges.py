"""Hostile requests against the running server: nothing unverified acts, nothing leaks."""

from __future__ import annotations

import socket
import tracemalloc
from dataclasses import replace

import httpx
import pytest
from sqlalchemy import func, select

from bot.db import make_engine, make_session_factory
from bot.models import Lead, Touchpoint
from bot.server import accept_inbound
from bot.services.inbound import InboundLead
from bot.slack.ids import Action
from tests.e2e.live import MANAGER, OTHER_REP, REP, Live, running_app
from tests.seeding import seed_lead
from tests.slackkit import FORM, Forgery, block_actions_payload, command_body, sign


def _lead_count(live: Live) -> int:
    with live.deps.session_factory() as session:
        return session.scalar(select(func.count()).select_from(Lead))


@pytest.mark.parametrize("timestamp", ["abc", "1e3", "", "+1", "-5", "0x1F", "１２３", "9" * 40])
def test_a_request_with_an_unreadable_timestamp_is_refused_and_sends_nothing(
    live: Live, timestamp: str
) -> None:
    live.slack.clear()  # app start-up's auth.test
    response_url = live.slack.new_response_url(channel_id="C0001", user_id=REP)
    body = command_body("/lead", "Hooli $1k", user_id=REP, response_url=response_url)
    headers: dict[str, str | bytes] = sign(body, live.sender.secret, 1_700_000_000, FORM)
    headers["x-slack-request-timestamp"] = timestamp.encode()  # raw bytes, as a client may send
    reply = live.sender._client.post(live.sender.url, content=body.encode(), headers=headers)
    live.settle()
    assert reply.status_code == 401
    assert live.slack.calls() == [] and live.slack.responses() == []
    assert _lead_count(live) == 0


def test_an_unsigned_interaction_cannot_make_the_bot_post_anywhere(live: Live) -> None:
    """The error path once answered unverified bodies with the bot token; it must stay silent."""
    live.slack.clear()  # app start-up's auth.test
    body = "payload=%7Bbroken"
    headers = {
        "content-type": FORM,
        "x-slack-request-timestamp": "abc",
        "x-slack-signature": "v0=" + "0" * 64,
    }
    reply = live.sender._client.post(live.sender.url, content=body.encode(), headers=headers)
    live.settle()
    assert reply.status_code == 401
    assert live.slack.calls() == []


def test_a_signed_request_whose_response_url_is_not_slacks_is_refused(live: Live) -> None:
    live.slack.clear()
    reply = live.sender.command(
        "/lead", "Hooli $1k", user_id=REP, response_url="http://169.254.169.254/latest/meta-data"
    )
    live.settle()
    assert reply.status == 400
    assert live.slack.calls() == [] and _lead_count(live) == 0


def test_a_touch_the_ack_could_answer_is_refused_when_its_response_url_is_not_slacks(
    live: Live,
) -> None:
    lead_id = seed_lead(live.deps, "Hooli", owner=REP)
    live.command("/touch", "help")  # settles the rep: the next line could be answered in the ack
    live.slack.clear()
    reply = live.sender.command(
        "/touch",
        f"#{lead_id} call hello",
        user_id=REP,
        response_url="http://169.254.169.254/latest/meta-data",
    )
    live.settle()
    assert reply.status == 400 and reply.body == ""
    assert live.slack.calls() == []
    with live.deps.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Touchpoint)) == 0


def test_a_refused_request_is_logged_as_one_short_line_without_its_body(
    live: Live, caplog: pytest.LogCaptureFixture
) -> None:
    secret_text = "ann@acme.example 555-0100\\nFORGED LOG LINE"
    body = command_body("/lead", secret_text, user_id=REP)
    headers = {"content-type": FORM, "x-slack-request-timestamp": "1", "x-slack-signature": "v0=0"}
    reply = live.sender._client.post(live.sender.url, content=body.encode(), headers=headers)
    assert reply.status_code == 401
    refused = [r for r in caplog.records if "refused a request" in r.getMessage()]
    assert len(refused) == 1 and "\\n" not in refused[0].getMessage()
    assert "ann@acme.example" not in caplog.text and "hooks.slack.com" not in caplog.text


@pytest.mark.parametrize("path", ["/slack/events", "/api/leads"])
def test_a_huge_body_is_refused_without_being_read_into_memory(live: Live, path: str) -> None:
    chunk, total = b"x" * 65536, 40 * 1024 * 1024

    def body():  # a chunked upload, with no Content-Length to go by
        for _ in range(total // len(chunk)):
            yield chunk

    headers = {"content-type": "application/json", "authorization": "Bearer " + "t" * 32}
    tracemalloc.start()
    try:
        try:
            reply = httpx.post(live.url + path, content=body(), headers=headers, timeout=30)
            assert reply.status_code in (401, 404, 413)
        except httpx.TransportError:
            pass  # the server answered and hung up mid-upload
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < total / 4, f"{peak:,} bytes held for a {total:,}-byte upload"


def test_a_declared_huge_body_is_refused_at_once(live: Live) -> None:
    # httpx computes Content-Length itself; a raw request can state a huge one.
    host, port = live.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as conn:
        conn.sendall(
            b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000000000\r\n\r\n{}"
        )
        answer = conn.recv(4096).decode("latin-1")
    assert answer.startswith("HTTP/1.1 413")


def test_the_inbound_api_needs_the_bearer_scheme(engine, db_url, clock) -> None:
    token = "an-inbound-token-of-32-characters"
    with running_app(engine, db_url, clock, PIPEBOT_INBOUND_TOKEN=token) as app:
        url = app.url + "/api/leads"
        for header in (token, f"Basic {token}", f"Bearer{token}", "Bearer", f"bearer {token}x"):
            reply = httpx.post(url, json={"company": "Acme"}, headers={"authorization": header})
            assert reply.status_code == 401, header
        assert _lead_count(app) == 0
        assert httpx.post(
            url, json={"company": "Acme"}, headers={"authorization": f"Bearer {token}"}
        ).status_code in (201, 409)


def test_the_inbound_api_answers_503_when_the_database_is_down(
    engine, db_url, clock, caplog: pytest.LogCaptureFixture
) -> None:
    token = "an-inbound-token-of-32-characters"
    with running_app(engine, db_url, clock, PIPEBOT_INBOUND_TOKEN=token) as app:
        broken = make_engine("sqlite:////nonexistent-dir/pipebot.db")
        down = replace(app.deps, engine=broken, session_factory=make_session_factory(broken))
        status, payload = accept_inbound(
            down, InboundLead(company="Acme", email="ann@acme.example")
        )
    assert status == 503 and "database is unavailable" in str(payload["error"])
    assert "ann@acme.example" not in caplog.text and "Traceback" not in caplog.text


BROKEN_BODIES = [
    ("application/json", "[]"),
    ("application/json", '{"type": "event_callback", "event": '),
    ("application/json", '"just a string"'),
    ("application/json", '{"type": "event_callback", "event": []}'),
    (FORM, "payload=%7Bbroken"),
    (FORM, "payload=%5B1%2C2%5D"),
    (FORM, "payload=%7B%22type%22%3A%22block_actions%22%2C%22actions%22%3A%5B%5D%7D"),
    (FORM, "command=%2Flead&text=%00%01"),
    (FORM, "\x00\x01\x02"),
]


@pytest.mark.parametrize(("content_type", "body"), BROKEN_BODIES)
def test_a_body_that_does_not_parse_is_refused_unsigned_and_answered_signed(
    live: Live, content_type: str, body: str, caplog: pytest.LogCaptureFixture
) -> None:
    live.slack.clear()
    unsigned = live.sender.post(body, content_type, forgery=Forgery.UNSIGNED)
    signed = live.sender.post(body, content_type)
    live.settle()
    assert unsigned.status == 401
    assert signed.status in (200, 400)
    assert "Traceback" not in caplog.text
    assert live.slack.calls() == [] and _lead_count(live) == 0


def test_open_lead_in_a_channel_without_a_response_url_shows_the_card_only_to_the_clicker(
    live: Live,
) -> None:
    seed_lead(live.deps, "Acme Corp", owner=REP, email="ann@acme.example")
    live.slack.clear()
    payload = block_actions_payload(
        user_id=MANAGER,
        action_id=Action.OPEN_LEAD,
        value="1",
        channel_id="CMANAGERS",
        message_ts="1700000000.000100",
    )
    del payload["response_url"]
    live.interact(payload)
    assert live.slack.calls("chat.postMessage") == []
    [ephemeral] = live.slack.calls("chat.postEphemeral")
    assert ephemeral.args["user"] == MANAGER and "ann@acme.example" in str(ephemeral.args)


@pytest.mark.parametrize(
    ("assignee", "says"),
    [
        ("U0NOBODY9", "is not someone in this workspace"),
        ("UGONE0001", "has been deactivated"),
        ("UROBOT001", "is a bot"),
    ],
)
def test_a_lead_is_never_given_to_someone_who_cannot_work_it(
    live: Live, assignee: str, says: str
) -> None:
    live.slack.add_user("UGONE0001", name="gone", deleted=True)
    live.slack.add_user("UROBOT001", name="robot", is_bot=True)
    seed_lead(live.deps, "Acme Corp", owner=REP)
    live.command("/lead", f"assign 1 <@{assignee}>")
    live.command("/lead", f"Globex <@{assignee}>")
    with live.deps.session_factory() as session:
        owners = list(session.scalars(select(Lead.owner_id)))
    assert owners == [REP]
    texts = live.ephemeral_texts()
    assert sum(says in text for text in texts) >= 2, texts


def test_a_command_is_recorded_before_its_ack_and_forgotten_once_answered(
    live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    from concurrent.futures import ThreadPoolExecutor
    from threading import Event

    from bot import flows
    from bot.models import AcceptedCommand

    working, release = Event(), Event()
    create = flows.create_lead

    def slow_create(*args, **kwargs):  # the process would die here, after the ack
        working.set()
        assert release.wait(10)
        return create(*args, **kwargs)

    monkeypatch.setattr(flows, "create_lead", slow_create)

    def pending() -> int:
        with live.deps.session_factory() as session:
            return session.scalar(select(func.count()).select_from(AcceptedCommand))

    with ThreadPoolExecutor(1) as pool:
        reply = pool.submit(live.sender.command, "/lead", "Acme $5k", user_id=REP)
        assert reply.result(timeout=10).status == 200  # acknowledged…
        assert working.wait(10) and pending() == 1  # …and owed until answered
        release.set()
    live.settle()
    assert pending() == 0 and _lead_count(live) == 1


def test_a_command_a_restart_left_unanswered_gets_an_apology_once(live: Live) -> None:
    from dataclasses import replace as with_changes
    from datetime import timedelta

    from slack_sdk import WebClient

    from bot.services.accepted import accept
    from jobs import owed_replies
    from tests import support

    url = live.slack.new_response_url(channel_id="C0001", user_id=REP)
    now = live.deps.clock.now()
    with live.deps.session_factory.begin() as session:
        accept(session, user_id=REP, channel_id="C0001", command="/lead", text="Acme <!channel>",
               response_url=url, now=now)  # fmt: skip
        accept(session, user_id=OTHER_REP, channel_id=None, command="/touch", text="acme call",
               response_url=None, now=now - timedelta(hours=2))  # fmt: skip
    deps = with_changes(
        live.deps, slack=WebClient(token=support.BOT_TOKEN, base_url=live.slack.base_url)
    )
    owed_replies.run(deps, now + timedelta(minutes=1))  # too soon: it may still be working
    assert live.slack.responses(url) == []
    for _ in range(2):
        owed_replies.run(deps, now + timedelta(minutes=5))
    [answer] = live.slack.responses(url)
    assert (
        "restarted while it was working on your `/lead Acme &lt;!channel&gt;`"
        in answer.args["text"]
    )
    [dm] = live.slack.dms_to(OTHER_REP)
    assert "`/touch acme call`" in dm["text"]


def test_slack_events_takes_only_post(live: Live) -> None:
    reply = httpx.get(live.sender.url, timeout=10)
    assert reply.status_code == 405 and reply.headers["allow"] == "POST"
    assert len(reply.headers["x-request-id"]) == 16


def test_a_failure_at_the_edge_is_a_logged_500_with_the_requests_id(
    live: Live, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from bot import server

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the edge broke")

    monkeypatch.setattr(server, "shape_of", broken)
    reply = live.sender.command("/touch", "#1 call hello", user_id=REP)
    assert reply.status == 500 and reply.body == "Internal Server Error"
    (record,) = [r for r in caplog.records if r.getMessage() == "a request to /slack/events failed"]
    assert record.exc_info is not None and "the edge broke" in str(record.exc_info[1])
    assert reply.headers["x-request-id"] and len(reply.headers["x-request-id"]) == 16
