"""Hostile requests against the running server: nothing unverified acts, nothing leaks."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.models import Lead
from tests.e2e.live import REP, Live
from tests.slackkit import FORM, command_body, sign


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
