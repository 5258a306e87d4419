"""FakeSlack: a loopback HTTP fake of the Slack Web API, response_urls and file upload URLs."""

import contextlib
import copy
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

from .defaults import APP_ID, BOT_ID, BOT_USER_ID, TEAM_ID
from .observe import Observations
from .ratelimit import Clock, RateLimiter, RateLimits
from .recorder import FILE_UPLOAD, RESPONSE_URL, Call, CallLog
from .socketmode import SocketModeServer
from .webapi import JSON_FIELDS, METHODS
from .workspace import ApiError, Workspace

_JSON = "application/json; charset=utf-8"
_SERVER_ERRORS = {500: "internal_error", 503: "service_unavailable"}


@dataclass(frozen=True)
class Reply:
    """What the fake writes back: status, extra headers and a body."""

    status: int
    body: bytes
    content_type: str = _JSON
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def json(cls, payload: Any, status: int = 200, retry_after: int | None = None) -> "Reply":
        """A JSON reply, with a Retry-After header when given."""
        extra = (("Retry-After", str(retry_after)),) if retry_after is not None else ()
        return cls(status, json.dumps(payload).encode(), _JSON, extra)

    @classmethod
    def text(cls, body: str, status: int = 200) -> "Reply":
        """A plain-text reply, as response_url and upload URLs answer."""
        return cls(status, body.encode(), "text/plain; charset=utf-8")


@dataclass
class _Fault:
    """An injected failure for the next `times` calls of a method."""

    status: int
    retry_after: int
    error: str | None
    drop: bool
    times: int


def parse_args(query: str, body: bytes, content_type: str) -> dict[str, Any]:
    """Merge query string and body (form or JSON) and decode JSON-valued form fields."""
    args: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    if body and "json" in content_type:
        try:
            decoded = json.loads(body)
        except ValueError:
            raise ApiError("invalid_json") from None
        if not isinstance(decoded, dict):
            raise ApiError("invalid_json")
        args.update(decoded)
    elif body:
        args.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    for name in JSON_FIELDS & args.keys():
        if isinstance(args[name], str):
            with contextlib.suppress(ValueError):
                args[name] = json.loads(args[name])
    return args


