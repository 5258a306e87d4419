"""Check that a request came from Slack before anything reads it, and where replies may go.

Slack signs every HTTP request: `v0=` + HMAC-SHA256 of `v0:{timestamp}:{body}` with the app's
signing secret, and the timestamp must be within five minutes. The check runs on the raw bytes at
the HTTP edge, so nothing else ever sees an unverified body — not Bolt, not the error path.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from slack_sdk.signature import SignatureVerifier

REPLAY_WINDOW_SECONDS = 60 * 5
_TIMESTAMP = re.compile(rb"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
SLACK_HOSTS = ("slack.com", "slack-gov.com")


def rejection(body: bytes, headers: Mapping[str, str], *, secret: str, now: float) -> str | None:
    """Why a request is not Slack's (a short reason), or None when its signature holds."""
    timestamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    if not timestamp or not signature:
        return "unsigned"
    raw_timestamp = timestamp.encode("ascii", errors="replace")
    if not _TIMESTAMP.fullmatch(raw_timestamp):
        return "unreadable timestamp"
    if abs(now - int(timestamp)) > REPLAY_WINDOW_SECONDS:
        return "stale timestamp"
    if not _SIGNATURE.fullmatch(signature):
        return "malformed signature"
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "body is not UTF-8"
    expected = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=text)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        return "bad signature"
    return None


def may_reply_to(url: str, *, api_url: str) -> bool:
    """True when a `response_url` is https on Slack, or on SLACK_API_URL's host when that is elsewhere."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme == "https" and _is_slack_host(host):
        return True
    api = urlsplit(api_url)
    api_host = (api.hostname or "").lower()
    same_origin = (parts.scheme, host, parts.port) == (api.scheme, api_host, api.port)
    return bool(api_host) and not _is_slack_host(api_host) and same_origin


def _is_slack_host(host: str) -> bool:
    return any(host == root or host.endswith("." + root) for root in SLACK_HOSTS)
