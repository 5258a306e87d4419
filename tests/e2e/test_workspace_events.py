"""Workspace events through signed Events API requests: profile changes land at once, an uninstall
stops sending and shows on `/readyz`; and every log line of a request names it."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import Engine, func, select

from bot.app import create_app
from bot.deps import Deps
from bot.executor import ListenerExecutor
from bot.metrics import Metrics
from bot.models import ProcessedEvent, Rep
from bot.server import create_http_app, make_server
from bot.services import reps
from bot.watch import Heartbeat, Watch
from tests import support
from tests.fakeslack import FakeSlack
from tests.jsonlogs import json_logs
from tests.slackkit import SlackSender

REP = "UREP00001"
STRANGER = "USTRANGER"


@dataclass
class Watched:
    """pipebot's HTTP server in this process, with the watch its health routes report."""

    deps: Deps
    url: str
    slack: FakeSlack
    sender: SlackSender
    executor: ListenerExecutor
    watch: Watch

    def event(self, event: dict, **kwargs) -> int:
        reply = self.sender.event(event, **kwargs)
        assert self.executor.wait_idle(timeout=10)
        return reply.status

    def readyz(self) -> httpx.Response:
        return httpx.get(self.url + "/readyz")


@contextmanager
def watched_app(engine: Engine, db_url: str, clock: support.TestClock) -> Iterator[Watched]:
    with FakeSlack(rate_limits=False) as slack:
        slack.add_user(REP, name="dana", tz="America/New_York")
        config = support.make_config(db_url, SLACK_API_URL=slack.base_url)
        deps = support.make_deps(engine, config, clock)
        executor, watch = ListenerExecutor(), Watch(sender=Heartbeat())
        bolt = create_app(deps, executor=executor, watch=watch)
        server = make_server(
            create_http_app(deps, bolt, Metrics(), watch), host="127.0.0.1", port=0
        )
        listening = socket.create_server(("127.0.0.1", 0))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]}, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{listening.getsockname()[1]}"
        sender = SlackSender(url, support.SIGNING_SECRET, issuer=slack)
        try:
            yield Watched(deps, url, slack, sender, executor, watch)
        finally:
            sender.close()
            server.should_exit = True
            thread.join(timeout=10)
            executor.shutdown(wait=True)
            listening.close()


@pytest.fixture
def app(engine: Engine, db_url: str, clock: support.TestClock) -> Iterator[Watched]:
    with watched_app(engine, db_url, clock) as running:
        with running.deps.session_factory.begin() as session:
            reps.ensure_rep(session, user_id=REP, now=clock.now())
            reps.update_profile(session, user_id=REP, name="dana", tz="America/New_York",
                                now=clock.now() - timedelta(hours=3))  # fmt: skip
        yield running


def user_change_event(
    user_id: str, *, tz: str, display_name: str = "dana.s", deleted: bool = False
) -> dict:
    """The inner `user_change` event, shaped as in Slack's reference (docs.slack.dev/reference/events/user_change)."""
    return {
        "type": "user_change",
        "user": {
            "id": user_id,
            "team_id": "T0001",
            "name": "dana",
            "deleted": deleted,
            "real_name": "Dana Scully",
            "tz": tz,
            "tz_label": "Central European Time",
            "tz_offset": 3600,
            "profile": {"real_name": "Dana Scully", "display_name": display_name},
            "is_bot": False,
        },
        "cache_ts": 1764600000,
        "event_ts": "1764600000.000100",
    }


def rep(app: Watched, user_id: str = REP) -> Rep | None:
    with app.deps.session_factory() as session:
        return session.get(Rep, user_id)


def test_a_profile_change_updates_the_reps_name_and_timezone_at_once(app: Watched, clock) -> None:
    assert app.event(user_change_event(REP, tz="Europe/Berlin"), event_id="EvCHANGE0001") == 200
    changed = rep(app)
    assert (changed.name, changed.tz, changed.is_active) == ("dana.s", "Europe/Berlin", True)
    assert changed.profile_refreshed_at == clock.now()  # the poll leaves this rep alone for a day
    assert app.slack.calls("users.info") == []  # the event carries the profile: nothing to ask


