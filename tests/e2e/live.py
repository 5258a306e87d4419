"""The real app on the real HTTP server, talking to the fake Slack, for end-to-end tests."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.app import create_app
from bot.deps import Deps
from bot.executor import ListenerExecutor
from bot.metrics import Metrics
from bot.server import create_http_app, make_server
from tests import support
from tests.fakeslack import FakeSlack
from tests.slackkit import SlackSender

REP = "UREP00001"
OTHER_REP = "UREP00002"
MANAGER = "UMANAGER1"


@dataclass
class Live:
    """A running pipebot: its deps, its base URL, the fake Slack it talks to and a signed sender."""

    deps: Deps
    url: str
    slack: FakeSlack
    sender: SlackSender
    executor: ListenerExecutor
    metrics: Metrics

    def settle(self) -> None:
        """Wait until every listener has finished its post-ack work."""
        assert self.executor.wait_idle(timeout=10), "listeners did not finish"

    def command(self, command: str, text: str = "", *, user_id: str = REP, **fields):
        reply = self.sender.command(command, text, user_id=user_id, **fields)
        self.settle()
        return reply

    def interact(self, payload: dict):
        reply = self.sender.interact(payload)
        self.settle()
        return reply

    def event(self, event: dict, **kwargs):
        reply = self.sender.event(event, **kwargs)
        self.settle()
        return reply

    def ephemeral_texts(self, user_id: str = REP) -> list[str]:
        """What the user saw privately: response_url replies and chat.postEphemeral messages."""
        texts = [call.args.get("text", "") for call in self.slack.responses()]
        texts += [message.get("text", "") for message in self.slack.ephemerals(user_id)]
        return texts


def _listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


@contextmanager
def running_app(
    engine: Engine, db_url: str, clock: support.TestClock, *, web_client: bool = False, **env: str
) -> Iterator[Live]:
    """Start the fake Slack, then pipebot's HTTP server on an ephemeral port, and stop both after.

    With `web_client`, the deps carry a Slack client too, as `pipebot run` gives them.
    """
    with FakeSlack(rate_limits=False) as slack:
        for user_id, name, tz in (
            (REP, "dana", "America/New_York"),
            (OTHER_REP, "kenji", "Asia/Tokyo"),
            (MANAGER, "max", "America/Chicago"),
        ):
            slack.add_user(user_id, name=name, tz=tz)
        config = support.make_config(db_url, SLACK_API_URL=slack.base_url, **env)
        deps = support.make_deps(engine, config, clock)
        if web_client:
            deps = replace(deps, slack=WebClient(token=support.BOT_TOKEN, base_url=slack.base_url))
        executor = ListenerExecutor()
        metrics = Metrics()
        server = make_server(
            create_http_app(deps, create_app(deps, executor=executor), metrics),
            host="127.0.0.1",
            port=0,
        )
        sock = _listening_socket()
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        sender = SlackSender(url, support.SIGNING_SECRET, issuer=slack)
        try:
            yield Live(deps, url, slack, sender, executor, metrics)
        finally:
            sender.close()
            server.should_exit = True
            thread.join(timeout=10)
            executor.shutdown(wait=True)
            sock.close()
