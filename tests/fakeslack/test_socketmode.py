"""The fake's Socket Mode server speaks what slack_sdk's built-in client expects."""

import json
import os
import socket
import threading
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from tests.fakeslack import FakeSlack, SocketModeServer
from tests.fakeslack.socketmode import accept_key, encode_frame


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(rate_limits=False) as fake:
        yield fake


def client_for(slack: FakeSlack, token: str = "xapp-1-A0001-1-test") -> SocketModeClient:
    web = WebClient(token="xoxb-test", base_url=slack.base_url)
    return SocketModeClient(app_token=token, web_client=web, auto_reconnect_enabled=False)


def close(server: SocketModeServer, client: SocketModeClient) -> None:
    """Hang up from the server first: the client's own close otherwise waits out its recv timeout."""
    for connection in server.connections():
        connection.close(1001)
    client.close()


def test_accept_key_matches_rfc_6455_example() -> None:
    assert accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_without_socket_mode_the_url_is_only_a_url(slack: FakeSlack) -> None:
    web = WebClient(token="xapp-1-A0001-1-x", base_url=slack.base_url)
    assert web.apps_connections_open(app_token="xapp-1-A0001-1-x")["url"].endswith("ticket=fake")


def test_client_connects_gets_hello_and_acks_envelopes_with_payloads(slack: FakeSlack) -> None:
    server = slack.socket_mode()
    client = client_for(slack)
    received: list[dict] = []
    hello = threading.Event()

    def on_message(message: str) -> None:
        if json.loads(message).get("type") == "hello":
            hello.set()

    def on_request(client: SocketModeClient, req: SocketModeRequest) -> None:
        received.append(req.payload)
        answer = {"text": "x" * 70_000} if req.type == "slash_commands" else None
        client.send_socket_mode_response(SocketModeResponse(req.envelope_id, payload=answer))

    client.on_message_listeners.append(on_message)
    client.socket_mode_request_listeners.append(on_request)
    try:
        client.connect()
        server.wait_for_connection()
        assert hello.wait(5)
        big = server.push("slash_commands", {"command": "/lead", "text": "y" * 200_000})
        event = server.push(
            "events_api", {"event_id": "Ev1"}, retry_attempt=1, retry_reason="timeout"
        )
        assert len(server.wait_for_ack(big).payload["text"]) == 70_000
        assert server.wait_for_ack(event).payload is None
        # The client hands envelopes to a thread pool, so they may arrive in either order.
        [command] = [p for p in received if p.get("command") == "/lead"]
        assert len(received) == 2 and command["text"] == "y" * 200_000
        assert server.pings >= 1  # the client pings right after the handshake and gets its pong
    finally:
        close(server, client)
    assert slack.last("apps.connections.open").ok


def test_wait_for_ack_times_out_without_an_ack(slack: FakeSlack) -> None:
    server = slack.socket_mode()
    client = client_for(slack)
    try:
        client.connect()
        server.wait_for_connection()
        envelope_id = server.push("interactive", {"type": "shortcut"})
        with pytest.raises(TimeoutError, match=envelope_id):
            server.wait_for_ack(envelope_id, timeout=0.2)
    finally:
        close(server, client)


def test_app_token_is_required(slack: FakeSlack) -> None:
    slack.socket_mode()
    web = WebClient(token="xoxb-test", base_url=slack.base_url)
    with pytest.raises(SlackApiError):
        web.apps_connections_open(app_token="xoxb-test")
    assert slack.last("apps.connections.open").response == {"ok": False, "error": "invalid_auth"}


def _raw_handshake(server: SocketModeServer, path: str) -> tuple[socket.socket, bytes]:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    sock.sendall(
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    reply = b""
    while b"\r\n\r\n" not in reply:
        chunk = sock.recv(4096)
        if not chunk:
            break
        reply += chunk
    return sock, reply


def server_frames(data: bytes) -> list[tuple[int, bytes]]:
    """Split unmasked, final server frames into (opcode, payload)."""
    frames = []
    while data:
        assert data[0] & 0x80 and not data[1] & 0x80, "servers send final, unmasked frames"
        length, start = data[1], 2
        if length == 126:
            length, start = int.from_bytes(data[2:4], "big"), 4
        frames.append((data[0] & 0x0F, data[start : start + length]))
        data = data[start + length :]
    return frames


def test_unknown_ticket_is_refused(slack: FakeSlack) -> None:
    server = slack.socket_mode()
    sock, reply = _raw_handshake(server, "/link/?ticket=forged")
    sock.close()
    assert reply.startswith(b"HTTP/1.1 401")


def test_unmasked_client_frame_is_closed_with_protocol_error(slack: FakeSlack) -> None:
    server = slack.socket_mode()
    path = server.new_url().split("127.0.0.1:", 1)[1].split("/", 1)[1]
    sock, reply = _raw_handshake(server, "/" + path)
    with sock:
        assert reply.startswith(b"HTTP/1.1 101") and b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in reply
        sock.sendall(encode_frame(0x1, b'{"envelope_id": "x"}'))  # no mask
        data = reply.split(b"\r\n\r\n", 1)[1]
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    (hello_op, hello), (close_op, close) = server_frames(data)
    assert hello_op == 0x1 and json.loads(hello)["type"] == "hello"
    assert close_op == 0x8 and int.from_bytes(close[:2], "big") == 1002
    assert server.acks() == []


def test_masked_close_is_echoed(slack: FakeSlack) -> None:
    server = slack.socket_mode()
    path = "/" + server.new_url().split("/", 3)[3]
    sock, _ = _raw_handshake(server, path)
    with sock:
        sock.sendall(encode_frame(0x8, (1000).to_bytes(2, "big"), mask=os.urandom(4)))
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert b"\x88\x02\x03\xe8" in data
    assert server.close_codes == [1000]
