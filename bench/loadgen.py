"""A lean load generator: signed Slack requests, built before the clock starts, over raw asyncio sockets.

An HTTP client library would spend more CPU per request than the servers under test on this small
machine; writing pre-built bytes and reading a status line and a Content-Length body keeps the
client's share small and the same for every server measured.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tests.slackkit import FORM, command_body, sign


@dataclass(frozen=True)
class Outcome:
    """One request: the HTTP status (0 when the connection failed), seconds until the answer, and
    the body (a command answered in its ack carries the user's reply there)."""

    status: int
    seconds: float
    body: bytes = b""

    @property
    def replied(self) -> bool:
        """The ack carried a message for the user (Slack shows it as a response_url reply)."""
        return b'"response_type"' in self.body


def slash_command(
    port: int,
    command: str,
    text: str,
    *,
    user_id: str,
    response_url: str,
    secret: str,
    keep_alive: bool,
    channel_id: str = "C0001",
) -> bytes:
    """One signed slash command as Slack POSTs it, ready to write to a socket."""
    body = command_body(
        command,
        text,
        user_id=user_id,
        channel_id=channel_id,
        response_url=response_url,
        trigger_id="1.2.bench",
    ).encode()
    headers = sign(body.decode(), secret, int(time.time()), FORM)
    lines = [
        "POST /slack/events HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        f"Content-Type: {headers['content-type']}",
        f"Content-Length: {len(body)}",
        f"X-Slack-Request-Timestamp: {headers['x-slack-request-timestamp']}",
        f"X-Slack-Signature: {headers['x-slack-signature']}",
        "Connection: keep-alive" if keep_alive else "Connection: close",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, _, rest = head.partition(b"\r\n")
    length = 0
    for line in rest.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    body = await reader.readexactly(length) if length else b""
    return int(status_line.split()[1]), body


async def _once(port: int, request: bytes) -> Outcome:
    started = time.perf_counter()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request)
        status, body = await _answer(reader)
        writer.close()
    except (OSError, asyncio.IncompleteReadError):
        status, body = 0, b""
    return Outcome(status, time.perf_counter() - started, body)


def burst(port: int, requests: Sequence[bytes]) -> list[Outcome]:
    """Send every request at once, each on a new connection (as Slack's many servers do)."""

    async def run() -> list[Outcome]:
        return list(await asyncio.gather(*(_once(port, request) for request in requests)))

    return asyncio.run(run())


def windowed(
    port: int,
    requests: Sequence[bytes],
    *,
    connections: int,
    window: int,
    answered: Callable[[], int],
) -> list[Outcome]:
    """Send every request over `connections` kept-alive connections, with at most `window` of them
    sent and not yet answered.

    `answered()` counts the users answered on their response_urls so far (it may block briefly; it
    runs in a thread); an ack that carries the reply answers its user at once. This is a team whose
    members each wait for their reply before the next command: the server runs at its sustained
    rate instead of building a backlog that only grows.
    """
    slots = asyncio.Semaphore(window)
    pending = iter(requests)
    total = len(requests)
    in_acks = 0

    async def poll() -> None:
        loop = asyncio.get_running_loop()
        seen = 0
        while seen + in_acks < total:
            count = await loop.run_in_executor(None, answered)
            for _ in range(count - seen):
                slots.release()
            seen = count
            await asyncio.sleep(0.002)

    async def worker() -> list[Outcome]:
        nonlocal in_acks
        outcomes: list[Outcome] = []
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for request in pending:
            await slots.acquire()
            started = time.perf_counter()
            try:
                writer.write(request)
                status, body = await _answer(reader)
            except (OSError, asyncio.IncompleteReadError):
                status, body = 0, b""
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            outcome = Outcome(status, time.perf_counter() - started, body)
            if outcome.replied:
                in_acks += 1
                slots.release()
            outcomes.append(outcome)
        writer.close()
        return outcomes

    async def run() -> list[Outcome]:
        poller = asyncio.create_task(poll())
        results = await asyncio.gather(*(worker() for _ in range(connections)))
        poller.cancel()
        return [outcome for result in results for outcome in result]

    return asyncio.run(run())


def percentile(values: Sequence[float], share: float) -> float:
    """The value at `share` (0..1) of the sorted values, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]
