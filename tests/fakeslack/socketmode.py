"""A minimal Socket Mode WebSocket server: Slack's side of `apps.connections.open`'s ws:// URL.

Speaks just enough RFC 6455 for slack_sdk's clients: the opening handshake, unmasked text frames
from the server, masked frames from the client (text, continuation, ping, pong, close). On connect
it sends Slack's `hello`; tests push envelopes with `push()` and wait for the app's acks with
`wait_for_ack()`.
"""

import base64
import contextlib
import hashlib
import itertools
import json
import secrets
import socket
import struct
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from .defaults import APP_ID

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_CONTINUATION, _TEXT, _BINARY, _CLOSE, _PING, _PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
_MAX_PAYLOAD = 16 * 1024 * 1024
_HANDSHAKE_LIMIT = 16 * 1024


def accept_key(key: str) -> str:
    """The Sec-WebSocket-Accept value for a client's Sec-WebSocket-Key (RFC 6455 §4.2.2)."""
    return base64.b64encode(hashlib.sha1((key + _GUID).encode()).digest()).decode()


def encode_frame(opcode: int, payload: bytes = b"", *, mask: bytes | None = None) -> bytes:
    """One final frame; servers send unmasked (mask=None), clients masked."""
    header = bytes([0x80 | opcode])
    bit = 0x80 if mask is not None else 0
    length = len(payload)
    if length <= 125:
        header += bytes([bit | length])
    elif length <= 0xFFFF:
        header += bytes([bit | 126]) + struct.pack("!H", length)
    else:
        header += bytes([bit | 127]) + struct.pack("!Q", length)
    if mask is None:
        return header + payload
    return header + mask + _unmask(payload, mask)


