"""Each change records its webhook events in its own transaction, one outbox row per subscribed endpoint."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot import flows
from bot.deps import Deps
from bot.domain.access import Actor
from bot.domain.errors import UserFacingError
from bot.domain.leads import Status
from bot.models import Notification
from bot.services import export
from bot.services.inbound import InboundLead
from bot.services.leads import NewLead
from tests.webhookkit import SECRET, with_webhooks

NOW = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
DANA, KENJI = "UREP00001", "UREP00002"


@pytest.fixture
def hooked(deps: Deps, tmp_path: Path) -> Deps:
    return with_webhooks(
        deps,
        tmp_path,
        [
            {"name": "crm", "url": "https://crm.example/in", "secret": SECRET, "events": ["*"]},
            {"name": "won-only", "url": "https://bell.example/", "secret": SECRET, "events": ["lead.won"]},
        ],
    )  # fmt: skip


def hook_rows(deps: Deps) -> list[Notification]:
    with deps.session_factory() as session:
        return list(
            session.scalars(
                select(Notification).where(Notification.kind == "webhook").order_by(Notification.id)
            )
        )


def bodies(deps: Deps, endpoint: str = "crm") -> list[dict[str, Any]]:
    return [
        json.loads(row.payload["webhook"]["body"])
        for row in hook_rows(deps)
        if row.recipient == endpoint
    ]


def create(deps: Deps, company: str = "Acme", owner: str = DANA) -> int:
    new = NewLead(
        company=company, owner_id=owner, stage="prospecting", value=None, email="ann@acme.test"
    )
    created = flows.create_lead(deps, by=Actor(DANA), new=new, now=NOW)
    assert created.lead is not None
    return created.lead.id


def test_without_webhooks_nothing_is_recorded(deps: Deps) -> None:
    lead_id = create(deps)
    flows.log_touch(deps, by=Actor(DANA), lead_id=lead_id, kind="call", note="hi", now=NOW)
    assert hook_rows(deps) == []


def test_every_kind_of_change_becomes_its_event_with_the_lead_as_exported(hooked: Deps) -> None:
    lead_id = create(hooked)
    by = Actor(DANA)
    flows.change_lead(hooked, by=by, lead_id=lead_id, change=flows.Move("qualification"), now=NOW)
    flows.change_lead(
        hooked, by=by, lead_id=lead_id, change=flows.Move("qualification"), now=NOW
    )  # no change
    flows.change_lead(
        hooked, by=by, lead_id=lead_id, change=flows.Snooze(date(2026, 12, 7)), now=NOW
    )
    flows.change_lead(hooked, by=by, lead_id=lead_id, change=flows.Assign(KENJI), now=NOW)
    flows.log_touch(
        hooked, by=Actor(KENJI), lead_id=lead_id, kind="call", note="Spoke to the CFO", now=NOW
    )
    flows.change_lead(
        hooked, by=Actor(KENJI), lead_id=lead_id, change=flows.Close(Status.WON), now=NOW
    )

    sent = bodies(hooked)
    assert [body["type"] for body in sent] == [
        "lead.created", "lead.stage_changed", "lead.snoozed", "lead.assigned", "touch.logged", "lead.won",
    ]  # fmt: skip
    assert {body["timestamp"] for body in sent} == {"2026-11-30T14:00:00Z"}
    created, moved, snoozed, assigned, touched, won = (body["data"] for body in sent)
    assert list(created["lead"]) == list(export.LEAD_COLUMNS)
    assert created["lead"]["company"] == "Acme" and created["lead"]["stage"] == "prospecting"
    assert (
        created["by"] == DANA
        and created["lead"]["touches"] == 0
        and created["lead"]["value"] is None
    )
    assert (moved["from_stage"], moved["to_stage"], moved["lead"]["stage"]) == (
        "prospecting", "qualification", "qualification",
    )  # fmt: skip
    assert snoozed["until"] == "2026-12-07"
    assert (assigned["from_owner"], assigned["to_owner"], assigned["lead"]["owner"]) == (
        DANA,
        KENJI,
        KENJI,
    )
    assert list(touched["touch"]) == list(export.TOUCH_COLUMNS)
    assert touched["touch"]["note"] == "Spoke to the CFO" and touched["touch"]["author"] == KENJI
    assert (
        touched["lead"]["touches"] == 1
        and touched["lead"]["last_touch_at"] == "2026-11-30T14:00:00Z"
    )
    assert won["lead"]["status"] == "won" and won["by"] == KENJI
    # The lead in the last event is the lead as the CSV export shows it, cell for cell.
    with hooked.session_factory() as session:
        [row] = list(export.lead_rows(session))
    assert [export.cell(value) for value in won["lead"].values()] == row
    # One row per subscribed endpoint, each event under one id for all of them.
    [bell] = bodies(hooked, "won-only")
    assert bell == sent[-1]
    rows = hook_rows(hooked)
    ids = {row.payload["webhook"]["id"] for row in rows}
    assert len(ids) == 6 and all(i.startswith("evt_") for i in ids)
    assert {row.idempotency_key for row in rows if row.recipient == "won-only"} == {
        f"webhook:{rows[-1].payload['webhook']['id']}:won-only"
    }


def test_a_refused_change_records_nothing(hooked: Deps) -> None:
    lead_id = create(hooked)
    flows.change_lead(
        hooked, by=Actor(DANA), lead_id=lead_id, change=flows.Close(Status.LOST, "budget"), now=NOW
    )
    with pytest.raises(UserFacingError):
        flows.log_touch(hooked, by=Actor(DANA), lead_id=lead_id, kind="call", note="", now=NOW)
    assert [body["type"] for body in bodies(hooked)] == ["lead.created", "lead.lost"]
    assert bodies(hooked)[-1]["data"]["lead"]["lost_reason"] == "budget"


def test_an_unqualified_lead_is_qualified_then_lost(hooked: Deps) -> None:
    lead_id = create(hooked)
    change = flows.Qualify(answers={"budget": False}, score=10, unqualified=True)
    flows.change_lead(hooked, by=Actor(DANA), lead_id=lead_id, change=change, now=NOW)
    assert [body["type"] for body in bodies(hooked)][1:] == ["lead.qualified", "lead.lost"]
    assert bodies(hooked)[1]["data"]["score"] == 10


def test_a_web_form_lead_and_its_repeat_inquiry_are_events_too(hooked: Deps) -> None:
    create(hooked, "Busy", owner=DANA)
    flows.receive_inbound_lead(hooked, inbound=InboundLead(company="Globex", owner=KENJI), now=NOW)
    flows.receive_inbound_lead(
        hooked, inbound=InboundLead(company="globex", message="Still keen?"), now=NOW
    )
    created, touched = bodies(hooked)[1:]
    assert created["type"] == "lead.created" and created["data"]["lead"]["source"] == "inbound"
    assert touched["type"] == "touch.logged" and touched["data"]["touch"]["kind"] == "inbound"
    assert touched["data"]["touch"]["note"] == "Sent the inbound form again\nStill keen?"


def test_a_close_date_a_next_step_and_a_keep_are_lead_updated_events(hooked: Deps) -> None:
    lead_id = create(hooked)
    for change in (
        flows.SetCloseDate(date(2026, 12, 31)),
        flows.SetFollowUp(on=date(2026, 12, 3)),
        flows.Keep(),
    ):
        flows.change_lead(hooked, by=Actor(DANA), lead_id=lead_id, change=change, now=NOW)
    updates = [body["data"] for body in bodies(hooked) if body["type"] == "lead.updated"]
    assert [update.get("fields") or {"kept": update.get("kept")} for update in updates] == [
        {"expected_close": "2026-12-31"},
        {"next_follow_up": "2026-12-03"},
        {"kept": True},
    ]
