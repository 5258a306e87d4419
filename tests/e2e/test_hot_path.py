"""The `/touch` hot path end to end: errors after the ack still reach the user, and replies and
Web API calls reuse kept-alive connections to Slack."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from bot import flows
from tests.e2e.leadkit import seed
from tests.e2e.live import OTHER_REP, REP, Live
from tests.fakeslack import RESPONSE_URL


def test_an_unexpected_error_after_the_ack_reaches_the_user(
    live: Live, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    lead_id = seed(live, "Acme Corp")

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(flows, "log_touch", broken)
    reply = live.command("/touch", f"#{lead_id} call Spoke with the CFO")
    assert reply.status == 200 and reply.body == ""
    (answer,) = live.slack.responses()
    assert "Something went wrong on our side" in answer.args["text"]
    assert answer.args["response_type"] == "ephemeral"
    assert "listener failed" in caplog.text


def test_replies_to_several_commands_share_one_connection(live: Live) -> None:
    lead_id = seed(live, "Acme Corp")
    for note in ("first", "second", "third"):
        assert live.command("/touch", f"#{lead_id} call {note}").status == 200
    replies = live.slack.responses()
    assert [call.status for call in replies] == [200, 200, 200]
    assert all("Logged a call" in call.args["text"] for call in replies)
    assert len({call.peer for call in replies}) == 1


def test_web_api_calls_from_listeners_share_one_connection(live: Live) -> None:
    # A first command from each rep reads their profile with users.info.
    lead_id = seed(live, "Acme Corp", owner=OTHER_REP)
    live.command("/touch", f"#{lead_id} call first", user_id=OTHER_REP)
    live.command("/lead", "list", user_id=REP)
    profiles = live.slack.calls("users.info")
    assert len(profiles) == 2
    api_peers = {call.peer for call in profiles}
    reply_peers = {call.peer for call in live.slack.calls(RESPONSE_URL)}
    # One origin here (the fake serves both), so one kept-alive connection carries everything.
    assert len(api_peers | reply_peers) == 1


def test_a_touch_on_a_lead_by_number_writes_in_one_transaction(live: Live) -> None:
    lead_id = seed(live, "Acme Corp")
    live.command("/touch", f"#{lead_id} call first")  # a rep's first command reads their profile
    begun: list[object] = []

    def count(connection: object) -> None:
        begun.append(connection)

    event.listen(live.deps.engine, "begin", count)
    try:
        assert live.command("/touch", f"#{lead_id} call second").status == 200
    finally:
        event.remove(live.deps.engine, "begin", count)
    assert "Logged a call" in live.slack.responses()[-1].args["text"]
    # The owed reply recorded before the ack, the touch itself, the owed reply forgotten after.
    assert len(begun) == 3
