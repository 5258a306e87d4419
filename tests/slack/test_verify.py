"""The signature check at the HTTP edge and where a response_url may point."""

import pytest
from slack_sdk.signature import SignatureVerifier

from bot.slack.verify import may_reply_to, rejection

SECRET = "a-signing-secret-for-tests"
NOW = 1_800_000_000
BODY = b"token=x&command=%2Flead&text=Acme"


def signed(body: bytes = BODY, ts: int = NOW, secret: str = SECRET) -> dict[str, str]:
    signature = SignatureVerifier(secret).generate_signature(timestamp=str(ts), body=body.decode())
    return {"x-slack-request-timestamp": str(ts), "x-slack-signature": signature}


def test_a_request_signed_as_slack_signs_passes() -> None:
    assert rejection(BODY, signed(), secret=SECRET, now=NOW + 299) is None


@pytest.mark.parametrize(
    ("headers", "now", "reason"),
    [
        ({}, NOW, "unsigned"),
        ({"x-slack-request-timestamp": str(NOW)}, NOW, "unsigned"),
        ({**signed(), "x-slack-request-timestamp": "abc"}, NOW, "unreadable timestamp"),
        ({**signed(), "x-slack-request-timestamp": "1e3"}, NOW, "unreadable timestamp"),
        ({**signed(), "x-slack-request-timestamp": "１２３"}, NOW, "unreadable timestamp"),
        ({**signed(), "x-slack-request-timestamp": "9" * 40}, NOW, "unreadable timestamp"),
        (signed(), NOW + 301, "stale timestamp"),
        (signed(), NOW - 301, "stale timestamp"),
        ({**signed(), "x-slack-signature": "v1=abc"}, NOW, "malformed signature"),
        (signed(secret="another-secret"), NOW, "bad signature"),
        (signed(body=b"text=other"), NOW, "bad signature"),
    ],
)
def test_anything_else_is_refused_with_a_short_reason(
    headers: dict[str, str], now: int, reason: str
) -> None:
    assert rejection(BODY, headers, secret=SECRET, now=now) == reason


def test_a_body_that_is_not_utf8_is_refused() -> None:
    assert rejection(b"\xff\xfe", signed(), secret=SECRET, now=NOW) is not None


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://hooks.slack.com/commands/T1/2/abc", True),
        ("https://hooks.slack-gov.com/commands/T1/2/abc", True),
        ("http://hooks.slack.com/commands/T1/2/abc", False),
        ("https://hooks.slack.com.evil.example/x", False),
        ("https://evilslack.com/x", False),
        ("https://169.254.169.254/latest/meta-data", False),
        ("http://127.0.0.1:9/response/x", False),
        ("not a url", False),
    ],
)
def test_replies_follow_only_slack_response_urls(url: str, allowed: bool) -> None:
    assert may_reply_to(url, api_url="https://slack.com/api/") is allowed


def test_a_local_api_url_admits_its_own_host_and_port_only() -> None:
    api = "http://127.0.0.1:8123/api/"
    assert may_reply_to("http://127.0.0.1:8123/response/k", api_url=api)
    assert not may_reply_to("http://127.0.0.1:8124/response/k", api_url=api)
    assert not may_reply_to("http://10.0.0.1:8123/response/k", api_url=api)
    assert may_reply_to("https://hooks.slack.com/commands/T1/2/abc", api_url=api)
