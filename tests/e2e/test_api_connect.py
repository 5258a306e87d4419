"""`POST /api/leads` idempotent on the client's id, repeat inquiries, and `POST /api/touches` from other tools."""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import select

from bot import flows
from bot.domain.access import Actor
from bot.models import ApiTouchKey, Lead, LeadExternalId, Notification, Touchpoint
from bot.services.leads import NewLead
from tests.e2e.live import MANAGER, OTHER_REP, REP, Live, running_app

TOKEN = "inbound-secret-token-for-the-tests"


@pytest.fixture
def api(engine, db_url, clock) -> Iterator[Live]:
    with running_app(engine, db_url, clock, web_client=True, PIPEBOT_INBOUND_TOKEN=TOKEN) as app:
        yield app


def post(live: Live, path: str, body: object, token: str = TOKEN, **headers: str) -> httpx.Response:
    headers = {"authorization": f"Bearer {token}", **headers}
    return httpx.post(live.url + path, json=body, headers=headers)


def rows(live: Live, model: type) -> list:
    with live.deps.session_factory() as session:
        return list(session.scalars(select(model)))


def notes(live: Live) -> list[Notification]:
    with live.deps.session_factory() as session:
        return list(session.scalars(select(Notification).order_by(Notification.id)))


def test_the_same_external_id_returns_the_same_lead_and_changes_nothing(api: Live) -> None:
    body = {"company": "Fresh Inc", "owner": REP, "external_id": "typeform-8812"}
    first = post(api, "/api/leads", body)
    again = post(api, "/api/leads", {**body, "company": "Something Else"})

    assert first.status_code == 201 and first.json()["duplicate"] is False
    assert again.status_code == 200
    assert again.json() == {
        "id": first.json()["id"],
        "owner": REP,
        "duplicate": True,
        "matched": "external_id",
    }
    assert len(rows(api, Lead)) == 1 and rows(api, Touchpoint) == []
    assert [n.kind for n in notes(api)] == ["assigned"]
    [kept] = rows(api, LeadExternalId)
    assert (kept.external_id, kept.lead_id, kept.touch_id) == (
        "typeform-8812",
        first.json()["id"],
        None,
    )
    # A number is the same id as its digits.
    number = post(api, "/api/leads", {"company": "Numbered", "owner": REP, "external_id": 42})
    assert (
        post(api, "/api/leads", {"company": "x", "external_id": "42"}).json()["id"]
        == number.json()["id"]
    )


def test_a_repeat_inquiry_is_an_inbound_touch_and_its_owner_hears(api: Live) -> None:
    first = post(api, "/api/leads", {"company": "Acme", "email": "ann@acme.test", "owner": REP})
    repeat = {"company": "ACME Corp GmbH", "email": "Ann@Acme.test", "contact": "Ann",
              "message": "Can we talk pricing?", "external_id": "form-2"}  # fmt: skip
    again = post(api, "/api/leads", repeat)
    replay = post(api, "/api/leads", repeat)

    assert again.status_code == 200
    reply = again.json()
    assert (reply["id"], reply["matched"], reply["duplicate"]) == (
        first.json()["id"],
        "email",
        True,
    )
    [touch] = rows(api, Touchpoint)
    assert (touch.id, touch.kind, touch.author_id) == (reply["touch_id"], "inbound", REP)
    assert touch.note == "Sent the inbound form again: Ann, Ann@Acme.test\nCan we talk pricing?"
    assert replay.json() == {
        "id": reply["id"],
        "owner": REP,
        "duplicate": True,
        "matched": "external_id",
    }
    assert len(rows(api, Touchpoint)) == 1
    told = [n for n in notes(api) if n.kind == "inbound-again"]
    assert [(n.recipient, n.idempotency_key) for n in told] == [
        (REP, f"inbound-again:{reply['id']}:{touch.id}")
    ]
    assert told[0].payload["text"].startswith("*Acme* filled the form again")
    assert "Can we talk pricing?" in str(told[0].payload["blocks"])
    [lead] = rows(api, Lead)
    # The buyer's own inquiry is a contact on the lead, but not the rep's first touch.
    assert lead.touch_count == 1 and lead.first_touch_at is None and lead.last_touch_at is not None


