"""Reads and writes behind `/lead` and `/pipeline` on a real session (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from bot.deps import Deps
from bot.domain.access import Actor
from bot.domain.errors import NotFound, PermissionDenied
from bot.domain.parsing import SCOPE_ALL, SCOPE_MINE
from bot.domain.rhythm import Money
from bot.services import lead_changes, leads, pipeline_queries, queries, reps
from tests.seeding import StatementCounter, seed_lead

NOW = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
TODAY = date(2026, 11, 30)
DANA, KENJI, MAX = "UREP00001", "UREP00002", "UMANAGER1"
REP_VIEW = Actor(DANA, is_manager=False)
BOSS = Actor(MAX, is_manager=True)


def new(company: str, owner: str = DANA, **fields: object) -> leads.NewLead:
    return leads.NewLead(company=company, owner_id=owner, stage="prospecting", **fields)  # type: ignore[arg-type]


def add(deps: Deps, company: str, *, owner: str = DANA, **fields: object) -> int:
    return seed_lead(deps, company, owner=owner, now=NOW, **fields)


def test_list_scope_lets_reps_see_only_their_own() -> None:
    assert queries.list_scope(SCOPE_MINE, viewer=REP_VIEW) == queries.ListScope(DANA)
    assert queries.list_scope(SCOPE_ALL, viewer=REP_VIEW) == queries.ListScope(DANA, narrowed=True)
    assert queries.list_scope(DANA, viewer=REP_VIEW) == queries.ListScope(DANA)
    with pytest.raises(PermissionDenied):
        queries.list_scope(KENJI, viewer=REP_VIEW)
    assert queries.list_scope(SCOPE_ALL, viewer=BOSS) == queries.ListScope(None)
    assert queries.list_scope(KENJI, viewer=BOSS) == queries.ListScope(KENJI)


def test_open_leads_by_next_follow_up_with_totals_over_the_whole_list(deps: Deps) -> None:
    later = add(deps, "Later", next_follow_up=TODAY + timedelta(days=2), value=Decimal(100))
    never = add(deps, "Never", value=Decimal(50), currency="EUR")
    overdue = add(deps, "Overdue", next_follow_up=TODAY - timedelta(days=1))
    today = add(deps, "Today", next_follow_up=TODAY, value=Decimal(10))
    add(deps, "Theirs", owner=KENJI, value=Decimal(999))
    closed = add(deps, "Closed", value=Decimal(999))
    with deps.session_factory.begin() as session:
        lead_changes.close_lead(
            session, lead_id=closed, outcome="won", actor=Actor(DANA, False), now=NOW
        )
    with deps.session_factory() as session:
        page = queries.list_open_leads(
            session, scope=queries.ListScope(DANA), stage_key=None, today=TODAY, limit=3
        )
        everyone = queries.list_open_leads(
            session, scope=queries.ListScope(None), stage_key=None, today=TODAY, limit=10
        )
        none = queries.list_open_leads(
            session, scope=queries.ListScope(DANA), stage_key="proposal", today=TODAY, limit=10
        )
    assert [lead.id for lead in page.leads] == [overdue, today, later]
    assert page.total == 4 and (page.overdue, page.due_today) == (1, 1)
    assert page.value == Money.total([("USD", Decimal(110)), ("EUR", Decimal(50))])
    assert never not in [lead.id for lead in page.leads]
    assert everyone.total == 5
    assert none.total == 0 and none.leads == () and none.value == Money()


def test_lead_detail_has_touches_and_history_newest_first_and_checks_visibility(deps: Deps) -> None:
    lead_id = add(deps, "Acme")
    actor = Actor(DANA, False)
    with deps.session_factory.begin() as session:
        lead_changes.move_stage(
            session, lead_id=lead_id, stage="proposal", actor=actor, now=NOW + timedelta(hours=1)
        )
        lead_changes.snooze(
            session,
            lead_id=lead_id,
            until=TODAY + timedelta(days=3),
            actor=actor,
            now=NOW + timedelta(hours=2),
        )
        lead_changes.close_lead(
            session,
            lead_id=lead_id,
            outcome="lost",
            actor=actor,
            now=NOW + timedelta(hours=3),
            reason="budget",
        )
    with deps.session_factory() as session:
        detail = queries.lead_detail(session, lead_id=lead_id, viewer=REP_VIEW)
        with pytest.raises(PermissionDenied, match="only they or a manager"):
            queries.lead_detail(session, lead_id=lead_id, viewer=Actor(KENJI, False))
        assert queries.lead_detail(session, lead_id=lead_id, viewer=BOSS).lead.id == lead_id
        with pytest.raises(NotFound):
            queries.lead_detail(session, lead_id=999, viewer=BOSS)
    kinds = [(entry.kind, entry.to_stage) for entry in detail.history]
    assert kinds == [
        ("lost", None),
        ("snoozed", None),
        ("stage", "proposal"),
        ("stage", "prospecting"),
    ]
    assert detail.history[0].detail == {"reason": "budget"}
    assert detail.history_total == 4 and detail.touches == ()


def test_visible_export_is_the_reps_own_leads_and_everything_for_a_manager(deps: Deps) -> None:
    add(deps, "Acme", value=Decimal("12.5"))
    add(deps, "Theirs", owner=KENJI)
    mine, everyone = io.StringIO(), io.StringIO()
    with deps.session_factory() as session:
        assert queries.write_visible_leads_csv(session, viewer=REP_VIEW, out=mine) == 1
        assert queries.write_visible_leads_csv(session, viewer=BOSS, out=everyone) == 2
    assert (
        mine.getvalue()
        .splitlines()[1]
        .startswith("1,Acme,,,,12.50,USD,prospecting,open,UREP00001,")
    )
    assert len(everyone.getvalue().splitlines()) == 3


def test_pipeline_summary_for_a_rep_and_a_manager_in_a_fixed_number_of_reads(deps: Deps) -> None:
    add(deps, "Acme", value=Decimal(1000), next_follow_up=TODAY - timedelta(days=3))
    add(deps, "Globex", value=Decimal(500), currency="EUR", next_follow_up=TODAY)
    add(deps, "Legacy", value=Decimal(10))
    with deps.session_factory.begin() as session:
        session.execute(text("UPDATE leads SET stage = 'removed' WHERE company = 'Legacy'"))
    for number in range(30):
        add(deps, f"Team {number}", owner=f"UREP9{number:04d}", value=Decimal(100))
    with deps.session_factory.begin() as session:
        reps.ensure_rep(session, user_id="UIDLE0001", now=NOW)
    stages = deps.pipeline.stages
    with deps.session_factory() as session:
        mine = pipeline_queries.pipeline_summary(
            session, viewer=REP_VIEW, stages=stages, today=TODAY
        )
        with StatementCounter(deps.engine) as counter:
            team = pipeline_queries.pipeline_summary(
                session, viewer=BOSS, stages=stages, today=TODAY
            )
    assert mine.team is None and mine.reps == ()
    first = mine.mine.rows[0]
    assert (first.key, first.count) == ("prospecting", 3)  # a removed stage counts in the first
    assert first.value == Money.total([("USD", Decimal(1010)), ("EUR", Decimal(500))])
    assert first.weighted == Money.total([("USD", Decimal(101)), ("EUR", Decimal(50))])
    assert [row.count for row in mine.mine.rows[1:]] == [0, 0, 0, 0]
    assert (mine.attention.overdue_total, mine.attention.due_today_total) == (1, 1)
    assert [lead.company for lead in mine.attention.overdue] == ["Acme"]
    assert team.team is not None and team.team.count == 33
    by_rep = {row.rep_id: row for row in team.reps}
    assert by_rep[DANA].snapshot.count == 3 and (by_rep[DANA].overdue, by_rep[DANA].due_today) == (
        1,
        1,
    )
    assert by_rep["UIDLE0001"].snapshot.count == 0
    assert team.reps[0].rep_id == DANA
    assert len(counter.selects) <= 6


def test_a_leads_history_lists_the_notes_left_on_it(deps: Deps) -> None:
    lead_id = add(deps, "Acme")
    with deps.session_factory.begin() as session:
        leads.record_note(
            session, lead_id=lead_id, text="Met at the expo", by=KENJI, now=NOW + timedelta(hours=1)
        )
    with deps.session_factory() as session:
        detail = queries.lead_detail(session, lead_id=lead_id, viewer=BOSS)
    note = detail.history[0]
    assert (note.kind, note.actor_id, note.at) == ("note", KENJI, NOW + timedelta(hours=1))
    assert note.detail == {"text": "Met at the expo", "by": KENJI}
    assert detail.history_total == 2
