"""Kept-alive HTTP connections for what listeners send to Slack: Web API calls and response_url replies.

slack_sdk's WebClient and Bolt's `respond()` go through urllib, which opens a new connection (and,
against Slack, a new TLS session) for every call. Here one pool per app keeps connections open per
origin and hands them to one thread at a time. Retries stay with slack_sdk: errors surface as
urllib's would (`URLError` while connecting or sending, `HTTPError` for a non-2xx answer), so its
retry handlers decide exactly as before. A proxy, and file uploads, still go through urllib.
"""

from __future__ import annotations

import http.client
import io
import select
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import Request

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.context.respond import Respond
from slack_bolt.middleware import Middleware
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient, WebhookResponse

MAX_IDLE_PER_ORIGIN = 32
# Well under the idle timeouts of Slack's load balancers; a connection the server closed sooner
# is noticed (it reads as readable) and dropped before it is used.
IDLE_SECONDS = 30.0

Origin = tuple[str, str, int]


@dataclass(frozen=True)
class Answer:
    """An HTTP answer read in full."""

    status: int
    reason: str
    headers: http.client.HTTPMessage
    body: bytes


class ConnectionPool:
    """Idle kept-alive connections per origin, shared by every thread of the process."""

    def __init__(self, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self._ssl_context = ssl_context
        self._idle: dict[Origin, deque[tuple[http.client.HTTPConnection, float]]] = {}
        self._lock = threading.Lock()
        self.opened = 0  # connections opened in all, for tests and benchmarks

    def post(
        self, url: str, *, body: bytes | None, headers: Mapping[str, str], timeout: float
    ) -> Answer:
        """POST `body` to `url` over a kept-alive connection when one is idle, else a new one."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise URLError(f"not an http(s) URL: {parts.scheme}://{parts.hostname}")
        origin = (
            parts.scheme,
            parts.hostname,
            parts.port or (443 if parts.scheme == "https" else 80),
        )
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        connection = self._take(origin, timeout)
        try:
            connection.request("POST", target, body=body, headers=dict(headers))
        except OSError as error:  # as urllib reports it, so retry handlers see the same error
            connection.close()
            raise URLError(error) from error
        try:
            response = connection.getresponse()
            answer = Answer(response.status, response.reason, response.headers, response.read())
        except BaseException:
            connection.close()
            raise
        if response.will_close:
            connection.close()
        else:
            self._give_back(origin, connection)
        return answer

    def _take(self, origin: Origin, timeout: float) -> http.client.HTTPConnection:
        now = time.monotonic()
        with self._lock:
            idle = self._idle.get(origin)
            while idle:
                connection, since = idle.pop()
                if now - since < IDLE_SECONDS and not _closed_by_peer(connection):
                    if connection.sock is not None:
                        connection.sock.settimeout(timeout)
                    return connection
                connection.close()
            self.opened += 1
        scheme, host, port = origin
        if scheme == "https":
            return http.client.HTTPSConnection(host, port, timeout=timeout, context=self._context())
        return http.client.HTTPConnection(host, port, timeout=timeout)

    def _give_back(self, origin: Origin, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            idle = self._idle.setdefault(origin, deque())
            if len(idle) < MAX_IDLE_PER_ORIGIN:
                idle.append((connection, time.monotonic()))
                return
        connection.close()

    def _context(self) -> ssl.SSLContext:
        with self._lock:
            if self._ssl_context is None:
                self._ssl_context = ssl.create_default_context()
            return self._ssl_context

    def close(self) -> None:
        """Close every idle connection."""
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection, _since in connections:
                connection.close()


def _closed_by_peer(connection: http.client.HTTPConnection) -> bool:
    """An idle connection that reads as readable was closed by the server (or holds garbage)."""
    if connection.sock is None:
        return True
    poller = select.poll()
    poller.register(connection.sock, select.POLLIN)
    return bool(poller.poll(0))


def _raise_for_status(url: str, answer: Answer) -> None:
    # urllib raises for anything but 2xx, and slack_sdk reads the error's headers and body.
    if not 200 <= answer.status < 300:
        raise HTTPError(url, answer.status, answer.reason, answer.headers, io.BytesIO(answer.body))


class PooledWebClient(WebClient):
    """slack_sdk's WebClient, sending its Web API calls over the pool's kept-alive connections."""

    def __init__(self, *args: Any, pool: ConnectionPool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pool = pool

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        if self.proxy:
            return super()._perform_urllib_http_request_internal(url, req)
        answer = self.pool.post(
            url, body=req.data, headers=dict(req.header_items()), timeout=self.timeout
        )  # type: ignore[arg-type]
        _raise_for_status(url, answer)
        if answer.headers.get_content_type() == "application/gzip":
            return {"status": answer.status, "headers": answer.headers, "body": answer.body}
        charset = answer.headers.get_content_charset() or "utf-8"
        return {
            "status": answer.status,
            "headers": answer.headers,
            "body": answer.body.decode(charset),
        }


class PooledWebhookClient(WebhookClient):
    """slack_sdk's client for response_urls, posting over the pool's kept-alive connections."""

    def __init__(self, url: str, *, pool: ConnectionPool, **kwargs: Any) -> None:
        super().__init__(url, **kwargs)
        self.pool = pool

    def _perform_http_request_internal(self, url: str, req: Request) -> WebhookResponse:
        if self.proxy:
            return super()._perform_http_request_internal(url, req)
        answer = self.pool.post(
            url, body=req.data, headers=dict(req.header_items()), timeout=self.timeout
        )  # type: ignore[arg-type]
        _raise_for_status(url, answer)
        charset = answer.headers.get_content_charset() or "utf-8"
        return WebhookResponse(
            url=url,
            status_code=answer.status,
            body=answer.body.decode(charset),
            headers=answer.headers,  # type: ignore[arg-type]
        )


class PooledRespond(Respond):
    """Bolt's `respond()`, posting to the response_url over the pool's kept-alive connections."""

    def __init__(
        self,
        *,
        response_url: str | None,
        pool: ConnectionPool,
        proxy: str | None = None,
        ssl: ssl.SSLContext | None = None,
    ) -> None:
        super().__init__(response_url=response_url, proxy=proxy, ssl=ssl)
        self.pool = pool

    def __call__(  # type: ignore[override]
        self,
        text: str | dict[str, Any] = "",
        blocks: Sequence[Any] | None = None,
        attachments: Sequence[Any] | None = None,
        response_type: str | None = None,
        replace_original: bool | None = None,
        delete_original: bool | None = None,
        unfurl_links: bool | None = None,
        unfurl_media: bool | None = None,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> WebhookResponse:
        if self.response_url is None:
            raise ValueError("respond is unsupported here as there is no response_url")
        if isinstance(text, dict):
            message = message_for(**text)
        else:
            message = message_for(
                text,
                blocks,
                attachments,
                response_type=response_type,
                replace_original=replace_original,
                delete_original=delete_original,
                unfurl_links=unfurl_links,
                unfurl_media=unfurl_media,
                thread_ts=thread_ts,
                metadata=metadata,
            )
        client = PooledWebhookClient(
            self.response_url, pool=self.pool, proxy=self.proxy, ssl=self.ssl
        )
        return client.send_dict(message)


RESPOND_OPTIONS = (
    "response_type",
    "replace_original",
    "delete_original",
    "unfurl_links",
    "unfurl_media",
    "thread_ts",
    "metadata",
)


def message_for(
    text: str = "",
    blocks: Sequence[Any] | None = None,
    attachments: Sequence[Any] | None = None,
    **options: Any,
) -> dict[str, Any]:
    """A response_url message with the fields Bolt's `respond()` sends, in its order."""
    unknown = options.keys() - set(RESPOND_OPTIONS)
    if unknown:
        raise TypeError(f"respond() got unexpected arguments: {', '.join(sorted(unknown))}")
    message: dict[str, Any] = {"text": text}
    if blocks:
        message["blocks"] = [_as_dict(block) for block in blocks]
    if attachments:
        message["attachments"] = [_as_dict(attachment) for attachment in attachments]
    for name in RESPOND_OPTIONS:
        if options.get(name) is not None:
            message[name] = options[name]
    return message


def _as_dict(item: Any) -> dict[str, Any]:
    return item if isinstance(item, dict) else item.to_dict()


class PooledHttp(Middleware):
    """Global middleware: this request's `client` and `respond` send over the pool."""

    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool

    def process(
        self,
        *,
        req: BoltRequest,
        resp: BoltResponse,
        next: Callable[[], BoltResponse | None],  # noqa: A002 - Bolt's name
    ) -> BoltResponse | None:
        context = req.context
        client = context.client
        context["client"] = PooledWebClient(
            token=client.token,
            base_url=client.base_url,
            timeout=client.timeout,
            ssl=client.ssl,
            proxy=client.proxy,
            headers=client.headers,
            team_id=context.team_id,
            logger=client.logger,
            retry_handlers=list(client.retry_handlers),
            pool=self.pool,
        )
        if context.response_url:
            context["respond"] = PooledRespond(
                response_url=context.response_url,
                pool=self.pool,
                proxy=client.proxy,
                ssl=client.ssl,
            )
        return next()