def test_a_closed_lead_does_not_take_a_new_inquiry(api: Live) -> None:
    first = post(api, "/api/leads", {"company": "Acme", "owner": REP}).json()["id"]
    api.command("/lead", f"lost #{first} no budget")
    again = post(api, "/api/leads", {"company": "Acme", "owner": REP})
    assert again.status_code == 201 and again.json()["id"] != first


@pytest.fixture
def lead_id(api: Live) -> int:
    reply = post(
        api,
        "/api/leads",
        {"company": "Acme", "email": "ann@acme.test", "owner": REP, "external_id": "crm-7"},
    )
    return int(reply.json()["id"])


def test_a_touch_finds_its_lead_by_id_external_id_or_email(api: Live, lead_id: int) -> None:
    by_id = post(
        api, "/api/touches", {"lead_id": lead_id, "kind": "call", "note": "Left a voicemail"}
    )
    by_ref = post(
        api,
        "/api/touches",
        {"external_id": "crm-7", "kind": "Email", "occurred_at": "2026-11-30T08:30:00-05:00"},
    )
    by_email = post(
        api,
        "/api/touches",
        {"email": "ANN@acme.test", "kind": "meeting", "author": "kenji@example.com"},
    )

    assert by_id.status_code == 201, by_id.text
    assert by_id.json() == {"id": by_id.json()["id"], "lead_id": lead_id, "kind": "call",
                            "occurred_at": "2026-11-30T14:00:00Z", "author": REP,
                            "duplicate": False}  # fmt: skip
    assert by_ref.status_code == 201 and by_ref.json()["occurred_at"] == "2026-11-30T13:30:00Z"
    # An email author is found with users.lookupByEmail: Kenji, who may not log on Dana's lead.
    assert by_email.status_code == 403, by_email.text
    touches = rows(api, Touchpoint)
    assert [(t.kind, t.note) for t in touches] == [("call", "Left a voicemail"), ("email", "")]
    assert api.slack.calls("users.lookupByEmail")[0].args["email"] == "kenji@example.com"


def test_a_retry_with_the_same_idempotency_key_logs_nothing_twice(api: Live, lead_id: int) -> None:
    body = {"lead_id": lead_id, "kind": "call", "note": "Left a voicemail"}
    first = post(api, "/api/touches", body, **{"Idempotency-Key": "dialer-call-5521"})
    again = post(api, "/api/touches", body, **{"Idempotency-Key": "dialer-call-5521"})
    other = post(api, "/api/touches", body, **{"Idempotency-Key": "dialer-call-5522"})

    assert first.status_code == 201, first.text
    assert again.status_code == 200, again.text
    assert again.json() == {**first.json(), "duplicate": True}
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    assert [t.note for t in rows(api, Touchpoint)] == ["Left a voicemail"] * 2
    assert [(k.key, k.touch_id) for k in rows(api, ApiTouchKey)] == [
        ("dialer-call-5521", first.json()["id"]),
        ("dialer-call-5522", other.json()["id"]),
    ]


def test_concurrent_retries_with_one_key_log_one_touch(api: Live, lead_id: int) -> None:
    body = {"lead_id": lead_id, "kind": "meeting"}
    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(
            pool.map(
                lambda _: post(api, "/api/touches", body, **{"Idempotency-Key": "cal-evt-1"}),
                range(8),
            )
        )
    assert sorted(reply.status_code for reply in replies) == [200] * 7 + [201]
    assert len({reply.json()["id"] for reply in replies}) == 1
    assert len(rows(api, Touchpoint)) == 1


def test_an_idempotency_key_names_one_touch_on_one_lead(api: Live, lead_id: int) -> None:
    other = post(api, "/api/leads", {"company": "Globex", "owner": REP}).json()["id"]
    key = {"Idempotency-Key": "bcc-msg-77"}
    assert (
        post(api, "/api/touches", {"lead_id": lead_id, "kind": "email"}, **key).status_code == 201
    )
    elsewhere = post(api, "/api/touches", {"lead_id": other, "kind": "email"}, **key)

    assert elsewhere.status_code == 409
    assert elsewhere.json()["error"] == (
        f"Idempotency-Key: already logged a touch on lead #{lead_id}; send a new key for a new touch"
    )
    assert [t.lead_id for t in rows(api, Touchpoint)] == [lead_id]


