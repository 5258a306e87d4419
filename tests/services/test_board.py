"""The board query on a real session (SQLite and PostgreSQL): totals, order, caps, and two statements."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import update

from bot.deps import Deps
from bot.domain.access import Actor
from bot.domain.leads import WON
from bot.domain.rhythm import Money
from bot.models import Lead
from bot.services import board, events, lead_changes
from tests.seeding import StatementCounter, seed_lead

NOW = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
TODAY = date(2026, 11, 30)
DANA, KENJI = "UREP00001", "UREP00002"


def add(
    deps: Deps, company: str, *, owner: str = DANA, value: str | None = "1000", **options
) -> int:
    return seed_lead(deps, company, owner=owner, value=value, now=NOW, **options)


def load(deps: Deps, owner_ids: list[str] | None = None, **kwargs) -> board.Board:
    with deps.session_factory() as session:
        return board.load_board(
            session, pipeline=deps.pipeline, owner_ids=owner_ids, today=TODAY, **kwargs
        )


def test_open_leads_by_stage_with_totals_in_pipeline_order(deps: Deps) -> None:
    add(deps, "Acme", value="12000", next_follow_up=TODAY - timedelta(days=2))
    add(deps, "Globex", value="3000", currency="EUR")
    add(deps, "Initech", stage="proposal", value="20000", next_follow_up=TODAY)
    add(deps, "Hooli", owner=KENJI, value="99000")
    closed = add(deps, "Closed Co")
    with deps.session_factory.begin() as session:
        lead_changes.close_lead(
            session,
            lead_id=closed,
            outcome=WON,
            actor=Actor(DANA, False),
            now=NOW,
        )

    mine = load(deps, [DANA])

    assert [column.key for column in mine.columns] == ["prospecting", "proposal"]
    prospecting, proposal = mine.columns
    assert (prospecting.count, prospecting.overdue) == (2, 1)
    assert prospecting.value == Money((("USD", Decimal(12000)), ("EUR", Decimal(3000))))
    assert prospecting.weighted == Money((("USD", Decimal(1200)), ("EUR", Decimal(300))))
    assert proposal.weighted == Money((("USD", Decimal(10000)),))
    assert [lead.company for lead in prospecting.leads] == ["Acme", "Globex"]
    assert (mine.count, mine.overdue, mine.reps) == (3, 1, ())


def test_leads_come_by_next_follow_up_with_undated_last_and_capped_per_stage(deps: Deps) -> None:
    add(deps, "No date")
    add(deps, "Later", next_follow_up=TODAY + timedelta(days=9))
    add(deps, "Overdue", next_follow_up=TODAY - timedelta(days=9))
    add(deps, "Soon", next_follow_up=TODAY + timedelta(days=1))
    add(deps, "Closing", stage="closing")

    capped = load(deps, [DANA], per_stage=3)

    prospecting, closing = capped.columns
    assert [lead.company for lead in prospecting.leads] == ["Overdue", "Soon", "Later"]
    assert prospecting.count == 4
    assert [lead.company for lead in closing.leads] == ["Closing"]


def test_a_stage_no_longer_configured_shows_in_the_first(deps: Deps) -> None:
    lead_id = add(deps, "Legacy")
    with deps.session_factory.begin() as session:
        session.execute(update(Lead).where(Lead.id == lead_id).values(stage="negotiation"))
    [column] = load(deps, [DANA]).columns
    assert column.key == "prospecting" and column.leads[0].company == "Legacy"


def test_the_team_board_has_a_row_per_rep(deps: Deps) -> None:
    add(deps, "Acme", owner=DANA, value="1000")
    add(
        deps,
        "Globex",
        owner=DANA,
        stage="closing",
        value="2000",
        next_follow_up=TODAY - timedelta(days=1),
    )
    add(deps, "Hooli", owner=KENJI, value="5000")

    team = load(deps, None, with_reps=True)

    assert team.count == 3
    assert [(rep.owner_id, rep.count, rep.overdue) for rep in team.reps] == [
        (DANA, 2, 1),
        (KENJI, 1, 0),
    ]
    assert team.reps[0].value == Money((("USD", Decimal(3000)),))
    assert team.reps[0].weighted == Money((("USD", Decimal(1700)),))


def test_two_statements_however_many_leads_and_reps(deps: Deps) -> None:
    for n in range(40):
        add(
            deps,
            f"Company {n}",
            owner=(DANA, KENJI)[n % 2],
            stage=("prospecting", "proposal")[n % 3 == 0],
        )
    with StatementCounter(deps.engine) as counter:
        team = load(deps, None, with_reps=True)
    assert team.count == 40 and len(counter.selects) == 2


def test_an_event_id_is_claimed_once_and_forgotten_after_two_days(deps: Deps) -> None:
    with deps.session_factory.begin() as session:
        assert events.claim_event(session, event_id="Ev1", now=NOW)
        assert not events.claim_event(session, event_id="Ev1", now=NOW)
    with deps.session_factory.begin() as session:
        assert not events.claim_event(session, event_id="Ev1", now=NOW + timedelta(hours=1))
        assert events.prune_events(session, now=NOW + timedelta(days=1)) == 0
        assert events.prune_events(session, now=NOW + timedelta(days=2, seconds=1)) == 1
        assert events.claim_event(session, event_id="Ev1", now=NOW + timedelta(days=3))