class FakeSlack(Observations):
    """Slack's Web API on 127.0.0.1:<ephemeral port>, recording calls and enforcing Slack's rules."""

    def __init__(
        self,
        *,
        rate_limits: bool | RateLimits = True,
        clock: Clock = time.monotonic,
        wall_clock: Clock = time.time,
        trigger_ttl: float | None = 3.0,
        team_id: str = TEAM_ID,
        bot_user_id: str = BOT_USER_ID,
        bot_id: str = BOT_ID,
        app_id: str = APP_ID,
    ) -> None:
        """Configure limits and clocks; nothing listens until start()."""
        self._lock = threading.RLock()
        self._condition = threading.Condition(self._lock)
        self._log = CallLog(self._condition)
        self._clock = clock
        limits = rate_limits if isinstance(rate_limits, RateLimits) else None
        self.limiter = RateLimiter(limits, clock) if rate_limits else None
        self.workspace = Workspace(
            team_id=team_id,
            bot_user_id=bot_user_id,
            bot_id=bot_id,
            app_id=app_id,
            clock=clock,
            wall_clock=wall_clock,
            trigger_ttl=trigger_ttl,
        )
        self._faults: dict[str, deque[_Fault]] = {}
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._socket_mode: SocketModeServer | None = None

    def start(self) -> Self:
        """Listen on an ephemeral loopback port and serve from a daemon thread."""
        if self._server is not None:
            raise RuntimeError("FakeSlack is already running")
        server = _Server(self)
        self._server = server
        self.workspace.origin = f"http://127.0.0.1:{server.server_address[1]}"
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fakeslack",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving (Socket Mode too) and release the ports; safe to call twice."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        socket_mode, self._socket_mode = self._socket_mode, None
        if socket_mode is not None:
            self.workspace.socket_mode_url = None
            socket_mode.stop()
        if server is not None:
            server.shutdown()
            server.server_close()
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
    def origin(self) -> str:
        """http://127.0.0.1:PORT of the running fake."""
        if not self.workspace.origin or self._server is None:
            raise RuntimeError("FakeSlack is not running; call start() first")
        return self.workspace.origin

    @property
    def base_url(self) -> str:
        """The Web API base URL to give WebClient(base_url=...)."""
        return f"{self.origin}/api/"

    def socket_mode(self) -> SocketModeServer:
        """Serve Socket Mode: apps.connections.open then hands out this server's ws:// URLs.

        Starts the WebSocket server on first use (it stops with the fake) and returns it.
        """
        with self._lock:
            if self._socket_mode is None:
                self._socket_mode = SocketModeServer(app_id=self.workspace.app_id).start()
                self.workspace.socket_mode_url = self._socket_mode.new_url
            return self._socket_mode

    def add_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        real_name: str | None = None,
        tz: str = "America/New_York",
        is_bot: bool = False,
        deleted: bool = False,
        email: str | None = None,
    ) -> None:
        """Add a user that users.info, DMs and Home tabs will know."""
        with self._lock:
            self.workspace.directory.add(
                user_id,
                name=name,
                real_name=real_name,
                tz=tz,
                is_bot=is_bot,
                deleted=deleted,
                email=email,
            )

    def set_usergroup(self, usergroup_id: str, member_ids: list[str]) -> None:
        """Create or change a user group: usergroups.users.list answers these members."""
        with self._lock:
            self.workspace.usergroups[usergroup_id] = list(member_ids)

    def remove_bot(self, channel_id: str) -> None:
        """Take the bot out of a channel: conversations.info says is_member false, and posting
        or reading history there fails with not_in_channel (the app has no chat:write.public)."""
        with self._lock:
            self.workspace.outside.add(channel_id)

    def issue_trigger_id(self) -> str:
        """A trigger_id views.open/push accept once (within the trigger TTL)."""
        with self._lock:
            return self.workspace.issue_trigger()

    def new_response_url(
        self,
        *,
        channel_id: str | None = None,
        user_id: str | None = None,
        message_ts: str | None = None,
    ) -> str:
        """A response_url on the fake, usable 5 times, bound to a channel, user and message."""
        with self._lock:
            return self.workspace.new_response_url(
                channel_id=channel_id, user_id=user_id, message_ts=message_ts
            )

    def calls(self, method: str | None = None) -> list[Call]:
        """Every recorded call in arrival order, optionally of one method."""
        return self._log.calls(method)

    def last(self, method: str) -> Call:
        """The latest call of a method; LookupError when none."""
        return self._log.last(method)

    def clear(self) -> None:
        """Forget recorded calls (state such as messages and views is kept)."""
        self._log.clear()

    def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,
        where: Callable[[Call], bool] | None = None,
    ) -> list[Call]:
        """Block until `count` (matching) calls of a method were answered; TimeoutError after `timeout`."""
        return self._log.wait_for(method, count, timeout, where)

    def responses(self, url: str | None = None) -> list[Call]:
        """POSTs received on response_urls, optionally on one URL."""
        return [c for c in self._log.calls(RESPONSE_URL) if url is None or c.url == url]

    def fail_next(
        self,
        method: str,
        status: int | None = None,
        retry_after: int = 1,
        times: int = 1,
        error: str | None = None,
    ) -> None:
        """Make the next calls fail: HTTP 429 (default), another status, or HTTP 200 ok:false error."""
        resolved = status if status is not None else (200 if error else 429)
        fault = _Fault(resolved, retry_after, error, drop=False, times=times)
        with self._lock:
            self._faults.setdefault(method, deque()).append(fault)

    def fail_after_accept(self, method: str, times: int = 1) -> None:
        """Process the next calls normally, then drop the connection without answering."""
        with self._lock:
            self._faults.setdefault(method, deque()).append(
                _Fault(0, 0, None, drop=True, times=times)
            )

    def handle(
        self, path: str, query: str, headers: Mapping[str, str], body: bytes, peer: str = ""
    ) -> Reply | None:
        """Route one HTTP request; None means drop the connection without a reply."""
        url = f"{self.workspace.origin}{path}"
        with self._lock:
            if path.startswith("/api/"):
                method = path[len("/api/") :]
                reply, args, drop = self._api(method, query, headers, body)
            elif path.startswith("/response/"):
                method, drop = RESPONSE_URL, False
                args, reply = self._response_url(path[len("/response/") :], body)
            elif path.startswith("/upload/v1/"):
                method, args = FILE_UPLOAD, {"size": len(body)}
                reply, drop = self._upload(path[len("/upload/v1/") :], body)
            else:
                return Reply.text("not_found", 404)
            response = (
                json.loads(reply.body) if reply.content_type == _JSON else reply.body.decode()
            )
            call = Call(
                method,
                args,
                dict(headers),
                self._clock(),
                0 if drop else reply.status,
                response,
                url,
                peer,
            )
            self._log.record(call)
        return None if drop else reply

    def _response_url(self, key: str, body: bytes) -> tuple[dict[str, Any], Reply]:
        """Record and apply a response_url POST."""
        try:
            payload = json.loads(body or b"null")
        except ValueError:
            return {"raw": body.decode("utf-8", "replace")}, Reply.text("invalid_payload", 400)
        status, text = self.workspace.respond(key, payload)
        return (payload if isinstance(payload, dict) else {"payload": payload}), Reply.text(
            text, status
        )

    def _upload(self, file_id: str, body: bytes) -> tuple[Reply, bool]:
        """Store bytes POSTed to an upload URL, unless a fault was injected for FILE_UPLOAD."""
        fault = self._take_fault(FILE_UPLOAD, drop=False)
        if fault is not None:
            error = fault.error or _SERVER_ERRORS.get(fault.status, "upload_failed")
            return Reply.text(error, fault.status), False
        status, text = self.workspace.receive_upload(file_id, body)
        return Reply.text(text, status), self._take_fault(FILE_UPLOAD, drop=True) is not None

    def _api(
        self, method: str, query: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[Reply, dict[str, Any], bool]:
        """Answer a Web API call: decode, authenticate, inject faults, rate-limit, dispatch."""
        try:
            args = parse_args(query, body, headers.get("content-type", ""))
        except ApiError as exc:
            return Reply.json({"ok": False, "error": exc.error}), {}, False
        handler = METHODS.get(method)
        if handler is None:
            return Reply.json({"ok": False, "error": "unknown_method"}), args, False
        token = _bearer(headers)
        if token is None:
            return Reply.json({"ok": False, "error": "not_authed"}), args, False
        prefix = "xapp-" if method == "apps.connections.open" else "xoxb-"
        if not token.startswith(prefix):
            return Reply.json({"ok": False, "error": "invalid_auth"}), args, False
        fault = self._take_fault(method, drop=False)
        if fault is not None:
            return _fault_reply(fault), args, False
        if self.limiter is not None:
            channel = self._channel_for_limits(args) if method == "chat.postMessage" else None
            retry_after = self.limiter.check(token, method, channel)
            if retry_after is not None:
                limited = {"ok": False, "error": "ratelimited"}
                return Reply.json(limited, 429, retry_after), args, False
        try:
            result = copy.deepcopy(handler(self.workspace, args))
        except ApiError as exc:
            answer: dict[str, Any] = {"ok": False, "error": exc.error}
            if exc.detail:
                answer["response_metadata"] = {"messages": [f"[ERROR] {exc.detail}"]}
            return Reply.json(answer), args, False
        dropped = self._take_fault(method, drop=True) is not None
        return Reply.json({"ok": True, **result}), args, dropped

    def _take_fault(self, method: str, *, drop: bool) -> _Fault | None:
        """Spend one use of the oldest pending fault for a method if it is of the wanted kind."""
        queue = self._faults.get(method)
        if not queue or queue[0].drop != drop:
            return None
        fault = queue[0]
        fault.times -= 1
        if fault.times <= 0:
            queue.popleft()
        return fault

    def _channel_for_limits(self, args: Mapping[str, Any]) -> str | None:
        """The conversation chat.postMessage targets, so U… and its D… share one budget."""
        try:
            return self.workspace.resolve_channel(args.get("channel"))
        except ApiError:
            return None


def _bearer(headers: Mapping[str, str]) -> str | None:
    """The token of an `Authorization: Bearer …` header, if any."""
    value = headers.get("authorization", "")
    return value[len("Bearer ") :].strip() if value.startswith("Bearer ") else None


def _fault_reply(fault: _Fault) -> Reply:
    """The reply for an injected failure."""
    if fault.status == 429:
        return Reply.json(
            {"ok": False, "error": fault.error or "ratelimited"}, 429, fault.retry_after
        )
    error = fault.error or _SERVER_ERRORS.get(fault.status, "internal_error")
    return Reply.json({"ok": False, "error": error}, fault.status)


class _Handler(BaseHTTPRequestHandler):
    """Hands each request to the FakeSlack that owns the server."""

    server: "_Server"
    # Keep-alive, as Slack's servers allow: clients that reuse connections can be seen doing so.
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; on a kept-alive connection Nagle's algorithm would
    # hold the body back until the client's delayed ACK, 40 ms later.
    disable_nagle_algorithm = True
    timeout = 10

    def do_POST(self) -> None:
        """Serve POST (slack_sdk sends every Web API call as POST)."""
        self._serve()

    def do_GET(self) -> None:
        """Serve GET with query-string arguments."""
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet."""

    def _serve(self) -> None:
        """Read the request, let the fake answer, write the reply or drop the connection."""
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            peer = "{}:{}".format(*self.client_address[:2])
            reply = self.server.fake.handle(url.path, url.query, headers, body, peer)
        except Exception as exc:
            reply = Reply.json({"ok": False, "error": f"fakeslack_bug: {exc!r}"}, 500)
        if reply is None:
            self.close_connection = True
            return
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)


class _Server(ThreadingHTTPServer):
    """A threading HTTP server bound to 127.0.0.1 on a free port."""

    daemon_threads = True

    def __init__(self, fake: FakeSlack) -> None:
        """Bind immediately so the port is known before serving starts."""
        self.fake = fake
        super().__init__(("127.0.0.1", 0), _Handler)
