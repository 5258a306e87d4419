"""FakeSlack driven through a real slack_sdk WebClient, the way pipebot will talk to it."""

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import ConnectionErrorRetryHandler, FixedValueRetryIntervalCalculator
from slack_sdk.webhook import WebhookClient

from tests.fakeslack import FILE_UPLOAD, RESPONSE_URL, FakeSlack, RateLimits

FIXTURES = Path(__file__).parent / "fixtures" / "slack"
JULY = datetime(2026, 7, 1, 15, 0, tzinfo=UTC).timestamp()


class ManualClock:
    """A monotonic clock that only moves when a test says so."""

    def __init__(self) -> None:
        """Start at an arbitrary fixed point."""
        self.now = 1000.0

    def __call__(self) -> float:
        """The current reading."""
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.now += seconds


def section(text: str, block_id: str | None = None) -> dict[str, Any]:
    """A minimal valid section block."""
    block: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    if block_id:
        block["block_id"] = block_id
    return block


def modal(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    """A minimal valid modal around some blocks."""
    return {
        "type": "modal",
        "callback_id": "new_lead_modal",
        "title": {"type": "plain_text", "text": "New lead"},
        "blocks": blocks,
    }


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    """A running fake with two users and no rate limits."""
    with FakeSlack(rate_limits=False, wall_clock=lambda: JULY) as running:
        running.add_user("U0DANA", name="dana", tz="America/Los_Angeles")
        running.add_user("U0ERIK", name="erik", tz="Europe/Berlin")
        yield running


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    """A WebClient pointed at the fake, without slack_sdk's connection-error retry."""
    return WebClient(token="xoxb-test", base_url=fake.base_url, timeout=5, retry_handlers=[])


def error_of(call: Any) -> SlackApiError:
    """Run a Web API call that must fail and return the SlackApiError."""
    with pytest.raises(SlackApiError) as raised:
        call()
    return raised.value


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_post_message_to_user_id_lands_in_their_dm(fake: FakeSlack, client: WebClient) -> None:
    first = client.chat_postMessage(channel="U0DANA", text="Follow up with Acme")
    second = client.chat_postMessage(channel=first["channel"], text="And Globex")
    assert first["channel"] == fake.dm_channel("U0DANA")
    assert first["channel"].startswith("D")
    assert client.conversations_open(users="U0DANA")["channel"]["id"] == first["channel"]
    assert float(second["ts"]) > float(first["ts"])
    assert [m["text"] for m in fake.dms_to("U0DANA")] == ["Follow up with Acme", "And Globex"]
    assert fake.last("chat.postMessage").args == {"channel": first["channel"], "text": "And Globex"}
    assert error_of(lambda: client.chat_postMessage(channel="U0NOBODY", text="x")).response[
        "error"
    ] == ("channel_not_found")
    assert (
        error_of(lambda: client.chat_postMessage(channel="U0DANA")).response["error"] == "no_text"
    )


def test_update_delete_and_permalink_need_an_existing_message(
    fake: FakeSlack, client: WebClient
) -> None:
    posted = client.chat_postMessage(channel="C0SALES", text="Lead: Acme", blocks=[section("Acme")])
    client.chat_update(
        channel="C0SALES", ts=posted["ts"], text="Lead: Acme (won)", blocks=[section("Won")]
    )
    assert fake.message("C0SALES", posted["ts"])["text"] == "Lead: Acme (won)"
    permalink = client.chat_getPermalink(channel="C0SALES", message_ts=posted["ts"])["permalink"]
    assert permalink.endswith(posted["ts"].replace(".", ""))
    missing = error_of(lambda: client.chat_update(channel="C0SALES", ts="1.000001", text="x"))
    assert missing.response["error"] == "message_not_found"
    client.chat_delete(channel="C0SALES", ts=posted["ts"])
    assert fake.channel_messages("C0SALES") == []
    assert error_of(lambda: client.chat_delete(channel="C0SALES", ts=posted["ts"])).response[
        "error"
    ] == ("message_not_found")


def test_ephemeral_is_seen_by_one_user_only(fake: FakeSlack, client: WebClient) -> None:
    client.chat_postEphemeral(channel="C0SALES", user="U0DANA", text="Only you can see this")
    assert [e["text"] for e in fake.ephemerals("U0DANA")] == ["Only you can see this"]
    assert fake.ephemerals("U0ERIK") == []
    assert fake.channel_messages("C0SALES") == []


def test_message_blocks_are_validated_like_slack(client: WebClient) -> None:
    client.chat_postMessage(
        channel="C0SALES", text="fifty", blocks=[section(str(i)) for i in range(50)]
    )
    too_many = error_of(
        lambda: client.chat_postMessage(
            channel="C0SALES", text="x", blocks=[section(str(i)) for i in range(51)]
        )
    )
    assert too_many.response["error"] == "invalid_blocks"
    duplicate = [section("a", "lead"), section("b", "lead")]
    assert (
        error_of(
            lambda: client.chat_postMessage(channel="C0SALES", text="x", blocks=duplicate)
        ).response["error"]
        == "invalid_blocks"
    )
    assert (
        error_of(lambda: client.chat_postMessage(channel="C0SALES", text="x" * 40_001)).response[
            "error"
        ]
        == "msg_too_long"
    )


def test_form_encoded_blocks_and_get_queries_are_decoded(
    fake: FakeSlack, client: WebClient
) -> None:
    client.api_call(
        "chat.postMessage", params={"channel": "C0SALES", "blocks": json.dumps([section("hi")])}
    )
    assert fake.last("chat.postMessage").args["blocks"] == [section("hi")]
    assert (
        fake.last("chat.postMessage").headers["content-type"] == "application/x-www-form-urlencoded"
    )
    answer = httpx.get(
        fake.base_url + "users.info",
        params={"user": "U0DANA"},
        headers={"Authorization": "Bearer xoxb-test"},
    ).json()
    assert answer["user"]["name"] == "dana"


def test_views_need_a_fresh_trigger_and_valid_blocks(fake: FakeSlack, client: WebClient) -> None:
    trigger = fake.issue_trigger_id()
    opened = client.views_open(trigger_id=trigger, view=modal([section("hello")]))["view"]
    assert fake.opened_views()[0]["id"] == opened["id"]
    assert (
        error_of(
            lambda: client.views_open(trigger_id=trigger, view=modal([section("again")]))
        ).response["error"]
        == "exchanged_trigger_id"
    )
    assert (
        error_of(
            lambda: client.views_open(trigger_id="1.2.3", view=modal([section("x")]))
        ).response["error"]
        == "invalid_trigger_id"
    )
    too_many = modal([section(str(i)) for i in range(101)])
    rejected = error_of(
        lambda: client.views_open(trigger_id=fake.issue_trigger_id(), view=too_many)
    )
    assert rejected.response["error"] == "invalid_arguments"
    huge = modal([section("x" * 2999) for _ in range(90)])
    assert (
        error_of(lambda: client.views_open(trigger_id=fake.issue_trigger_id(), view=huge)).response[
            "error"
        ]
        == "view_too_large"
    )
    updated = client.views_update(
        view_id=opened["id"], hash=opened["hash"], view=modal([section("2")])
    )
    assert fake.opened_views()[0]["blocks"] == [section("2")]
    stale = error_of(
        lambda: client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal([]))
    )
    assert stale.response["error"] == "hash_conflict"
    assert updated["view"]["id"] == opened["id"]


