"""Reads behind the lead picker and the shortcut's guess, on both databases."""

import pytest

from bot.deps import Deps
from bot.domain.access import Actor
from bot.domain.errors import NotFound
from bot.services import lead_changes, lead_reads, reps
from tests.seeding import seed_lead

REP, OTHER, MANAGER = "UREP00001", "UREP00002", "UMANAGER1"


def seed(deps: Deps, *rows: tuple[str, str]) -> None:
    with deps.session_factory.begin() as session:
        for user_id in (REP, OTHER):
            reps.ensure_rep(session, user_id=user_id, now=deps.clock.now())
    for company, owner in rows:
        seed_lead(deps, company, owner=owner)


def search(deps: Deps, text: str, viewer: str = REP, manager: bool = False) -> list[str]:
    with deps.session_factory() as session:
        found = lead_reads.search_open_leads(session, text=text, viewer=Actor(viewer, manager))
    return [lead.company for lead in found]


def test_search_ranks_number_then_prefix_then_contains(deps: Deps) -> None:
    seed(deps, ("Big Acme", REP), ("Acme", REP), ("Initech 1", REP), ("Acme, Inc.", REP))
    assert search(deps, "acme") == ["Acme", "Acme, Inc.", "Big Acme"]
    assert search(deps, "acme inc") == ["Acme, Inc."]
    assert search(deps, "#3")[0] == "Initech 1"
    assert search(deps, "   ") == []


def test_search_treats_like_wildcards_as_text(deps: Deps) -> None:
    seed(deps, ("100% Juice", REP), ("100 Juice", REP), ("a_b", REP), ("axb", REP))
    assert search(deps, "%") == ["100% Juice"]
    assert search(deps, "a_b") == ["a_b"]
    assert search(deps, "100%") == ["100% Juice", "100 Juice"]  # punctuation-insensitive too


def test_reps_see_their_open_leads_and_managers_everyones(deps: Deps) -> None:
    seed(deps, ("Acme", REP), ("Acme West", OTHER), ("Acme Lost", REP))
    with deps.session_factory.begin() as session:
        actor = Actor(user_id=REP, is_manager=False)
        lead_changes.close_lead(
            session, lead_id=3, outcome="lost", actor=actor, now=deps.clock.now()
        )
    assert search(deps, "acme") == ["Acme"]
    assert search(deps, "acme", viewer=MANAGER, manager=True) == ["Acme", "Acme West"]
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
