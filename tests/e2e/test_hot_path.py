"""The `/touch` hot path end to end: a settled rep's `/touch #42 …` is answered in its ack, errors
after an ack still reach the user, and replies and Web API calls reuse kept-alive connections."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, func, select

from bot import flows
from bot.domain.schedule import add_working_days
from bot.models import AcceptedCommand, Rep, Touchpoint
from bot.services import touches
from tests import support
from tests.e2e.leadkit import lead, seed
from tests.e2e.live import MANAGER, OTHER_REP, REP, Live, running_app
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
    seed(live, "Acme Corp")
    for note in ("first", "second", "third"):
        # Lines the ack cannot answer (no lead by number): each is answered on the response_url.
        assert live.command("/touch", f"Acme Corp call {note}").status == 200
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
    # The touch itself: answered in the ack, nothing is owed to the user, so nothing is recorded.
    assert len(begun) == 1


def test_a_settled_reps_touch_is_answered_in_its_ack(live: Live) -> None:
    lead_id = seed(live, "Acme Corp")
    first = live.command("/touch", f"#{lead_id} call first")  # reads the profile from Slack
    assert first.body == ""
    (general,) = live.slack.responses()
    second = live.command("/touch", f"#{lead_id} call second")
    assert second.status == 200
    assert second.headers["content-type"] == "application/json"
    answer = second.json()
    assert answer["response_type"] == "ephemeral"
    assert answer["text"] == general.args["text"].replace("first", "second")
    assert [block["type"] for block in answer["blocks"]] == [
        block["type"] for block in general.args["blocks"]
    ]
    assert len(live.slack.responses()) == 1  # nothing more on the response_url
    assert [touch.note for touch in _touches(live, lead_id)] == ["first", "second"]
    with live.deps.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(AcceptedCommand)) == 0


def test_a_failure_in_the_ack_is_answered_in_one_line_and_writes_nothing(
    live: Live, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    lead_id = seed(live, "Acme Corp")
    _settled(live, REP)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(touches, "log_touch_on_row", broken)
    reply = live.command("/touch", f"#{lead_id} call hello")
    answer = reply.json()
    assert answer["response_type"] == "ephemeral" and "blocks" not in answer
    assert answer["text"].startswith("Something went wrong on our side (ref `")
    assert "listener failed" in caplog.text
    assert _touches(live, lead_id) == []
    assert len(live.slack.responses()) == 1  # the help line that settled the rep, nothing else


# A rep whose record and profile are settled takes the single-transaction path: the same rules,
# in the same words, as any other line.


def _settled(live: Live, *user_ids: str) -> None:
    for user_id in user_ids:
        live.command("/touch", "help", user_id=user_id)  # reads the profile from Slack


def _touches(live: Live, lead_id: int) -> list[Touchpoint]:
    with live.deps.session_factory() as session:
        found = list(session.scalars(select(Touchpoint).where(Touchpoint.lead_id == lead_id)))
        session.expunge_all()
        return found


def test_a_settled_rep_may_not_touch_someone_elses_lead(live: Live) -> None:
    lead_id = seed(live, "Acme Corp", owner=OTHER_REP)
    _settled(live, REP)
    live.command("/touch", f"#{lead_id} call hello")
    said = live.slack.responses()[-1].args["text"]
    assert (
        said == f"Only <@{OTHER_REP}> (the owner) or a manager can log touches on lead #{lead_id}."
    )
    assert _touches(live, lead_id) == []


def test_a_settled_rep_covering_for_an_away_rep_touches_their_lead(live: Live) -> None:
    lead_id = seed(live, "Acme Corp", owner=OTHER_REP)
    _settled(live, REP, OTHER_REP)
    today = live.deps.clock.now().date()
    with live.deps.session_factory.begin() as session:
        away = session.get(Rep, OTHER_REP)
        assert away is not None
        away.away_until, away.away_delegate = today + timedelta(days=3), REP
    answer = live.command("/touch", f"#{lead_id} call covering for them").json()
    assert "Logged a call" in answer["text"]
    (touch,) = _touches(live, lead_id)
    assert (touch.author_id, touch.note) == (REP, "covering for them")


def test_a_settled_manager_touching_a_reps_lead_dates_next_on_the_owners_calendar(
    live: Live,
) -> None:
    lead_id = seed(live, "Acme Corp", owner=OTHER_REP)
    _settled(live, MANAGER, OTHER_REP)
    with live.deps.session_factory.begin() as session:
        owner = session.get(Rep, OTHER_REP)
        assert owner is not None
        owner.own_working_days = "mon,tue,wed,thu"
    answer = live.command("/touch", f"#{lead_id} call next:3d", user_id=MANAGER).json()
    assert "Logged a call" in answer["text"]
    # Three of the owner's working days (Monday to Thursday), not the team's.
    today = live.deps.clock.now().astimezone(live.deps.team_zone).date()
    assert lead(live, lead_id).next_follow_up == add_working_days(today, 3, (0, 1, 2, 3))


def test_a_settled_rep_dropped_from_the_roster_is_refused_and_writes_nothing(
    engine: Engine, db_url: str, clock: support.TestClock, tmp_path: Path
) -> None:
    path = tmp_path / "pipeline.toml"
    path.write_text(f'[team]\nreps = ["{REP}"]\nmanagers = ["{MANAGER}"]\n', encoding="utf-8")
    with running_app(engine, db_url, clock, PIPEBOT_CONFIG=str(path)) as live:
        lead_id = seed(live, "Acme Corp")
        _settled(live, REP)
        # Still a rep record with a fresh profile, but no longer on the roster.
        with live.deps.session_factory.begin() as session:
            kept = session.get(Rep, REP)
            assert kept is not None
            session.add(
                Rep(
                    id=OTHER_REP,
                    name="Gone",
                    role="rep",
                    created_at=kept.created_at,
                    profile_refreshed_at=live.deps.clock.now(),
                )
            )
        live.command("/touch", f"#{lead_id} call hello", user_id=OTHER_REP)
        assert "not on its roster" in live.slack.responses()[-1].args["text"]
        assert _touches(live, lead_id) == []


def test_touches_on_one_lead_at_the_same_moment_are_each_written_and_answered_once(
    live: Live,
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    lead_id = seed(live, "Acme Corp")
    _settled(live, REP)
    notes = [f"call number {index}" for index in range(20)]
    with ThreadPoolExecutor(len(notes)) as pool:
        replies = list(
            pool.map(
                lambda note: live.sender.command("/touch", f"#{lead_id} call {note}", user_id=REP),
                notes,
            )
        )
    live.settle()
    assert all(reply.status == 200 for reply in replies)
    assert all("Logged a call" in reply.json()["text"] for reply in replies)
    assert sorted(touch.note for touch in _touches(live, lead_id)) == sorted(notes)
    assert lead(live, lead_id).touch_count == len(notes)  # no update lost to another
    assert len(live.slack.responses()) == 1  # the help line that settled the rep, nothing else