def test_trigger_ids_expire_after_three_seconds() -> None:
    clock = ManualClock()
    with FakeSlack(clock=clock) as fake:
        client = WebClient(token="xoxb-test", base_url=fake.base_url, retry_handlers=[])
        trigger = fake.issue_trigger_id()
        clock.advance(3.5)
        assert (
            error_of(
                lambda: client.views_open(trigger_id=trigger, view=modal([section("x")]))
            ).response["error"]
            == "expired_trigger_id"
        )


def test_home_tab_publish(fake: FakeSlack, client: WebClient) -> None:
    client.views_publish(user_id="U0DANA", view={"type": "home", "blocks": [section("Pipeline")]})
    client.views_publish(
        user_id="U0DANA", view={"type": "home", "blocks": [section("Pipeline v2")]}
    )
    assert fake.home_view("U0DANA")["blocks"] == [section("Pipeline v2")]
    assert fake.home_view("U0ERIK") is None
    assert (
        error_of(
            lambda: client.views_publish(user_id="U0X", view={"type": "home", "blocks": []})
        ).response["error"]
        == "user_not_found"
    )


def test_users_info_reports_time_zone(client: WebClient) -> None:
    dana = client.users_info(user="U0DANA")["user"]
    assert (dana["tz"], dana["tz_label"], dana["tz_offset"]) == (
        "America/Los_Angeles",
        "Pacific Daylight Time",
        -25200,
    )
    expected_keys = json.loads((FIXTURES / "62_users_info_response.docs.json").read_text())[
        "user"
    ].keys()
    assert set(expected_keys) <= set(dana)
    assert client.users_info(user="U0ERIK")["user"]["tz_offset"] == 7200
    assert error_of(lambda: client.users_info(user="U0NOBODY")).response.data == json.loads(
        (FIXTURES / "63_users_info_error_response.docs.json").read_text()
    )


