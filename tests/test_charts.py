"""Charts are PNG images, one per currency; a dollar amount never turns a label into math."""

from __future__ import annotations

from decimal import Decimal

import matplotlib

from bot.charts import _amount, _leads, _money_ticks, funnel_png, weekly_report_charts
from bot.domain.money import Fx
from bot.domain.report import build_weekly_report
from bot.domain.team_facts import Move, ReportFacts
from bot.services.pipeline import StageTotal
from tests.domain.managers_kit import RULES, days_ago, lead, rep, window

PNG = b"\x89PNG"


def test_the_backend_is_headless() -> None:
    assert matplotlib.get_backend().lower() == "agg"


def test_amount_labels_carry_their_own_currency() -> None:
    assert _amount(Decimal(12500), "USD") == "\\$12,500"
    assert _amount(Decimal(12500), "EUR") == "€12,500"
    assert _amount(Decimal(12500), "CHF") == "12,500 CHF"


def test_value_ticks_are_compact_amounts_not_an_exponent() -> None:
    ticks = _money_ticks("USD")
    assert [ticks(value, 0) for value in (0.0, 2_500_000.0, 750.0)] == ["\\$0", "\\$2.5m", "\\$750"]
    assert _money_ticks("KRW")(3e9, 0) == "₩3bn"


def test_lead_counts_read_as_words() -> None:
    assert (_leads(1), _leads(0), _leads(2)) == ("1 lead", "0 leads", "2 leads")


def test_a_funnel_in_one_currency() -> None:
    stages = [StageTotal("proposal", "Proposal", 3, Decimal(30000), Decimal(15000), "EUR")]
    assert funnel_png(stages, currency="EUR").startswith(PNG)


def test_the_weekly_report_draws_one_chart_per_currency_that_cannot_be_added() -> None:
    facts = ReportFacts(
        window(), (rep("UDANA0001"),),
        (lead(), lead(stage="proposal", value=Decimal(3_000_000), currency="KRW"),
         lead(stage="closing", currency="EUR")),
        moves=(Move(1, None, "prospecting", days_ago(1)),), history_start=days_ago(400),
    )  # fmt: skip
    report = build_weekly_report(facts, rules=RULES, fx=Fx("USD", {"EUR": Decimal("1.1")}))
    charts = weekly_report_charts(report)
    assert [currency for currency, _ in charts] == ["USD", "KRW"]
    assert all(png.startswith(PNG) for _, png in charts)
    fresh = build_weekly_report(
        ReportFacts(window(), (), (lead(),), history_start=days_ago(2)), rules=RULES, fx=Fx("USD")
    )
    [(currency, png)] = weekly_report_charts(fresh)
    assert currency == "USD" and png.startswith(PNG)  # "trend from week 5" instead of bars
