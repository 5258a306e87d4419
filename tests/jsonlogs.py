"""Capture log lines as pipebot writes them with LOG_FORMAT=json, to parse them in tests."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bot.logs import ContextFilter, JsonFormatter, RedactingFilter
from tests.support import BOT_TOKEN, SIGNING_SECRET


class JsonLines:
    """The JSON lines logged so far, parsed."""

    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    def all(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines() if line.strip()]

    def matching(self, text: str) -> list[dict[str, Any]]:
        """Lines whose message contains `text`."""
        return [line for line in self.all() if text in line["message"]]


@contextmanager
def json_logs(level: int = logging.INFO) -> Iterator[JsonLines]:
    """A handler like `configure_logging`'s JSON one, added beside the others on the root logger."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.addFilter(RedactingFilter([BOT_TOKEN, SIGNING_SECRET]))
    handler.setFormatter(JsonFormatter())
    handler.setLevel(level)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield JsonLines(stream)
    finally:
        root.removeHandler(handler)