def test_a_retried_event_is_acted_on_once(app: Watched) -> None:
    event = user_change_event(REP, tz="Europe/Berlin")
    app.event(event, event_id="EvCHANGE0002")
    with app.deps.session_factory.begin() as session:
        reps.update_profile(
            session, user_id=REP, name="dana", tz="Asia/Tokyo", now=app.deps.clock.now()
        )
    assert app.event(event, event_id="EvCHANGE0002", retry_num=1) == 200
    assert rep(app).tz == "Asia/Tokyo"  # the retry changed nothing back


def test_a_deleted_account_is_deactivated_and_a_restored_one_comes_back(app: Watched) -> None:
    app.event(user_change_event(REP, tz="Europe/Berlin", deleted=True))
    gone = rep(app)
    assert not gone.is_active and gone.tz == "America/New_York"  # kept as it was
    app.event(user_change_event(REP, tz="Europe/Berlin"))
    assert rep(app).is_active and rep(app).tz == "Europe/Berlin"


def test_someone_pipebot_does_not_serve_is_not_recorded(app: Watched) -> None:
    assert app.event(user_change_event(STRANGER, tz="Europe/Berlin")) == 200
    assert rep(app, STRANGER) is None
    with app.deps.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Rep)) == 1


def test_an_uninstall_stops_sending_and_readiness_says_why(app: Watched) -> None:
    assert app.readyz().status_code == 200
    with json_logs() as lines:
        assert app.event({"type": "app_uninstalled"}, event_id="EvUNINST0001") == 200
        assert app.event({"type": "app_uninstalled"}, event_id="EvUNINST0001", retry_num=1) == 200
    ready = app.readyz()
    assert ready.status_code == 503
    assert ready.json()["checks"]["slack"] == (
        "the app was uninstalled from the workspace (app_uninstalled); sending paused"
    )
    [line] = lines.matching("pipebot stops sending")  # the retry is not news
    assert line["level"] == "ERROR" and line["event"] == "app_uninstalled"
    with app.deps.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(ProcessedEvent)) == 1


def test_revoked_user_tokens_change_nothing_but_a_revoked_bot_token_stops_sending(
    app: Watched,
) -> None:
    app.event({"type": "tokens_revoked", "tokens": {"oauth": ["UADMIN001"]}})
    assert not app.watch.slack.is_closed and app.readyz().status_code == 200
    app.event({"type": "tokens_revoked", "tokens": {"oauth": ["UADMIN001"], "bot": ["W23456789"]}})
    assert (
        app.watch.slack.closed_because
        == "the bot token was revoked (tokens_revoked); sending paused"
    )
    assert app.readyz().json()["status"] == app.watch.slack.closed_because


def test_a_failing_workspace_event_is_logged_not_sent_to_the_user_it_names(
    app: Watched, monkeypatch
) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr("handlers.workspace.reps.apply_profile_change", broken)
    with json_logs() as lines:
        assert app.event(user_change_event(REP, tz="Europe/Berlin")) == 200
    [line] = lines.matching("handle_user_change_event failed")
    assert line["level"] == "ERROR" and "database hiccup" in line["exception"]
    assert app.slack.calls("chat.postMessage") == [] and app.slack.calls("chat.postEphemeral") == []


def test_every_line_a_command_logs_names_its_request_user_and_command(app: Watched) -> None:
    with app.deps.session_factory.begin() as session:  # a stale profile, so the command asks Slack
        reps.update_profile(session, user_id=REP, name="dana", tz="America/New_York",
                            now=app.deps.clock.now() - timedelta(days=3))  # fmt: skip
    app.slack.fail_next("users.info", error="fatal_error")
    with json_logs() as lines:
        reply = app.sender.command("/lead", "list", user_id=REP)
        assert app.executor.wait_idle(timeout=10)
    assert reply.status == 200
    [line] = lines.matching("users.info failed")
    assert (line["user"], line["command"]) == (REP, "/lead")
    assert line["request_id"] == reply.headers["x-request-id"]
