"""Reads behind the lead picker, `/lead find` and the shortcut's guess, on both databases."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.deps import Deps
from bot.domain.access import Actor
from bot.domain.errors import NotFound
from bot.models import Lead
from bot.services import lead_changes, lead_reads, reps, touches
from bot.services import search as searching
from bot.services.fast_rows import one_of
from tests.seeding import seed_lead

REP, OTHER, MANAGER = "UREP00001", "UREP00002", "UMANAGER1"


def seed(deps: Deps, *rows: tuple[str, str]) -> None:
    with deps.session_factory.begin() as session:
        for user_id in (REP, OTHER):
            reps.ensure_rep(session, user_id=user_id, now=deps.clock.now())
    for company, owner in rows:
        seed_lead(deps, company, owner=owner)


def search(
    deps: Deps, text: str, viewer: str = REP, manager: bool = False, open_only: bool = True
) -> list[str]:
    with deps.session_factory() as session:
        found = searching.find_leads(
            session, text=text, viewer=Actor(viewer, manager), open_only=open_only
        )
    return [item.lead.company for item in found]


def test_search_puts_a_number_first_then_the_newest_activity(deps: Deps) -> None:
    seed(deps, ("Big Acme", REP), ("Acme", REP), ("Initech 1", REP), ("Acme, Inc.", REP))
    assert search(deps, "acme") == ["Acme, Inc.", "Acme", "Big Acme"]  # newest first
    assert search(deps, "acme inc") == ["Acme, Inc."]  # punctuation aside
    assert search(deps, "#3")[0] == "Initech 1"
    assert search(deps, "   ") == []
    deps.clock.advance(timedelta(hours=1))
    with deps.session_factory.begin() as session:
        touches.log_touch(
            session, lead_id=3, author=Actor(REP), kind="call", note="", now=deps.clock.now()
        )
    assert search(deps, "i") == ["Initech 1", "Acme, Inc.", "Big Acme"]


def test_search_reads_every_field_and_touch_notes_without_case_or_accents(deps: Deps) -> None:
    seed(deps)
    seed_lead(deps, "Zürich Bänk", owner=REP, contact="Ann Lée", email="ANN@zb.test")
    seed_lead(deps, "Initech", owner=REP, phone="+1 (555) 010-0999", source="Webinar")
    seed_lead(deps, "Globex", owner=REP)
    with deps.session_factory.begin() as session:
        touches.log_touch(
            session, lead_id=3, author=Actor(REP), kind="note", note="Spoke to Renée at the Ôffice",
            now=deps.clock.now(),
        )  # fmt: skip
    assert search(deps, "zurich bank") == ["Zürich Bänk"]
    assert search(deps, "ZÜRICH") == ["Zürich Bänk"]
    assert search(deps, "ann lee") == ["Zürich Bänk"]
    assert search(deps, "ann@ZB") == ["Zürich Bänk"]
    assert search(deps, "5550100999") == ["Initech"]
    assert search(deps, "555 010") == ["Initech"]
    assert search(deps, "webinar") == ["Initech"]
    assert search(deps, "renee") == ["Globex"]
    assert search(deps, "office") == ["Globex"]
    with deps.session_factory() as session:
        found = searching.find_leads(session, text="lee", viewer=Actor(REP))
        assert [(item.lead.id, item.matched) for item in found] == [(1, "contact")]
        found = searching.find_leads(session, text="renee", viewer=Actor(REP))
        assert [(item.lead.id, item.matched) for item in found] == [(3, "note")]


def test_search_finds_closed_leads_only_when_asked_and_never_anothers(deps: Deps) -> None:
    seed(deps, ("Acme", REP), ("Acme West", OTHER))
    with deps.session_factory.begin() as session:
        lead_changes.close_lead(
            session, lead_id=1, outcome="won", actor=Actor(REP), now=deps.clock.now()
        )
    assert search(deps, "acme") == []
    assert search(deps, "acme", open_only=False) == ["Acme"]
    assert search(deps, "acme", viewer=MANAGER, manager=True, open_only=False) == [
        "Acme West",
        "Acme",
    ]
    assert search(deps, "acme", viewer=OTHER, open_only=False) == ["Acme West"]
    cover = Actor(OTHER, covers=frozenset({REP}))
    with deps.session_factory() as session:
        found = searching.find_leads(session, text="acme", viewer=cover)
    assert [item.lead.company for item in found] == ["Acme West", "Acme"]


def test_search_treats_like_wildcards_as_text(deps: Deps) -> None:
    seed(deps, ("100% Juice", REP), ("100 Juice", REP), ("a_b", REP), ("axb", REP))
    assert search(deps, "%") == ["100% Juice"]
    assert search(deps, "a_b") == ["a_b"]
    assert search(deps, "100%") == ["100 Juice", "100% Juice"]  # punctuation aside, newest first


def test_reps_see_their_open_leads_and_managers_everyones(deps: Deps) -> None:
    seed(deps, ("Acme", REP), ("Acme West", OTHER), ("Acme Lost", REP))
    with deps.session_factory.begin() as session:
        actor = Actor(user_id=REP, is_manager=False)
        lead_changes.close_lead(
            session, lead_id=3, outcome="lost", actor=actor, now=deps.clock.now()
        )
    assert search(deps, "acme") == ["Acme"]
    assert search(deps, "acme", viewer=MANAGER, manager=True) == ["Acme West", "Acme"]
    with deps.session_factory() as session:
        names = lead_reads.open_lead_names(session, viewer=Actor(REP, False))
        everyone = lead_reads.open_lead_names(session, viewer=Actor(MANAGER, True))
    assert names == [(1, "Acme")] and everyone == [(2, "Acme West"), (1, "Acme")]


def test_qualification_answers(deps: Deps) -> None:
    seed(deps, ("Acme", REP))
    with deps.session_factory.begin() as session:
        assert lead_reads.get_qualification(session, lead_id=1) == {}
        actor = Actor(user_id=REP, is_manager=False)
        lead_changes.record_qualification(
            session, lead_id=1, answers={"need": "yes"}, score=14, actor=actor, now=deps.clock.now()
        )
        assert lead_reads.get_qualification(session, lead_id=1) == {"need": "yes"}
        with pytest.raises(NotFound):
            lead_reads.get_qualification(session, lead_id=99)


def test_one_of_finds_leads_by_thousands_of_numbers_in_one_parameter(deps: Deps) -> None:
    seed(deps, *((f"Lead {n}", REP) for n in range(5)))
    with deps.session_factory() as session:
        ids = sorted(session.scalars(select(Lead.id)))
        asked = [ids[0], ids[3], *range(10**6, 10**6 + 20_000)]  # most of them no lead's
        found = session.scalars(select(Lead.id).where(one_of(session, Lead.id, asked)))
        assert sorted(found) == [ids[0], ids[3]]
        assert list(session.scalars(select(Lead.id).where(one_of(session, Lead.id, [])))) == []