def _unmask(data: bytes, mask: bytes) -> bytes:
    """XOR data with the repeating 4-byte mask (masking and unmasking are the same)."""
    if not data:
        return data
    key = int.from_bytes((mask * (len(data) // 4 + 1))[: len(data)], "big")
    return (int.from_bytes(data, "big") ^ key).to_bytes(len(data), "big")


class ProtocolError(Exception):
    """The client broke RFC 6455; the connection is closed with `code`."""

    def __init__(self, code: int, reason: str) -> None:
        """Keep the close code to send."""
        super().__init__(reason)
        self.code = code


@dataclass(frozen=True)
class Ack:
    """What the app sent back for an envelope: its id and the optional response payload."""

    envelope_id: str
    payload: dict[str, Any] | None
    connection: int


class _Connection:
    """One accepted WebSocket: a reader thread, and a lock so writers never interleave frames."""

    def __init__(self, server: "SocketModeServer", sock: socket.socket, number: int) -> None:
        """Wrap an accepted socket; nothing is read until run()."""
        self.server = server
        self.sock = sock
        self.number = number
        self.path = ""
        self.open = False
        self._send_lock = threading.Lock()
        self._buffer = b""

    def run(self) -> None:
        """Handshake, greet, then read frames until either side closes."""
        try:
            if not self._handshake():
                return
            self.server._opened(self)
            self.send_json(self.server.hello())
            self._read_frames()
        except ProtocolError as exc:
            self.close(exc.code, str(exc))
        except OSError:
            pass
        finally:
            self.open = False
            with contextlib.suppress(OSError):
                self.sock.close()
            self.server._closed(self)

    def send_json(self, message: Mapping[str, Any]) -> None:
        """Send one JSON text frame."""
        self.send_frame(_TEXT, json.dumps(message).encode())

    def send_frame(self, opcode: int, payload: bytes = b"") -> None:
        """Send one unmasked frame; OSError when the socket is gone."""
        with self._send_lock:
            self.sock.sendall(encode_frame(opcode, payload))

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Send a close frame (once) and shut the socket down so the reader stops."""
        if self.open:
            self.open = False
            with contextlib.suppress(OSError):
                self.send_frame(_CLOSE, struct.pack("!H", code) + reason.encode()[:120])
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)

    def _recv_exactly(self, size: int) -> bytes:
        """Read exactly `size` bytes; ConnectionError on EOF."""
        while len(self._buffer) < size:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("client went away")
            self._buffer += chunk
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def _handshake(self) -> bool:
        """Answer the HTTP Upgrade request; False (after an HTTP error reply) when it is not one."""
        while b"\r\n\r\n" not in self._buffer:
            if len(self._buffer) > _HANDSHAKE_LIMIT:
                return self._refuse("431 Request Header Fields Too Large")
            chunk = self.sock.recv(4096)
            if not chunk:
                return False
            self._buffer += chunk
        head, self._buffer = self._buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if len(parts) != 3 or parts[0] != "GET":
            return self._refuse("405 Method Not Allowed")
        key = headers.get("sec-websocket-key", "")
        if (
            headers.get("upgrade", "").lower() != "websocket"
            or "upgrade" not in headers.get("connection", "").lower()
            or headers.get("sec-websocket-version") != "13"
            or not key
        ):
            return self._refuse("400 Bad Request")
        url = urlsplit(parts[1])
        ticket = (parse_qs(url.query).get("ticket") or [""])[0]
        if url.path.rstrip("/") != "/link" or not self.server._valid_ticket(ticket):
            return self._refuse("401 Unauthorized")
        self.path = parts[1]
        response = (
            "HTTP/1.1 101 Switching Protocols\r\n"
            "Upgrade: websocket\r\n"
            "Connection: Upgrade\r\n"
            f"Sec-WebSocket-Accept: {accept_key(key)}\r\n\r\n"
        )
        with self._send_lock:
            self.sock.sendall(response.encode())
        self.open = True
        return True

    def _refuse(self, status: str) -> bool:
        """Answer a failed handshake with a plain HTTP error."""
        with contextlib.suppress(OSError):
            self.sock.sendall(f"HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n".encode())
        return False

    def _read_frames(self) -> None:
        """Read client frames: reassemble text messages, answer pings, echo close."""
        message: bytearray | None = None
        while True:
            first, second = self._recv_exactly(2)
            fin, opcode = first & 0x80, first & 0x0F
            if first & 0x70:
                raise ProtocolError(1002, "reserved bits set")
            if not second & 0x80:
                raise ProtocolError(1002, "client frames must be masked")
            length = second & 0x7F
            if length == 126:
                (length,) = struct.unpack("!H", self._recv_exactly(2))
            elif length == 127:
                (length,) = struct.unpack("!Q", self._recv_exactly(8))
            if length > _MAX_PAYLOAD:
                raise ProtocolError(1009, "message too big")
            mask = self._recv_exactly(4)
            payload = _unmask(self._recv_exactly(length), mask)
            if opcode >= _CLOSE:
                if not fin or length > 125:
                    raise ProtocolError(1002, "bad control frame")
                if opcode == _CLOSE:
                    code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1000
                    self.server._record_close(self, code)
                    self.close(code if code in (1000, 1001) else 1000)
                    return
                if opcode == _PING:
                    self.server._record_ping(self, payload)
                    self.send_frame(_PONG, payload)
                continue
            if opcode == _BINARY:
                raise ProtocolError(1003, "Socket Mode is text only")
            if opcode == _TEXT:
                if message is not None:
                    raise ProtocolError(1002, "new message inside a fragmented one")
                message = bytearray()
            elif opcode != _CONTINUATION or message is None:
                raise ProtocolError(1002, f"unexpected opcode {opcode}")
            message += payload
            if fin:
                text, message = bytes(message), None
                try:
                    decoded = text.decode("utf-8")
                except UnicodeDecodeError:
                    raise ProtocolError(1007, "text frame is not UTF-8") from None
                self.server._received(self, decoded)


class SocketModeServer:
    """Socket Mode on ws://127.0.0.1:<ephemeral port>/link/?ticket=…, served from daemon threads."""

    def __init__(self, *, app_id: str = APP_ID) -> None:
        """Configure; nothing listens until start()."""
        self.app_id = app_id
        self._condition = threading.Condition(threading.RLock())
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._tickets: set[str] = set()
        self._connections: list[_Connection] = []
        self._numbers = itertools.count(1)
        self._connected_total = 0
        self._messages: list[tuple[int, Any]] = []
        self._acks: list[Ack] = []
        self._pings = 0
        self._close_codes: list[int] = []

    # lifecycle

    def start(self) -> Self:
        """Bind an ephemeral loopback port and accept from a daemon thread."""
        if self._listener is not None:
            raise RuntimeError("SocketModeServer is already running")
        listener = socket.create_server(("127.0.0.1", 0))
        self._listener = listener
        self._thread = threading.Thread(
            target=self._accept_loop, args=(listener,), name="fakeslack-socketmode", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close every connection with 1001 (going away) and stop listening; safe to call twice."""
        listener, thread = self._listener, self._thread
        self._listener = self._thread = None
        for connection in self.connections():
            connection.close(1001, "server stopping")
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        """Start on entering a with-block."""
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Stop on leaving a with-block."""
        self.stop()

    @property
    def port(self) -> int:
        """The port listened on."""
        if self._listener is None:
            raise RuntimeError("SocketModeServer is not running; call start() first")
        return self._listener.getsockname()[1]

    def new_url(self) -> str:
        """A fresh ws:// URL with its own ticket, as apps.connections.open hands out."""
        ticket = secrets.token_hex(16)
        with self._condition:
            self._tickets.add(ticket)
        return f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}"

    def hello(self) -> dict[str, Any]:
        """Slack's greeting on a new connection."""
        with self._condition:
            count = len(self._connections)
        return {
            "type": "hello",
            "num_connections": count,
            "debug_info": {
                "host": "applink-fakeslack",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": self.app_id},
        }

    # what tests do

    def connections(self) -> list[_Connection]:
        """The open connections, oldest first."""
        with self._condition:
            return list(self._connections)

    def wait_for_connection(self, count: int = 1, timeout: float = 5.0) -> None:
        """Block until `count` clients connected (in total, since start); TimeoutError otherwise."""
        with self._condition:
            if not self._condition.wait_for(lambda: self._connected_total >= count, timeout):
                raise TimeoutError(
                    f"{self._connected_total} Socket Mode connection(s) within {timeout}s, wanted {count}"
                )

    def send(self, message: Mapping[str, Any]) -> None:
        """Send a JSON message on the newest open connection (Slack picks one of the app's)."""
        connections = self.connections()
        if not connections:
            raise RuntimeError("no Socket Mode client is connected")
        connections[-1].send_json(message)

    def push(
        self,
        kind: str,
        payload: Mapping[str, Any],
        *,
        envelope_id: str | None = None,
        accepts_response_payload: bool | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> str:
        """Deliver an envelope as Slack does and return its envelope_id.

        `kind` is "slash_commands", "interactive" or "events_api". Commands and interactions
        accept a response payload by default; Events API envelopes carry retry fields.
        """
        envelope_id = envelope_id or str(uuid.uuid4())
        accepts = (
            kind != "events_api" if accepts_response_payload is None else accepts_response_payload
        )
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "payload": dict(payload),
            "type": kind,
            "accepts_response_payload": accepts,
        }
        if kind == "events_api":
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason
        self.send(envelope)
        return envelope_id

    def disconnect(self, reason: str = "refresh_requested") -> None:
        """Send Slack's `disconnect` message on every connection, asking clients to reconnect."""
        for connection in self.connections():
            with contextlib.suppress(OSError):
                connection.send_json({"type": "disconnect", "reason": reason})

    def acks(self, envelope_id: str | None = None) -> list[Ack]:
        """Acks received in arrival order, optionally for one envelope."""
        with self._condition:
            return [a for a in self._acks if envelope_id is None or a.envelope_id == envelope_id]

    def wait_for_ack(self, envelope_id: str, timeout: float = 3.0) -> Ack:
        """Block until the app acked this envelope; TimeoutError after `timeout`."""
        with self._condition:
            if not self._condition.wait_for(lambda: self.acks(envelope_id), timeout):
                raise TimeoutError(f"envelope {envelope_id} not acked within {timeout}s")
            return self.acks(envelope_id)[0]

    def messages(self) -> list[Any]:
        """Every text message the clients sent (decoded JSON, or the raw text when not JSON)."""
        with self._condition:
            return [message for _, message in self._messages]

    @property
    def connected_total(self) -> int:
        """How many clients completed the handshake since start."""
        with self._condition:
            return self._connected_total

    @property
    def pings(self) -> int:
        """How many pings the clients sent (each answered with a pong)."""
        with self._condition:
            return self._pings

    @property
    def close_codes(self) -> list[int]:
        """The codes of close frames the clients sent."""
        with self._condition:
            return list(self._close_codes)

    # called from connection threads

    def _accept_loop(self, listener: socket.socket) -> None:
        """Accept until the listener is closed; one daemon thread per connection."""
        while True:
            try:
                sock, _ = listener.accept()
            except OSError:
                return
            connection = _Connection(self, sock, next(self._numbers))
            threading.Thread(
                target=connection.run,
                name=f"fakeslack-socketmode-{connection.number}",
                daemon=True,
            ).start()

    def _valid_ticket(self, ticket: str) -> bool:
        """Whether new_url() issued this ticket."""
        with self._condition:
            return ticket in self._tickets

    def _opened(self, connection: _Connection) -> None:
        with self._condition:
            self._connections.append(connection)
            self._connected_total += 1
            self._condition.notify_all()

    def _closed(self, connection: _Connection) -> None:
        with self._condition:
            if connection in self._connections:
                self._connections.remove(connection)
            self._condition.notify_all()

    def _received(self, connection: _Connection, text: str) -> None:
        try:
            message: Any = json.loads(text)
        except ValueError:
            message = text
        with self._condition:
            self._messages.append((connection.number, message))
            if isinstance(message, dict) and isinstance(message.get("envelope_id"), str):
                payload = message.get("payload")
                self._acks.append(
                    Ack(
                        message["envelope_id"],
                        payload if isinstance(payload, dict) else None,
                        connection.number,
                    )
                )
            self._condition.notify_all()

    def _record_ping(self, connection: _Connection, payload: bytes) -> None:
        with self._condition:
            self._pings += 1

    def _record_close(self, connection: _Connection, code: int) -> None:
        with self._condition:
            self._close_codes.append(code)
            self._condition.notify_all()
