"""The listener executor: acks go out while every work slot is taken, and wait_idle covers the work.

A real Bolt app dispatches signed requests, as pipebot's HTTP server does. Nothing is timed: each
test holds a listener's work on an event it controls and checks what has and has not happened.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_bolt import Ack, App, BoltRequest
from slack_bolt.authorization import AuthorizeResult

import bot.executor
from bot.db import make_engine
from bot.executor import ListenerExecutor, TrackAcks
from tests.slackkit import command_body, event_body, sign
from tests.support import BOT_TOKEN, SIGNING_SECRET

PATIENCE = 10  # seconds before a wait that must succeed counts as a failure


@pytest.fixture
def executor() -> Iterator[ListenerExecutor]:
    pool = ListenerExecutor(work_slots=1)
    yield pool
    pool.shutdown(wait=True)


@pytest.fixture
def app(executor: ListenerExecutor) -> App:
    bolt = App(
        signing_secret=SIGNING_SECRET,
        authorize=lambda **_: AuthorizeResult(  # no auth.test: these tests reach no Slack
            enterprise_id=None, team_id="T0001", bot_token=BOT_TOKEN, bot_user_id="UBOT"
        ),
        listener_executor=executor,
    )
    bolt.middleware(TrackAcks())
    return bolt


def dispatch(app: App, body: str) -> Any:
    return app.dispatch(
        BoltRequest(body=body, headers=sign(body, SIGNING_SECRET, int(time.time())))
    )


def command(app: App, name: str) -> Any:
    return dispatch(app, command_body(name, "", user_id="U0001"))


class Held:
    """A listener that acks, then holds its work slot until released."""

    def __init__(self) -> None:
        self.working = threading.Event()
        self.release = threading.Event()

    def __call__(self, ack: Ack) -> None:
        ack()
        self.working.set()
        assert self.release.wait(PATIENCE)


def test_an_ack_goes_out_while_every_work_slot_is_taken(
    app: App, executor: ListenerExecutor
) -> None:
    held, done = Held(), threading.Event()
    app.command("/held")(held)

    @app.command("/next")
    def next_command(ack: Ack) -> None:
        ack()
        done.set()

    assert command(app, "/held").status == 200
    assert held.working.wait(PATIENCE)  # the only work slot is now taken
    assert command(app, "/next").status == 200  # acked all the same
    assert not done.is_set()  # its work waits for the slot
    held.release.set()
    assert executor.wait_idle(timeout=PATIENCE)
    assert done.is_set()


def test_wait_idle_returns_only_after_the_work_after_the_ack(
    app: App, executor: ListenerExecutor
) -> None:
    held = Held()
    app.command("/held")(held)
    assert command(app, "/held").status == 200
    assert held.working.wait(PATIENCE)
    assert executor.wait_idle(timeout=0.05) is False
    held.release.set()
    assert executor.wait_idle(timeout=PATIENCE) is True


def test_an_event_acked_before_its_listener_starts_takes_a_slot_too(
    app: App, executor: ListenerExecutor
) -> None:
    held, seen = Held(), threading.Event()
    app.command("/held")(held)

    @app.event("app_home_opened")
    def home_opened() -> None:
        seen.set()

    command(app, "/held")
    assert held.working.wait(PATIENCE)
    opened = {"type": "app_home_opened", "user": "U0001", "channel": "D0001", "tab": "home"}
    assert dispatch(app, event_body(opened)).status == 200
    assert not seen.is_set()
    held.release.set()
    assert executor.wait_idle(timeout=PATIENCE)
    assert seen.is_set()


def test_a_listener_that_fails_before_its_ack_gets_bolts_error_answer_at_once(
    app: App, executor: ListenerExecutor
) -> None:
    @app.command("/broken")
    def broken(ack: Ack) -> None:
        raise RuntimeError("before the ack")

    assert command(app, "/broken").status == 500
    assert executor.wait_idle(timeout=PATIENCE)


def test_acks_from_many_listeners_at_once_all_go_out(app: App, executor: ListenerExecutor) -> None:
    release = threading.Event()
    finished: list[int] = []
    lock = threading.Lock()

    @app.command("/many")
    def many(ack: Ack) -> None:
        ack()
        assert release.wait(PATIENCE)
        with lock:
            finished.append(1)

    statuses: list[int] = []

    def send() -> None:
        statuses.append(command(app, "/many").status)

    senders = [threading.Thread(target=send) for _ in range(20)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(PATIENCE)
    assert statuses == [200] * 20 and not finished  # every ack out, no work done yet
    release.set()
    assert executor.wait_idle(timeout=PATIENCE)
    assert len(finished) == 20


def test_work_waits_while_another_request_waits_for_its_ack(
    app: App, executor: ListenerExecutor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.executor, "YIELD_SECONDS", PATIENCE)
    done = threading.Event()

    @app.command("/work")
    def work(ack: Ack) -> None:
        ack()
        done.set()

    executor.arrived()  # a request the HTTP server has not answered yet
    assert command(app, "/work").status == 200
    assert not done.is_set()
    executor.answered()
    assert executor.wait_idle(timeout=PATIENCE)
    assert done.is_set()


def test_work_yields_to_pending_acks_only_for_a_while(
    app: App, executor: ListenerExecutor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.executor, "YIELD_SECONDS", 0)
    done = threading.Event()

    @app.command("/work")
    def work(ack: Ack) -> None:
        ack()
        done.set()

    executor.arrived()  # never answered: the work must not starve
    assert command(app, "/work").status == 200
    assert executor.wait_idle(timeout=PATIENCE)
    assert done.is_set()
    executor.answered()


def test_post_ack_transactions_give_way_to_acks_going_out(
    app: App, executor: ListenerExecutor, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(bot.executor, "GATE_SECONDS", PATIENCE)
    engine = make_engine(f"sqlite:///{tmp_path / 'gate.db'}")
    working, go_on, wrote = threading.Event(), threading.Event(), threading.Event()

    @app.command("/work")
    def work(ack: Ack) -> None:
        ack()
        working.set()
        assert go_on.wait(PATIENCE)
        with engine.begin() as connection:
            connection.exec_driver_sql("SELECT 1")
        wrote.set()

    try:
        assert command(app, "/work").status == 200
        assert working.wait(PATIENCE)  # past its ack, holding its work slot
        executor.arrived()  # now a request waits for its ack
        go_on.set()
        assert not wrote.wait(0.05)  # its transaction waits at the gate
        executor.answered()
        assert wrote.wait(PATIENCE)
        assert executor.wait_idle(timeout=PATIENCE)
    finally:
        engine.dispose()