def test_auth_and_unknown_methods(fake: FakeSlack, client: WebClient) -> None:
    assert set(client.auth_test().data) == set(
        json.loads((FIXTURES / "60_auth_test_bot_response.bolt.json").read_text())
    )
    user_token = WebClient(token="xoxp-user", base_url=fake.base_url, retry_handlers=[])
    assert error_of(user_token.auth_test).response["error"] == "invalid_auth"
    app_token = WebClient(token="xapp-1-A0001-1-x", base_url=fake.base_url, retry_handlers=[])
    assert app_token.apps_connections_open(app_token="xapp-1-A0001-1-x")["ok"]
    assert error_of(lambda: client.api_call("pins.add")).response["error"] == "unknown_method"


def test_injected_429_surfaces_retry_after(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_next("chat.postMessage", retry_after=7)
    limited = error_of(lambda: client.chat_postMessage(channel="U0DANA", text="x"))
    assert limited.response.status_code == 429
    assert limited.response.headers["Retry-After"] == "7"
    assert limited.response.data == json.loads(
        (FIXTURES / "65_ratelimited_429_response.sdk.json").read_text()
    )
    assert client.chat_postMessage(channel="U0DANA", text="x")["ok"]
    assert [c.status for c in fake.calls("chat.postMessage")] == [429, 200]


def test_injected_server_errors_and_error_codes(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_next("chat.postMessage", status=500)
    fake.fail_next("chat.postMessage", status=503)
    fake.fail_next("users.info", error="user_not_found", times=2)
    assert (
        error_of(lambda: client.chat_postMessage(channel="U0DANA", text="x")).response.status_code
        == 500
    )
    assert (
        error_of(lambda: client.chat_postMessage(channel="U0DANA", text="x")).response.status_code
        == 503
    )
    for _ in range(2):
        assert (
            error_of(lambda: client.users_info(user="U0DANA")).response["error"] == "user_not_found"
        )
    assert client.users_info(user="U0DANA")["ok"]
    assert fake.dms_to("U0DANA") == []


def test_fail_after_accept_stores_then_drops(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_after_accept("chat.postMessage")
    with pytest.raises(ConnectionError):
        client.chat_postMessage(channel="U0DANA", text="digest")
    assert [m["text"] for m in fake.dms_to("U0DANA")] == ["digest"]
    assert fake.last("chat.postMessage").status == 0
    immediate_retry = ConnectionErrorRetryHandler(
        interval_calculator=FixedValueRetryIntervalCalculator(0)
    )
    retrying = WebClient(
        token="xoxb-test", base_url=fake.base_url, retry_handlers=[immediate_retry]
    )
    fake.fail_after_accept("chat.postMessage")
    retrying.chat_postMessage(channel="U0ERIK", text="digest")
    assert [m["text"] for m in fake.dms_to("U0ERIK")] == ["digest", "digest"]


def test_rate_limits_follow_an_injected_clock() -> None:
    clock = ManualClock()
    limits = RateLimits(per_minute={"users.info": 3}, post_channel_burst=2)
    with FakeSlack(rate_limits=limits, clock=clock) as fake:
        fake.add_user("U0DANA")
        client = WebClient(token="xoxb-test", base_url=fake.base_url, retry_handlers=[])
        for _ in range(3):
            client.users_info(user="U0DANA")
        limited = error_of(lambda: client.users_info(user="U0DANA"))
        assert (limited.response.status_code, limited.response.headers["Retry-After"]) == (
            429,
            "20",
        )
        clock.advance(20)
        assert client.users_info(user="U0DANA")["ok"]
        client.chat_postMessage(channel="U0DANA", text="1")
        client.chat_postMessage(channel=fake.dm_channel("U0DANA"), text="2")
        assert (
            error_of(
                lambda: client.chat_postMessage(channel="U0DANA", text="3")
            ).response.status_code
            == 429
        )
        assert client.chat_postMessage(channel="C0OTHER", text="other channel")["ok"]
        clock.advance(1)
        assert client.chat_postMessage(channel="U0DANA", text="3")["ok"]


def test_the_workspace_post_budget_can_have_a_burst_smaller_than_a_minute() -> None:
    clock = ManualClock()
    limits = RateLimits(post_workspace_per_minute=120, post_workspace_burst=2)
    with FakeSlack(rate_limits=limits, clock=clock) as fake:
        client = WebClient(token="xoxb-test", base_url=fake.base_url, retry_handlers=[])
        for channel in ("C0A", "C0B"):
            client.chat_postMessage(channel=channel, text="burst")
        limited = error_of(lambda: client.chat_postMessage(channel="C0C", text="over"))
        assert (limited.response.status_code, limited.response.headers["Retry-After"]) == (
            429,
            "1",
        )
        clock.advance(0.5)  # two a second refill one post in half a second
        assert client.chat_postMessage(channel="C0C", text="refilled")["ok"]


def test_response_url_allows_five_uses(fake: FakeSlack) -> None:
    url = fake.new_response_url(channel_id="C0SALES", user_id="U0DANA")
    webhook = WebhookClient(url, timeout=5)
    statuses = [webhook.send(text=f"update {i}").status_code for i in range(5)]
    sixth = webhook.send(text="one too many")
    assert statuses == [200] * 5
    assert (sixth.status_code, sixth.body) == (404, "used_url")
    assert [c.args["text"] for c in fake.responses(url)] == [f"update {i}" for i in range(5)] + [
        "one too many"
    ]
    assert len(fake.ephemerals("U0DANA")) == 5
    public = fake.new_response_url(channel_id="C0SALES", user_id="U0DANA")
    WebhookClient(public).send(text="for everyone", response_type="in_channel")
    assert [m["text"] for m in fake.channel_messages("C0SALES")] == ["for everyone"]
    assert len(fake.calls(RESPONSE_URL)) == 7


def test_files_upload_v2_three_call_flow(fake: FakeSlack, client: WebClient) -> None:
    channel = fake.dm_channel("U0DANA")
    result = client.files_upload_v2(
        channel=channel,
        content="stage,count\nwon,3\n",
        filename="pipeline.csv",
        initial_comment="Weekly export",
    )
    assert [c.method for c in fake.calls()] == [
        "files.getUploadURLExternal",
        FILE_UPLOAD,
        "files.completeUploadExternal",
    ]
    assert result["file"]["name"] == "pipeline.csv"
    [upload] = fake.uploads()
    assert (upload.content, upload.channel_id, upload.initial_comment) == (
        b"stage,count\nwon,3\n",
        channel,
        "Weekly export",
    )
    [shared] = fake.dms_to("U0DANA")
    assert shared["text"] == "Weekly export" and shared["files"][0]["id"] == upload.file_id
    assert (
        error_of(lambda: client.files_completeUploadExternal(files=[{"id": "F404"}])).response[
            "error"
        ]
        == "file_not_found"
    )


def test_conversations_history_with_metadata(fake: FakeSlack, client: WebClient) -> None:
    channel = fake.dm_channel("U0DANA")
    posted = [
        client.chat_postMessage(
            channel=channel,
            text=f"digest {i}",
            metadata={"event_type": "digest_sent", "event_payload": {"n": i}},
        )["ts"]
        for i in range(3)
    ]
    plain = client.conversations_history(channel=channel)["messages"]
    assert [m["ts"] for m in plain] == posted[::-1]
    assert all("metadata" not in m for m in plain)
    rich = client.conversations_history(channel=channel, include_all_metadata=True, limit=2)
    assert [m["metadata"]["event_payload"]["n"] for m in rich["messages"]] == [2, 1]
    assert rich["has_more"] is True
    newer = client.conversations_history(channel=channel, oldest=posted[0])["messages"]
    assert [m["ts"] for m in newer] == posted[:0:-1]


def test_a_channel_the_bot_left_refuses_posts_and_history(
    fake: FakeSlack, client: WebClient
) -> None:
    assert client.conversations_info(channel="C0SALES")["channel"]["is_member"] is True
    fake.remove_bot("C0SALES")
    info = client.conversations_info(channel="C0SALES")["channel"]
    assert (info["id"], info["is_private"], info["is_member"]) == ("C0SALES", False, False)
    assert (
        error_of(lambda: client.chat_postMessage(channel="C0SALES", text="hi")).response["error"]
        == "not_in_channel"
    )
    assert (
        error_of(lambda: client.conversations_history(channel="C0SALES")).response["error"]
        == "not_in_channel"
    )
    assert client.conversations_info(channel="G0PRIVATE")["channel"]["is_private"] is True


def test_wait_for_blocks_until_the_call_arrives(fake: FakeSlack, client: WebClient) -> None:
    worker = threading.Thread(
        target=lambda: client.chat_postMessage(channel="U0DANA", text="later")
    )
    worker.start()
    [call] = fake.wait_for("chat.postMessage", timeout=5)
    worker.join(timeout=5)
    assert call.args["text"] == "later"
    with pytest.raises(TimeoutError, match="views.open"):
        fake.wait_for("views.open", timeout=0.05)
    fake.clear()
    assert fake.calls() == []
