"""Build and sign requests exactly as Slack sends them to an app, and POST them."""

import enum
import itertools
import json
import secrets
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, NamedTuple, Protocol, Self
from urllib.parse import quote, urlencode

import httpx
from slack_sdk.signature import SignatureVerifier

from tests.fakeslack.defaults import APP_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID, VERIFICATION_TOKEN
from tests.fakeslack.payloads import (
    app_home_opened_event,
    block_actions_payload,
    global_shortcut_payload,
    message_shortcut_payload,
    random_response_url,
    random_trigger_id,
    view_submission_payload,
)

__all__ = [
    "FORM",
    "JSON",
    "Forgery",
    "Issuer",
    "Reply",
    "SlackSender",
    "app_home_opened_event",
    "block_actions_payload",
    "command_body",
    "event_body",
    "global_shortcut_payload",
    "interactivity_body",
    "message_shortcut_payload",
    "sign",
    "view_submission_payload",
]

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
STALE_AFTER = 60 * 5

_event_serial = itertools.count(1)


def command_body(
    command: str,
    text: str = "",
    *,
    user_id: str,
    user_name: str = "dana",
    team_id: str = TEAM_ID,
    channel_id: str = "C0001",
    channel_name: str = "sales",
    response_url: str | None = None,
    trigger_id: str | None = None,
) -> str:
    """A slash command form body with the fields, order and encoding of a real one."""
    return urlencode(
        {
            "token": VERIFICATION_TOKEN,
            "team_id": team_id,
            "team_domain": TEAM_DOMAIN,
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_name,
            "command": command,
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url or random_response_url(team_id),
            "trigger_id": trigger_id or random_trigger_id(),
        }
    )


def interactivity_body(payload: Mapping[str, Any]) -> str:
    """An interactivity form body: a single `payload` field holding URL-encoded JSON."""
    return "payload=" + quote(json.dumps(payload))


def event_body(
    event: Mapping[str, Any],
    *,
    event_id: str | None = None,
    team_id: str = TEAM_ID,
    event_time: int | None = None,
    bot_user_id: str = BOT_USER_ID,
) -> str:
    """A full event_callback envelope (JSON text) around an inner event."""
    return json.dumps(
        {
            "token": VERIFICATION_TOKEN,
            "team_id": team_id,
            "api_app_id": APP_ID,
            "event": dict(event),
            "type": "event_callback",
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": team_id,
                    "user_id": bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "event_id": event_id or f"Ev{next(_event_serial):08X}{secrets.token_hex(2).upper()}",
            "event_context": f"EC{secrets.token_hex(6).upper()}",
            "event_time": event_time if event_time is not None else int(time.time()),
        }
    )


def sign(body: str, secret: str, ts: int, content_type: str | None = None) -> dict[str, str]:
    """Slack's request headers for a body: v0 HMAC-SHA256 signature, timestamp and content type."""
    kind = content_type or (JSON if body.lstrip().startswith("{") else FORM)
    return {
        "content-type": kind,
        "x-slack-request-timestamp": str(ts),
        "x-slack-signature": SignatureVerifier(secret).generate_signature(
            timestamp=str(ts), body=body
        ),
    }


class Forgery(enum.Enum):
    """Ways to send a request Slack would never send, for negative tests."""

    NONE = "none"
    WRONG_SIGNATURE = "wrong_signature"
    STALE_TIMESTAMP = "stale_timestamp"
    UNSIGNED = "unsigned"


class Reply(NamedTuple):
    """The app's answer: status, lower-cased headers and body text."""

    status: int
    headers: dict[str, str]
    body: str

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


class Issuer(Protocol):
    """Something that mints trigger_ids and response_urls the fake Web API will honour."""

    def issue_trigger_id(self) -> str:
        """A fresh trigger_id."""
        ...

    def new_response_url(
        self,
        *,
        channel_id: str | None = None,
        user_id: str | None = None,
        message_ts: str | None = None,
    ) -> str:
        """A fresh response_url."""
        ...


class SlackSender:
    """POSTs signed Slack requests to an app's /slack/events endpoint over HTTP."""

    def __init__(
        self,
        app_url: str,
        secret: str,
        clock: Callable[[], float] = time.time,
        *,
        issuer: Issuer | None = None,
        path: str = "/slack/events",
        timeout: float = 10.0,
    ) -> None:
        """Target `app_url` + `path`; with an issuer, commands get real trigger_ids/response_urls."""
        self.url = app_url.rstrip("/") + path
        self.secret = secret
        self.clock = clock
        self.issuer = issuer
        self._client = httpx.Client(timeout=timeout)

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()

    def __enter__(self) -> Self:
        """Use as a context manager."""
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Close on leaving a with-block."""
        self.close()

    def command(
        self,
        command: str,
        text: str = "",
        *,
        user_id: str,
        channel_id: str = "C0001",
        forgery: Forgery = Forgery.NONE,
        **fields: Any,
    ) -> Reply:
        """Send a slash command; the issuer (if any) supplies trigger_id and response_url."""
        if self.issuer is not None:
            fields.setdefault("trigger_id", self.issuer.issue_trigger_id())
            fields.setdefault(
                "response_url", self.issuer.new_response_url(channel_id=channel_id, user_id=user_id)
            )
        body = command_body(command, text, user_id=user_id, channel_id=channel_id, **fields)
        return self.post(body, FORM, forgery=forgery)

    def interact(self, payload: Mapping[str, Any], *, forgery: Forgery = Forgery.NONE) -> Reply:
        """Send an interactivity payload (block_actions, view_submission, shortcuts…)."""
        return self.post(interactivity_body(payload), FORM, forgery=forgery)

    def event(
        self,
        event: Mapping[str, Any],
        *,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        forgery: Forgery = Forgery.NONE,
        **envelope: Any,
    ) -> Reply:
        """Send an Events API callback, optionally as Slack's retry number `retry_num`."""
        headers = {}
        if retry_num is not None:
            headers = {"x-slack-retry-num": str(retry_num), "x-slack-retry-reason": retry_reason}
        return self.post(event_body(event, **envelope), JSON, forgery=forgery, headers=headers)

    def post(
        self,
        body: str,
        content_type: str,
        *,
        forgery: Forgery = Forgery.NONE,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """POST a raw body signed as Slack would (or forged as asked) and return the reply."""
        ts = int(self.clock())
        if forgery is Forgery.STALE_TIMESTAMP:
            ts -= STALE_AFTER + 1
        secret = "not-the-" + self.secret if forgery is Forgery.WRONG_SIGNATURE else self.secret
        signed = sign(body, secret, ts, content_type)
        if forgery is Forgery.UNSIGNED:
            signed = {"content-type": content_type}
        response = self._client.post(
            self.url, content=body.encode(), headers={**signed, **(headers or {})}
        )
        return Reply(
            response.status_code, {k.lower(): v for k, v in response.headers.items()}, response.text
        )
