"""Kept-alive connections to Slack: reused, dropped when the server closed them, and failing as
urllib fails so slack_sdk's retry handlers decide as before."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.error import URLError

import pytest
from slack_bolt.context.respond.internals import _build_message
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler
from slack_sdk.models.blocks import SectionBlock

from bot.slack.http import ConnectionPool, PooledRespond, PooledWebClient, message_for
from tests.fakeslack import RESPONSE_URL, FakeSlack
from tests.support import BOT_TOKEN

USER = "U0DANA001"


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(rate_limits=False) as fake:
        fake.add_user(USER, name="dana")
        yield fake


def client(slack: FakeSlack, pool: ConnectionPool, **options: Any) -> PooledWebClient:
    return PooledWebClient(token=BOT_TOKEN, base_url=slack.base_url, pool=pool, **options)


def test_web_api_calls_reuse_one_connection(slack: FakeSlack) -> None:
    pool = ConnectionPool()
    web = client(slack, pool)
    for text in ("one", "two", "three"):
        assert web.chat_postMessage(channel=USER, text=text)["ok"]
    assert web.users_info(user=USER)["user"]["id"] == USER
    assert pool.opened == 1
    assert len({call.peer for call in slack.calls()}) == 1


def test_replies_reuse_one_connection_and_say_what_bolts_respond_says(slack: FakeSlack) -> None:
    pool = ConnectionPool()
    url = slack.new_response_url(channel_id="C0001", user_id=USER)
    respond = PooledRespond(response_url=url, pool=pool)
    respond(text="first", response_type="ephemeral")
    respond(text="second", blocks=[SectionBlock(text="*second*")], replace_original=False)
    respond({"text": "third", "delete_original": False})
    calls = slack.responses(url)
    assert [call.args["text"] for call in calls] == ["first", "second", "third"]
    assert calls[1].args["blocks"][0]["text"]["text"] == "*second*"
    assert pool.opened == 1 and len({call.peer for call in calls}) == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"text": "plain"},
        {"text": "t", "response_type": "in_channel", "replace_original": True, "thread_ts": "1.2"},
        {"text": "t", "blocks": [{"type": "divider"}], "unfurl_links": False, "metadata": {}},
        {"text": "t", "blocks": [], "attachments": [{"text": "a"}], "delete_original": True},
        {"text": "t", "blocks": [SectionBlock(text="hi")], "unfurl_media": True},
    ],
)
def test_reply_bodies_match_bolts_respond(fields: dict[str, Any]) -> None:
    assert message_for(**fields) == _build_message(**fields)


def test_a_server_error_is_a_slack_api_error_with_its_status(slack: FakeSlack) -> None:
    web = client(slack, ConnectionPool(), retry_handlers=[])
    slack.fail_next("chat.postMessage", status=503)
    with pytest.raises(SlackApiError) as raised:
        web.chat_postMessage(channel=USER, text="hello")
    assert raised.value.response.status_code == 503
    slack.fail_next("chat.postMessage", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as limited:
        web.chat_postMessage(channel=USER, text="hello")
    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["Retry-After"] == "7"
    assert web.chat_postMessage(channel=USER, text="hello")["ok"]  # the connection lives on


def test_a_dropped_answer_is_retried_once_as_with_urllib(slack: FakeSlack) -> None:
    pool = ConnectionPool()
    web = client(slack, pool, retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=1)])
    assert web.auth_test()["ok"]  # a kept-alive connection is now idle in the pool
    slack.fail_after_accept("chat.postMessage")
    assert web.chat_postMessage(channel=USER, text="hello")["ok"]
    assert [call.status for call in slack.calls("chat.postMessage")] == [0, 200]


def test_nothing_listening_fails_as_urllib_does(slack: FakeSlack) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(URLError):
        ConnectionPool().post(f"http://127.0.0.1:{port}/api/x", body=b"", headers={}, timeout=5)


class _ClosingHandler(BaseHTTPRequestHandler):
    """Answers as if keeping the connection alive, then closes it, as an idle timeout would."""

    protocol_version = "HTTP/1.1"
    closed = threading.Event()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "11")
        self.end_headers()
        self.wfile.write(b'{"ok":true}')
        self.close_connection = True

    def finish(self) -> None:
        super().finish()
        self.connection.close()
        type(self).closed.set()

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet."""


def test_a_connection_the_server_closed_while_idle_is_replaced() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ClosingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        pool = ConnectionPool()
        url = f"http://127.0.0.1:{server.server_address[1]}/api/x"
        for _ in range(3):
            _ClosingHandler.closed.clear()
            answer = pool.post(url, body=b"{}", headers={}, timeout=5)
            assert answer.status == 200 and answer.body == b'{"ok":true}'
            assert _ClosingHandler.closed.wait(5)
        assert pool.opened == 3
    finally:
        server.shutdown()
        server.server_close()


def test_replies_go_to_the_fake_as_response_url_posts(slack: FakeSlack) -> None:
    url = slack.new_response_url(channel_id="C0001", user_id=USER)
    PooledRespond(response_url=url, pool=ConnectionPool())(text="hello")
    assert slack.last(RESPONSE_URL).args == {"text": "hello"}
