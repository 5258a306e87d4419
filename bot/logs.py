"""Logging set-up: text or JSON lines, with Slack tokens and secrets masked everywhere."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable

_TOKEN = re.compile(r"\b(xox[abpres]|xapp)-[A-Za-z0-9-]+")


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
    """One JSON object per line, for log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
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
