"""The lead flows on a real database (SQLite and PostgreSQL): duplicates, confirmations, changes, DMs."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot import flows
from bot.deps import Deps
from bot.domain.access import Actor
from bot.domain.errors import PermissionDenied
from bot.domain.leads import Status
from bot.models import Lead, Notification, Rep
from bot.services import leads, reps
from bot.services.inbound import InboundLead

NOW = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
DANA, KENJI, MAX = "UREP00001", "UREP00002", "UMANAGER1"


def new(company: str, owner: str = DANA) -> leads.NewLead:
    return leads.NewLead(company=company, owner_id=owner, stage="prospecting")


def add(deps: Deps, company: str, *, owner: str = DANA) -> int:
    created = flows.create_lead(deps, by=Actor(owner), new=new(company, owner), now=NOW)
    assert created.lead is not None
    return created.lead.id


def queued(deps: Deps) -> list[Notification]:
    with deps.session_factory() as session:
        return list(session.scalars(select(Notification).order_by(Notification.id)))


def test_create_unless_duplicate_then_once_when_confirmed(deps: Deps) -> None:
    first = add(deps, "Acme Corp")
    asked = flows.create_lead(deps, by=Actor(DANA), new=new("ACME corp!"), now=NOW)
    assert asked.lead is None and [lead.id for lead in asked.duplicates] == [first]
    for expected_created in (True, False):
        done = flows.create_lead(
            deps, by=Actor(DANA), new=new("ACME corp!"), now=NOW, confirmed_after=first,
            duplicates=flows.Duplicates.ALLOW,
        )  # fmt: skip
        assert done.created is expected_created and done.lead is not None
        assert done.lead.id == first + 1
    # "Create lead" after a bare name still asks about a likely duplicate.
    confirmed = flows.create_lead(
        deps, by=Actor(DANA), new=new("Acme Corp"), now=NOW, confirmed_after=first + 1
    )
    assert confirmed.lead is None and len(confirmed.duplicates) == 2
    fresh = flows.create_lead(deps, by=Actor(DANA), new=new("Globex", KENJI), now=NOW)
    assert fresh.created and fresh.lead is not None and fresh.lead.owner_id == KENJI
    assert fresh.homes == (DANA, KENJI)
    [told] = queued(deps)
    assert (told.recipient, told.idempotency_key) == (
        KENJI,
        f"assigned:{fresh.lead.id}:{KENJI}:created",
    )


def test_change_lead_runs_the_change_with_permission_checks(deps: Deps) -> None:
    lead_id = add(deps, "Acme")
    with pytest.raises(PermissionDenied):
        flows.change_lead(
            deps, by=Actor(KENJI), lead_id=lead_id, change=flows.Move("proposal"), now=NOW
        )
    moved = flows.change_lead(
        deps, by=Actor(DANA), lead_id=lead_id, change=flows.Move("proposal"), now=NOW
    )
    assigned = flows.change_lead(
        deps, by=Actor(MAX, True), lead_id=lead_id, change=flows.Assign(KENJI), now=NOW
    )
    lost = flows.change_lead(
        deps,
        by=Actor(KENJI),
        lead_id=lead_id,
        change=flows.Close(Status.LOST, "budget"),
        now=NOW,
    )
    assert moved.changed and moved.lead.stage == "proposal"
    assert assigned.previous_owner == DANA and assigned.lead.owner_id == KENJI
    assert assigned.homes == (MAX, KENJI, DANA)
    assert lost.lead.status == "lost" and lost.lead.lost_reason == "budget"
    assert [n.recipient for n in queued(deps)] == [KENJI]


def test_two_confirmations_at_once_create_one_lead(deps: Deps) -> None:
    first = add(deps, "Acme Corp")

    def second_click() -> flows.Created:
        return flows.create_lead(
            deps, by=Actor(DANA), new=new("Acme Corp"), now=NOW, confirmed_after=first
        )

    with ThreadPoolExecutor(1) as pool:
        with deps.session_factory.begin() as session:
            # The first click, mid-transaction: it holds the creator's row as the flow does.
            session.get(Rep, DANA, with_for_update=True)
            leads.create_lead(session, new=new("Acme Corp"), created_by=DANA, now=NOW)
            later = pool.submit(second_click)
            time.sleep(0.3)
            assert not later.done()  # waits for the first click's transaction
        assert later.result(timeout=10).created is False


def test_an_inbound_lead_goes_to_the_rep_whose_turn_it_is_who_is_told_once(deps: Deps) -> None:
    add(deps, "Busy Co")  # Dana owns one lead
    with deps.session_factory.begin() as session:
        reps.ensure_rep(session, user_id=KENJI, now=NOW)
    created = flows.receive_inbound_lead(deps, inbound=InboundLead(company="Fresh Inc"), now=NOW)
    again = flows.receive_inbound_lead(deps, inbound=InboundLead(company="fresh inc."), now=NOW)
    assert created.created and created.lead is not None and created.lead.owner_id == DANA
    # The same company again is the same lead: the inquiry is logged on it, and its owner hears.
    assert not again.created and again.lead.id == created.lead.id and again.matched == "company"
    assert again.touch is not None and again.touch.kind == "inbound"
    told, back = queued(deps)[:2]
    assert (
        told.recipient == DANA and "New inbound lead *Fresh Inc* is yours" in told.payload["text"]
    )
    assert back.recipient == DANA and "*Fresh Inc* filled the form again" in back.payload["text"]
    following = flows.receive_inbound_lead(deps, inbound=InboundLead(company="Next Co"), now=NOW)
    assert following.lead is not None and following.lead.owner_id == KENJI


def test_ten_creations_of_one_company_at_once_make_one_lead(deps: Deps) -> None:
    def create(n: int) -> bool:
        by = Actor(DANA if n % 2 else KENJI)
        return flows.create_lead(deps, by=by, new=new("Simul Corp", by.user_id), now=NOW).created

    def receive(_n: int) -> bool:
        inbound = InboundLead(company="Simul Web", owner=DANA)
        return flows.receive_inbound_lead(deps, inbound=inbound, now=NOW).created

    with deps.session_factory.begin() as session:
        for user in (DANA, KENJI):
            reps.ensure_rep(session, user_id=user, now=NOW)
    with ThreadPoolExecutor(10) as pool:
        made = list(pool.map(create, range(10)))
        received = list(pool.map(receive, range(20)))
    assert made.count(True) == 1 and received.count(True) == 1
    with deps.session_factory() as session:
        companies = sorted(session.scalars(select(Lead.company)))
    assert companies == ["Simul Corp", "Simul Web"]
