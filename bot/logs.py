"""Logging set-up: text or JSON lines, with Slack tokens and secrets masked everywhere.

Context fields (the request, the user, the command or action, the job, the notification) are
bound at the edges — an HTTP request, a Slack listener, a job's tick, the sender's row — with
`log_context`, and every JSON line logged inside carries them.
"""

from __future__ import annotations

import json
import logging
import random
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from types import MappingProxyType

_TOKEN = re.compile(r"\b(xox[abpres]|xapp)-[A-Za-z0-9-]+")

# The fields an edge may bind, in the order a JSON line shows them.
CONTEXT_FIELDS = (
    "request_id",
    "user",
    "command",
    "action",
    "event",
    "job_id",
    "notification_id",
)
_MAX_FIELD_LENGTH = 100

_NOTHING: Mapping[str, str] = MappingProxyType({})
_context: ContextVar[Mapping[str, str]] = ContextVar("pipebot_log_context", default=_NOTHING)


def bind(**fields: object) -> Token[Mapping[str, str]]:
    """Add fields to the current context (None values are left out); `unbind` the token to undo."""
    unknown = set(fields) - set(CONTEXT_FIELDS)
    if unknown:
        raise ValueError(f"not a log context field: {sorted(unknown)}")
    values = {
        name: str(value)[:_MAX_FIELD_LENGTH] for name, value in fields.items() if value is not None
    }
    return _context.set({**_context.get(), **values})


def unbind(token: Token[Mapping[str, str]]) -> None:
    """Restore the context as it was before the `bind` that returned `token`."""
    _context.reset(token)


@contextmanager
def log_context(**fields: object) -> Iterator[None]:
    """Every line logged inside the block carries these fields."""
    token = bind(**fields)
    try:
        yield
    finally:
        unbind(token)


def new_request_id() -> str:
    """A short random id for a request that came without one: 16 hex digits, as unlikely to repeat
    as a uuid4's first 16 and without its read of the system's random source on every request."""
    return f"{random.getrandbits(64):016x}"


def current_context() -> dict[str, str]:
    """The fields bound where this is called."""
    return dict(_context.get())


class ContextFilter(logging.Filter):
    """Copies the bound context onto each record, on the thread that logged it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.pipebot_context = current_context()
        return True


class RedactingFilter(logging.Filter):
    """Masks Slack tokens and configured secrets in every record that passes."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = tuple(s for s in secrets if s and len(s) >= 6)

    def redact(self, text: str) -> str:
        text = _TOKEN.sub(lambda m: f"{m.group(1)}-***", text)
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if redacted != message or record.args:
            record.msg, record.args = redacted, None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log shippers, with the context fields bound where it was logged."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        context = getattr(record, "pipebot_context", None)
        entry.update(context if context is not None else current_context())
        if record.exc_text or record.exc_info:
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class _DropNoise(logging.Filter):
    """Bolt warns that the token is unused when a client is passed; pipebot always passes one."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("As you gave `client` as well")


def configure_logging(level: str, fmt: str, secrets: Iterable[str] = ()) -> None:
    """Install one redacting handler on the root logger; keep the Slack SDKs quiet."""
    handler = logging.StreamHandler()
    handler.addFilter(ContextFilter())
    handler.addFilter(RedactingFilter(secrets))
    handler.addFilter(_DropNoise())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # The SDKs log request and response bodies (message text, emails) at DEBUG.
    for name in ("slack_sdk", "slack_bolt", "urllib3", "apscheduler", "alembic"):
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
