"""Requests built by tests/slackkit.py match Slack's shapes and pass bolt's signature check."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

import pytest
from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from tests.fakeslack import RESPONSE_URL, FakeSlack
from tests.fakeslack.boltserver import serve_bolt
from tests.slackkit import (
    Forgery,
    SlackSender,
    app_home_opened_event,
    block_actions_payload,
    command_body,
    event_body,
    global_shortcut_payload,
    interactivity_body,
    message_shortcut_payload,
    sign,
    view_submission_payload,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "slack"
SECRET = "test-signing-secret"
MODAL = {
    "type": "modal",
    "callback_id": "new_lead_modal",
    "title": {"type": "plain_text", "text": "New lead"},
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Who?"}}],
}


def fixture(name: str) -> Any:
    """A JSON fixture body."""
    return json.loads((FIXTURES / name).read_text())


def form_keys(body: str) -> list[str]:
    """Field names of a form body, in order."""
    return [key for key, _ in parse_qsl(body, keep_blank_values=True)]


def test_sign_reproduces_the_documented_signature() -> None:
    known = fixture("04_signed_request.signature.json")
    body = (FIXTURES / "04_signed_request.docs.form").read_text()
    headers = sign(body, known["signing_secret"], known["timestamp"])
    assert headers == {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": "1531420618",
        "x-slack-signature": known["signature"],
    }


def test_command_body_has_slack_fields_order_and_encoding() -> None:
    body = command_body(
        "/lead", "Acme Corp", user_id="U0DANA", response_url="https://x.test/r", trigger_id="1.2.3"
    )
    assert form_keys(body) == [
        "token",
        "team_id",
        "team_domain",
        "channel_id",
        "channel_name",
        "user_id",
        "user_name",
        "command",
        "text",
        "api_app_id",
        "is_enterprise_install",
        "response_url",
        "trigger_id",
    ]
    assert "command=%2Flead&text=Acme+Corp" in body
    real = (FIXTURES / "04_signed_request.docs.form").read_text()
    assert [k for k in form_keys(body) if k in form_keys(real)] == form_keys(real)


def test_interaction_payloads_have_the_fixture_keys() -> None:
    in_message = block_actions_payload(
        user_id="U0DANA", action_id="lead_won", value="42", message_ts="1.2"
    )
    assert in_message.keys() == fixture("20_block_actions_button_in_message.bolt.json").keys()
    assert (
        in_message["actions"][0].keys()
        == fixture("20_block_actions_button_in_message.bolt.json")["actions"][0].keys()
    )
    home = fixture("22_block_actions_home_tab.docs.json")
    in_view = block_actions_payload(
        user_id="U0DANA", action_id="home_scope", container="view", view=home["view"]
    )
    assert set(in_view) == set(home)
    submitted = view_submission_payload(
        user_id="U0DANA", callback_id="new_lead_modal", state_values={"company": {"name": "Acme"}}
    )
    expected = fixture("30_view_submission.bolt.json")
    assert submitted.keys() == expected.keys()
    assert submitted["view"].keys() == expected["view"].keys()
    assert submitted["view"]["state"]["values"]["company"]["name"] == {
        "type": "plain_text_input",
        "value": "Acme",
    }
    shortcut = message_shortcut_payload(
        user_id="U0DANA", callback_id="log_touch", message_text="hi"
    )
    assert shortcut.keys() == fixture("10_message_shortcut.bolt.json").keys()
    assert (
        global_shortcut_payload(user_id="U0DANA", callback_id="new_lead").keys()
        == fixture("11_global_shortcut.bolt.json").keys()
    )


def test_event_envelope_has_the_fixture_keys() -> None:
    envelope = json.loads(event_body(app_home_opened_event("U0DANA")))
    assert envelope.keys() == fixture("48_event_callback_envelope.docs.json").keys()
    assert (
        envelope["event"].keys() == fixture("42_app_home_opened_home_tab.bolt.json")["event"].keys()
    )
    payload = {"type": "shortcut", "text": "a&b=c"}
    body = interactivity_body(payload)
    assert body.startswith("payload=") and json.loads(unquote(body[len("payload=") :])) == payload


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    """A running fake that knows one user."""
    with FakeSlack(rate_limits=False) as running:
        running.add_user("U0DANA", name="dana")
        yield running


@pytest.fixture
def sender(fake: FakeSlack) -> Iterator[SlackSender]:
    """A sender posting to a bolt App whose Web API is the fake."""
    app = App(
        client=WebClient(token="xoxb-test", base_url=fake.base_url, retry_handlers=[]),
        signing_secret=SECRET,
    )

    @app.command("/lead")
    def lead(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=MODAL)
        respond(f"Looking up {body['text']}")

    @app.action("lead_won")
    def won(ack: Ack, respond: Respond) -> None:
        ack()
        respond(text="Marked as won", replace_original=True)

    @app.view("new_lead_modal")
    def submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        ack()
        name = view["state"]["values"]["company"]["name"]["value"]
        client.chat_postMessage(channel=body["user"]["id"], text=f"Created {name}")

    @app.shortcut("new_lead")
    def new_lead(ack: Ack, shortcut: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=shortcut["trigger_id"], view=MODAL)

    @app.event("app_home_opened")
    def home(event: dict[str, Any], client: WebClient) -> None:
        client.views_publish(
            user_id=event["user"], view={"type": "home", "blocks": MODAL["blocks"]}
        )

    with serve_bolt(app) as url, SlackSender(url, SECRET, issuer=fake) as running:
        yield running


def test_signed_requests_reach_bolt_listeners(fake: FakeSlack, sender: SlackSender) -> None:
    assert sender.command("/lead", "Acme", user_id="U0DANA").status == 200
    assert fake.wait_for("views.open")[0].ok
    [response] = fake.wait_for(RESPONSE_URL)
    assert response.args["text"] == "Looking up Acme"

    url = fake.new_response_url(channel_id="C0001", user_id="U0DANA", message_ts="1.2")
    clicked = block_actions_payload(
        user_id="U0DANA", action_id="lead_won", value="42", response_url=url
    )
    assert sender.interact(clicked).status == 200
    assert fake.wait_for(RESPONSE_URL, count=2)[-1].args["replace_original"] is True

    submission = view_submission_payload(
        user_id="U0DANA", callback_id="new_lead_modal", state_values={"company": {"name": "Globex"}}
    )
    assert sender.interact(submission).status == 200
    fake.wait_for("chat.postMessage")
    assert [m["text"] for m in fake.dms_to("U0DANA")] == ["Created Globex"]

    shortcut = global_shortcut_payload(
        user_id="U0DANA", callback_id="new_lead", trigger_id=fake.issue_trigger_id()
    )
    assert sender.interact(shortcut).status == 200
    assert fake.wait_for("views.open", count=2)[-1].ok

    assert sender.event(app_home_opened_event("U0DANA"), retry_num=1).status == 200
    fake.wait_for("views.publish")
    assert fake.home_view("U0DANA") is not None


@pytest.mark.parametrize(
    "forgery", [Forgery.WRONG_SIGNATURE, Forgery.STALE_TIMESTAMP, Forgery.UNSIGNED]
)
def test_forged_requests_are_refused(
    fake: FakeSlack, sender: SlackSender, forgery: Forgery
) -> None:
    reply = sender.command("/lead", "Acme", user_id="U0DANA", forgery=forgery)
    assert (reply.status, reply.json()) == (401, {"error": "invalid request"})
    assert fake.calls("views.open") == []
