"""`[[webhooks]]` in pipeline.toml: an endpoint, its Standard Webhooks secret, and the events it hears."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = ["SECRET_PREFIX", "WEBHOOK_EVENTS", "WebhookConfig"]

# What a webhook may subscribe to; "*" is every one of them.
WEBHOOK_EVENTS = (
    "lead.created", "lead.stage_changed", "lead.won", "lead.lost", "lead.archived",
    "lead.assigned", "lead.snoozed", "lead.qualified", "lead.updated", "touch.logged",
)  # fmt: skip
_WEBHOOK_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,31}$")
SECRET_PREFIX = "whsec_"


def _default_webhook_name(url: str) -> str:
    """A name that changes with the URL: its host and a short hash of the whole URL."""
    host = (urlsplit(url).hostname or "webhook").lower()[:23].strip(".-_") or "webhook"
    return f"{host}-{hashlib.sha256(url.encode()).hexdigest()[:8]}"


class WebhookConfig(BaseModel):
    """One endpoint that hears about lead changes: `[[webhooks]]` in pipeline.toml.

    Its events wait in the outbox under its `name`, and the URL and secret are read when each is
    sent: give a `name` to keep events in flight when the URL moves.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str
    secret: str = Field(repr=False)
    events: tuple[str, ...]
    name: str = ""

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError(
                f"{value!r} is not an http(s) URL like https://hooks.example.com/pipebot"
            )
        if parts.username or parts.password:
            raise ValueError("must not carry a user or password; the signature authenticates")
        return value.strip()

    @field_validator("secret")
    @classmethod
    def _secret(cls, value: str) -> str:
        if not value.startswith(SECRET_PREFIX):
            raise ValueError(
                "must start with whsec_ followed by base64 (make one with: "
                "python3 -c 'import base64,os; print(\"whsec_\" + base64.b64encode(os.urandom(32)).decode())')"
            )
        try:
            key = base64.b64decode(value.removeprefix(SECRET_PREFIX), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("is not whsec_ followed by valid base64") from None
        if not 24 <= len(key) <= 64:
            raise ValueError(f"must hold 24 to 64 random bytes, not {len(key)}")
        return value

    @field_validator("events")
    @classmethod
    def _events(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError('needs at least one event, or "*" for all')
        if "*" in value:
            return WEBHOOK_EVENTS
        unknown = [event for event in value if event not in WEBHOOK_EVENTS]
        if unknown:
            raise ValueError(
                f'unknown event {unknown[0]!r}; use {", ".join(WEBHOOK_EVENTS)} or "*"'
            )
        return tuple(dict.fromkeys(value))

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if value and not _WEBHOOK_NAME.match(value):
            raise ValueError("must be lowercase letters, digits, '.', '-' or '_' (max 32)")
        return value

    @model_validator(mode="after")
    def _default_name(self) -> WebhookConfig:
        if not self.name:
            object.__setattr__(self, "name", _default_webhook_name(self.url))
        return self