@pytest.mark.parametrize("key", ["", "x" * 201, "has space", "caf\u00e9"])
def test_a_malformed_idempotency_key_is_422(api: Live, lead_id: int, key: str) -> None:
    reply = httpx.post(
        api.url + "/api/touches",
        json={"lead_id": lead_id, "kind": "call"},
        headers=[("authorization", f"Bearer {TOKEN}"), ("idempotency-key", key.encode())],
    )
    assert reply.status_code == 422 and reply.json()["error"].startswith("Idempotency-Key:")
    assert rows(api, Touchpoint) == []


def test_an_author_by_email_is_looked_up_in_slack(api: Live, lead_id: int) -> None:
    reply = post(
        api, "/api/touches", {"lead_id": lead_id, "kind": "call", "author": "max@example.com"}
    )
    assert reply.status_code == 201, reply.text
    assert reply.json()["author"] == MANAGER
    unknown = post(
        api, "/api/touches", {"lead_id": lead_id, "kind": "call", "author": "nobody@example.com"}
    )
    assert unknown.status_code == 422 and "no active Slack member" in unknown.json()["error"]


def test_another_reps_touch_on_a_lead_not_theirs_is_refused(api: Live, lead_id: int) -> None:
    reply = post(api, "/api/touches", {"lead_id": lead_id, "kind": "call", "author": OTHER_REP})
    assert reply.status_code == 403
    assert rows(api, Touchpoint) == []


def test_no_lead_is_404_and_several_are_409(api: Live, lead_id: int) -> None:
    same_email = NewLead(
        company="Other Co", owner_id=REP, stage="prospecting", email="ann@acme.test"
    )
    flows.create_lead(api.deps, by=Actor(REP), new=same_email, now=api.deps.clock.now())
    several = post(api, "/api/touches", {"email": "ann@acme.test", "kind": "call"})
    assert several.status_code == 409 and "#" in several.json()["error"]
    for lookup in ({"lead_id": 999}, {"external_id": "nope"}, {"email": "x@y.test"}):
        missing = post(api, "/api/touches", {**lookup, "kind": "call"})
        assert missing.status_code == 404, lookup
    api.command("/lead", f"won #{lead_id}")
    closed = post(api, "/api/touches", {"lead_id": lead_id, "kind": "call"})
    assert closed.status_code == 409
    assert rows(api, Touchpoint) == []


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "call"},
        {"lead_id": 1, "email": "ann@acme.test", "kind": "call"},
        {"lead_id": 1, "kind": "fax"},
        {"lead_id": "1", "kind": "call"},
        {"lead_id": 1, "kind": "call", "note": "bad\u0000byte"},
        {"lead_id": 1, "kind": "call", "note": "x" * 4001},
        {"lead_id": 1, "kind": "call", "occurred_at": "2026-12-25T09:00:00Z"},
        {"lead_id": 1, "kind": "call", "occurred_at": "1969-12-31T23:00:00Z"},
        {"lead_id": 1, "kind": "call", "occurred_at": 1764500000},
        {"lead_id": 1, "kind": "call", "occurred_at": "yesterday"},
        {"lead_id": 1, "kind": "call", "author": "not a person"},
        {"lead_id": 1, "kind": "call", "surprise": True},
        [1, 2],
    ],
)
def test_bad_input_is_422_and_logs_nothing(api: Live, lead_id: int, body: object) -> None:
    reply = post(api, "/api/touches", body)
    assert reply.status_code == 422, reply.text
    assert rows(api, Touchpoint) == []


def test_the_touch_api_needs_the_token(api: Live) -> None:
    assert (
        post(api, "/api/touches", {"lead_id": 1, "kind": "call"}, token="wrong").status_code == 401
    )


def test_an_author_by_email_needs_a_slack_client(engine, db_url, clock) -> None:
    with running_app(engine, db_url, clock, PIPEBOT_INBOUND_TOKEN=TOKEN) as app:
        lead = post(app, "/api/leads", {"company": "Acme", "owner": REP}).json()["id"]
        reply = post(
            app, "/api/touches", {"lead_id": lead, "kind": "call", "author": "dana@example.com"}
        )
    assert reply.status_code == 422 and "SLACK_BOT_TOKEN" in reply.json()["error"]


def test_the_touch_api_is_off_without_a_token(live: Live) -> None:
    assert post(live, "/api/touches", {"lead_id": 1, "kind": "call"}).status_code == 404
