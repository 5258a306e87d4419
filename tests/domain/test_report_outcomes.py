"""METRICS §2.3, §2.5, §2.6: win rates with their sample, the forecast per currency, and each rep's week."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from bot.domain.money import Fx
from bot.domain.open_book import OpenBook
from bot.domain.outcomes import forecast, rep_activity, speed_to_lead, win_rates
from bot.domain.team_facts import (
    Close,
    NewLead,
    ReportFacts,
    Standing,
    TouchCount,
    WeekCount,
    WonAmount,
)
from tests.domain.managers_kit import DANA, KENJI, NOW, NY, RULES, TODAY, days_ago, lead, window

FX = Fx("USD", {"EUR": Decimal("1.1")})
_ids = iter(range(1000, 9999))


def close(outcome: str, ago: float, *, value: str | None = "1000", category: str | None = None,
          owner: str = DANA, currency: str = "USD") -> Close:  # fmt: skip
    return Close(next(_ids), owner, outcome, days_ago(ago), "proposal",
                 category if outcome != "lost" else category or "competitor",
                 Decimal(value) if value else None, currency, days_ago(ago + 30))  # fmt: skip


def test_win_rate_leaves_unqualified_losses_and_archives_out() -> None:
    # In the 28 days before Monday 00:00 (9 hours ago): 6 won, 2 lost to a competitor,
    # 3 lost as unqualified, 1 archived.
    closes = (
        [close("won", d) for d in (1, 2, 3, 4, 5, 6)]
        + [close("lost", 7), close("lost", 8, value="3000")]
        + [close("lost", 9, category="unqualified") for _ in range(3)]
        + [close("archived", 10), close("won", 29)]  # 29 days ago is outside the window
    )
    rates = win_rates(tuple(closes), end=window().week_end, rules=RULES, fx=FX)
    # Win rate 6 / (6 + 2) = 75%, with n = 8 below the minimum of 10: n/a, so the 90-day
    # figure is shown, labelled: the same set plus the win 29 days ago, 7 / 9, still n/a.
    # The close rate counts every close: 7 of 13 = 54%.
    assert rates.days == 90 and rates.fallback
    assert rates.win.label == "n/a (7 of 9)" and rates.close.label == "54%"
    assert (rates.unqualified, rates.archived) == (3, 1)


def test_enough_closes_in_28_days_give_the_rate_and_the_value_rate() -> None:
    closes = [close("won", d, value="2000") for d in range(1, 7)] + [
        close("lost", d, value="1000") for d in range(1, 5)
    ]
    rates = win_rates(tuple(closes), end=window().week_end, rules=RULES, fx=FX)
    # 6 / 10 = 60%; by value 12,000 / (12,000 + 4,000) = 75%.
    assert (rates.days, rates.win.label, rates.value_win) == (28, "60%", Decimal("0.75"))
    assert (rates.won.total, rates.lost.total) == (12_000, 4000)


def test_the_forecast_weighs_value_by_stage_keeps_currencies_apart_and_looks_at_the_period() -> (
    None
):
    # Q4 2026 ends on 1 January. Proposal is 50%, closing 80%, prospecting 10%.
    open_leads = (
        lead(stage="proposal", value=Decimal(10_000), expected_close=date(2026, 12, 20)),
        lead(
            stage="closing", value=Decimal(1000), currency="EUR", expected_close=date(2026, 11, 30)
        ),
        lead(stage="closing", value=Decimal(3_000_000), currency="KRW"),
        lead(stage="prospecting", value=Decimal(5000), expected_close=date(2027, 1, 15)),
        lead(stage="prospecting", value=None),
    )
    book = OpenBook(open_leads, rules=RULES, fx=FX, now=NOW, todays={}, team_today=TODAY,
                    period=window().period)  # fmt: skip
    found = forecast(book, rules=RULES, window=window(),
                     won=(WonAmount(DANA, "USD", Decimal(4000), 2),))  # fmt: skip
    # Weighted: 10,000 × 0.5 + 1,100 × 0.8 + 5,000 × 0.1 = 6,380; the won stays apart (× 0.8).
    assert found.weighted.total == Decimal("6380.0")
    assert found.weighted.not_converted_lines() == ("+ ₩2.4m not converted",)
    assert found.weighted.missing_note == "value missing on 1 of 5"
    # Late stages (proposal, closing): weighted 5,000 + 880, unweighted 10,000 + 1,100.
    assert (found.late_weighted.total, found.late_value.total) == (Decimal("5880.0"), 11_100)
    # Expected this quarter: the 20 December proposal and the slipped 30 November closing.
    assert found.expected_weighted.total == Decimal("5880.0") and found.expected_value.count == 2
    assert (found.with_expected_close, found.past_expected_close) == (3, 1)
    assert found.won_this_period.total == 4000


def at(text: str) -> datetime:
    """A New York wall time as a UTC instant."""
    return datetime.fromisoformat(text).replace(tzinfo=NY).astimezone(UTC)


def inbound(created: str, contacted: str | None, owner: str = DANA) -> NewLead:
    return NewLead(next(_ids), owner, at(created), True, at(contacted) if contacted else None)


def test_speed_to_lead_counts_working_hours_on_the_team_calendar() -> None:
    leads = [
        # Friday 17:00 → Monday 09:30: one hour on Friday, half an hour on Monday.
        inbound("2026-12-04T17:00", "2026-12-07T09:30"),
        # Wednesday 10:00 → 15:00: five hours, over the four-hour target.
        inbound("2026-12-02T10:00", "2026-12-02T15:00"),
        # Thursday 11:00, never touched: 7 + 9 hours by Monday 09:00 — breached.
        inbound("2026-12-03T11:00", None),
        # Friday 17:30, never touched: half an hour so far — still waiting, not counted.
        inbound("2026-12-04T17:30", None),
        NewLead(1, DANA, at("2026-12-02T10:00"), False, None),  # not inbound
    ]
    speed = speed_to_lead(leads, rules=RULES, zone=NY, now=NOW)
    assert (speed.leads, speed.waiting) == (4, 1)
    # Median of 1.5 and 5 hours = 3.25, one decimal half up.
    assert (speed.hours.value, speed.hours.n) == (Decimal("3.3"), 2)
    assert (speed.within.numerator, speed.within.denominator) == (1, 3)


def test_speed_to_lead_across_the_autumn_clock_change() -> None:
    # Friday 30 October 17:00 EDT to Monday 2 November 10:00 EST: one hour plus one hour.
    lead_ = inbound("2026-10-30T17:00", "2026-11-02T10:00")
    speed = speed_to_lead([lead_], rules=RULES, zone=NY, now=at("2026-11-02T12:00"))
    assert speed.hours.value == Decimal("2.0")


def test_each_reps_week_credits_touches_to_their_author_and_outcomes_to_the_owner() -> None:
    week = window()
    facts = ReportFacts(
        window=week,
        reps=(),
        open_leads=(
            lead(id=1, owner_id=DANA, next_follow_up=TODAY - timedelta(days=1)),
            lead(id=2, owner_id=KENJI, next_follow_up=TODAY),
        ),
        closes=(
            Close(3, KENJI, "won", days_ago(2), "closing", None, Decimal(1), "USD", days_ago(40)),
            Close(
                4, KENJI, "lost", days_ago(3), "proposal", "unqualified", None, "USD", days_ago(9)
            ),
            Close(5, DANA, "won", days_ago(10), "closing", None, None, "USD", days_ago(40)),
        ),
        new_leads=(
            NewLead(1, DANA, days_ago(3), False, None),
            NewLead(2, KENJI, days_ago(20), False, None),
        ),
        touches=(
            TouchCount(DANA, "call", 0, 4),
            TouchCount(DANA, "note", 0, 2),
            TouchCount(KENJI, "email", 0, 3),
            TouchCount(DANA, "call", 1, 9),
        ),  # fmt: skip
        snoozes=(WeekCount(KENJI, 0, 2), WeekCount(DANA, 1, 5)),
    )
    book = OpenBook(facts.open_leads, rules=RULES, fx=FX, now=NOW, todays={}, team_today=TODAY)
    standings = {DANA: Standing.ACTIVE, KENJI: Standing.RAMPING}
    rows = {row.rep_id: row for row in rep_activity(facts, book, advances=[(2, 0), (1, 1)],
                                                     rules=RULES, standings=standings)}  # fmt: skip
    dana, kenji, team = rows[DANA], rows[KENJI], rows["team"]
    assert (dana.touches, dana.contact_touches, dana.notes) == ((("call", 4),), 4, 2)
    assert (dana.new_leads, dana.wins, dana.overdue_now, dana.snoozes) == (1, 0, 1, 0)
    assert (kenji.advances, kenji.wins, kenji.losses, kenji.snoozes) == (1, 1, 1, 2)
    assert kenji.standing is Standing.RAMPING and team.standing is None
    assert (team.contact_touches, team.wins, team.advances, team.new_leads) == (7, 1, 1, 1)
