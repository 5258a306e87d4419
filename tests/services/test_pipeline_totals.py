"""Open pipeline totals per rep and per currency: two currencies are never added together."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from bot.deps import Deps
from bot.services import leads, reps
from bot.services.pipeline import team_totals, totals_by_rep

NOW = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)
DANA, KENJI = "UDANA0001", "UKENJI001"


def add(deps: Deps, owner: str, stage: str, value: str | None, currency: str = "USD") -> None:
    with deps.session_factory.begin() as session:
        reps.ensure_rep(session, user_id=owner, now=NOW)
        leads.create_lead(
            session,
            new=leads.NewLead(
                company="Acme", owner_id=owner, stage=stage,
                value=Decimal(value) if value else None, currency=currency,
            ),
            created_by=owner, now=NOW,
        )  # fmt: skip


def test_totals_come_per_currency_with_the_usual_one_first(deps: Deps) -> None:
    add(deps, DANA, "proposal", "10000")
    add(deps, DANA, "proposal", "2000")
    add(deps, DANA, "closing", None)
    add(deps, DANA, "proposal", "50000000", "KRW")
    add(deps, KENJI, "prospecting", "3000", "EUR")
    with deps.session_factory() as session:
        per_rep = totals_by_rep(session, pipeline=deps.pipeline)
    dana_usd, dana_krw = per_rep[DANA]
    assert (dana_usd.currency, dana_usd.count, dana_usd.value, dana_usd.weighted) == (
        "USD", 3, Decimal(12_000), Decimal(6000),
    )  # fmt: skip
    assert (dana_krw.currency, dana_krw.value) == ("KRW", Decimal(50_000_000))
    assert [stage.stage for stage in dana_usd.stages][:2] == ["prospecting", "qualification"]
    teams = team_totals(per_rep, pipeline=deps.pipeline)
    assert [(team.currency, team.count, team.value) for team in teams] == [
        ("USD", 3, Decimal(12_000)), ("EUR", 1, Decimal(3000)), ("KRW", 1, Decimal(50_000_000)),
    ]  # fmt: skip
    assert all(stage.currency == team.currency for team in teams for stage in team.stages)


def test_an_empty_pipeline_is_one_row_of_zeros(deps: Deps) -> None:
    with deps.session_factory() as session:
        assert totals_by_rep(session, pipeline=deps.pipeline) == {}
    [team] = team_totals({}, pipeline=deps.pipeline)
    assert (team.currency, team.count, team.value, len(team.stages)) == ("USD", 0, 0, 5)
