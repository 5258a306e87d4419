"""`POST /api/leads`: web-form leads with a bearer token."""

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from bot.models import Lead, Notification
from tests.e2e.live import REP, Live, running_app

TOKEN = "inbound-secret-token-for-the-tests"


@pytest.fixture
def inbound(engine, db_url, clock) -> Iterator[Live]:
    with running_app(engine, db_url, clock, PIPEBOT_INBOUND_TOKEN=TOKEN) as app:
        yield app


def post(live: Live, body: object, token: str = TOKEN) -> httpx.Response:
    return httpx.post(
        live.url + "/api/leads", json=body, headers={"authorization": f"Bearer {token}"}
    )


def test_a_web_form_lead_goes_to_the_least_busy_rep_and_they_hear_at_once(inbound: Live) -> None:
    inbound.command("/lead", "Existing Co $1k")  # makes REP known, with one open lead
    inbound.command("/lead", "Other Co $1k", user_id="UREP00002")
    inbound.command("/lead", "Third Co $1k", user_id="UREP00002")
    response = post(
        inbound,
        {"company": "Fresh Inc", "email": "cto@fresh.test", "value": "9000", "currency": "eur"},
    )
    assert response.status_code == 201
    assert response.json() == {"id": 4, "owner": REP, "duplicate": False}
    with inbound.deps.session_factory() as session:
        lead = session.get(Lead, 4)
        note = session.scalars(select(Notification)).one()
    assert (lead.source, lead.currency, lead.stage) == ("inbound", "EUR", "prospecting")
    assert (note.recipient, note.idempotency_key) == (REP, f"assigned:4:{REP}:created")
    again = post(inbound, {"company": "fresh inc."})
    assert again.status_code == 200 and again.json()["duplicate"] is True


@pytest.mark.parametrize(
    ("body", "token", "status"),
    [
        ({"company": "X"}, "wrong", 401),
        ({"company": ""}, TOKEN, 422),
        ({"company": "X", "email": "nope"}, TOKEN, 422),
        ({"company": "X", "value": "-5"}, TOKEN, 422),
        ({"company": "X", "surprise": 1}, TOKEN, 422),
        ([1, 2], TOKEN, 422),
        ({"company": "Acme\u0000Corp"}, TOKEN, 422),
        ({"company": "Acme", "contact": "Ann\u0007"}, TOKEN, 422),
        ({"company": "Acme", "value": "NaN"}, TOKEN, 422),
        ({"company": "Acme", "value": "1e30"}, TOKEN, 422),
        ({"company": "\u202e\n "}, TOKEN, 422),
    ],
)
def test_bad_requests_change_nothing(inbound: Live, body: object, token: str, status: int) -> None:
    assert post(inbound, body, token).status_code == status
    with inbound.deps.session_factory() as session:
        assert session.scalars(select(Lead)).all() == []


def test_disabled_without_a_token(live: Live) -> None:
    assert post(live, {"company": "X"}).status_code == 404


def test_direction_overrides_and_line_breaks_are_stripped_like_in_slack(inbound: Live) -> None:
    reply = post(inbound, {"company": "Acme\u202e\nCorp", "contact": " Ann\r\nLee ", "owner": REP})
    assert reply.status_code == 201
    with inbound.deps.session_factory() as session:
        lead = session.scalars(select(Lead)).one()
    assert (lead.company, lead.contact) == ("Acme Corp", "Ann Lee")
