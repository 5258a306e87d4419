"""METRICS §2.7 and §2.8: the trend against the four weeks before, and the one recommendation."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from bot.domain.history import walk_histories
from bot.domain.money import Fx
from bot.domain.open_book import OpenBook
from bot.domain.recommendation import Action, Reason, decide, recommend
from bot.domain.report import build_weekly_report
from bot.domain.team_facts import Close, Move, NewLead, ReportFacts, Standing, TouchCount
from bot.domain.trend import TrendMetric, build_trend
from tests.domain.managers_kit import DANA, KENJI, NOW, RULES, TODAY, days_ago, lead, rep, window

USD = Fx("USD")


def trend_of(facts: ReportFacts):
    created = {item.id: item.created_at for item in facts.open_leads}
    created.update((c.lead_id, c.created_at) for c in facts.closes)
    walked = walk_histories(facts.moves, rules=RULES, window=facts.window, created=created)
    return build_trend(facts, walked, rules=RULES, fx=USD)


def test_no_trend_before_four_complete_weeks_and_the_date_it_starts() -> None:
    # The team's first lead came on Tuesday 17 November: the first report whose four previous
    # weeks all follow it is Monday 28 December.
    facts = ReportFacts(window(), (), (), history_start=days_ago(20))
    trend = trend_of(facts)
    assert (trend.available, trend.starts_on, trend.rows) == (False, date(2026, 12, 28), ())


def test_an_arrow_needs_a_ten_percent_change_and_enough_sample() -> None:
    week = window()
    # New leads: 15 this week against 10 in each of the four before: +50%.
    new = [
        NewLead(n, DANA, week.mondays[w + 1] + timedelta(hours=10 + n % 50), False, None)
        for w, count in enumerate((15, 10, 10, 10, 10))
        for n in range(count)
    ]
    # Contact touches: 21 against 20 (+5%); wins: 2 against 1 (+100%, but 6 in all).
    touches = [TouchCount(DANA, "call", w, 21 if w == 0 else 20) for w in range(5)]
    touches.append(TouchCount(DANA, "note", 0, 50))  # notes are not contact touches
    wins = [
        Close(100 + i, DANA, "won", week.mondays[w + 1] + timedelta(hours=20 + i), "closing",
              None, Decimal(1), "USD", days_ago(200))
        for i, w in enumerate([0, 0, 1, 2, 3, 4])
    ]  # fmt: skip
    facts = ReportFacts(week, (), (), closes=tuple(wins), new_leads=tuple(new),
                        touches=tuple(touches), history_start=days_ago(400))  # fmt: skip
    rows = {row.metric: row for row in trend_of(facts).rows}
    assert rows[TrendMetric.NEW_LEADS].points == (15, 10, 10, 10, 10)
    assert (rows[TrendMetric.NEW_LEADS].change, rows[TrendMetric.NEW_LEADS].arrow) == (
        Decimal("0.5"), "up",
    )  # fmt: skip
    assert rows[TrendMetric.CONTACT_TOUCHES].arrow is None  # +5%
    assert rows[TrendMetric.WINS].points == (2, 1, 1, 1, 1)
    assert rows[TrendMetric.WINS].arrow is None and not rows[TrendMetric.WINS].enough
    assert rows[TrendMetric.WIN_RATE].arrow is None  # far below the sample a rate needs


def test_open_weighted_and_at_risk_value_as_of_each_monday() -> None:
    week = window()  # Mondays 7, 30 Nov... at 05:00 UTC; NOW is 9 hours after the last one
    x = lead(id=1, created_at=days_ago(60), stage="qualification", stage_changed_at=days_ago(10),
             last_touch_at=days_ago(2))  # fmt: skip
    y = lead(id=2, created_at=days_ago(3), value=Decimal(500))
    z = Close(3, DANA, "won", days_ago(12), "proposal", None, Decimal(2000), "USD", days_ago(50))
    moves = (
        Move(1, None, "prospecting", days_ago(60)), Move(1, "prospecting", "qualification", days_ago(10)),
        Move(2, None, "prospecting", days_ago(3)),
        Move(3, None, "prospecting", days_ago(50)), Move(3, "prospecting", "proposal", days_ago(30)),
        Move(3, "proposal", "won", days_ago(12)),
    )  # fmt: skip
    facts = ReportFacts(
        week, (), (x, y), moves=moves, closes=(z,), history_start=days_ago(400),
        last_touches={1: (days_ago(2), None, None, None, None)},
    )  # fmt: skip
    rows = {row.metric: row for row in trend_of(facts).rows}
    # Open, newest Monday first: x + y; x; x + z while z was open (until 12 days ago).
    assert rows[TrendMetric.OPEN_VALUE].points == (1500, 1000, 3000, 3000, 3000)
    # Weighted: x in qualification (20%) for the last two Mondays, prospecting (10%) before;
    # y prospecting; z in proposal (50%) 30 days ago until its win.
    assert rows[TrendMetric.WEIGHTED_VALUE].points == (250, 200, 1100, 1100, 1100)
    # At risk: nothing on the last Monday (x touched 2 days before, y new); on 30 November x
    # had no touch in weeks; before that x was 46+ days in prospecting (stuck) and z untouched.
    assert rows[TrendMetric.AT_RISK_SHARE].points == (0, 1, 1, 1, 1)


def book_of(*leads_, todays=None) -> OpenBook:
    return OpenBook(
        tuple(leads_), rules=RULES, fx=USD, now=NOW, todays=todays or {}, team_today=TODAY
    )


PAIR = (rep(DANA), rep(KENJI))


def advise(book: OpenBook, reps=PAIR, won=(), new=(), start=None):
    standings = {r.id: r.standing(now=NOW, today=TODAY) for r in reps}
    return recommend(book, reps=reps, standings=standings, won_this_period=won, new_leads=new,
                     history_start=start, rules=RULES, now=NOW)  # fmt: skip


def test_a_new_team_with_almost_nothing_open_is_told_to_fill() -> None:
    advice = advise(book_of(lead()))
    # One early lead for two reps: 0.5 per rep < 5.
    assert advice.action is Action.FILL and [r.code for r in advice.deciding] == ["F3"]
    assert advice.figures[0].value == Decimal("0.5") and advice.figures[0].bar == 5
    notes = {r.code: r.note for r in advice.reasons}
    assert notes["F1"] == "no quotas" and notes["F2"] == "needs four weeks of history"


def test_stuck_late_stage_value_means_push_when_the_top_is_full() -> None:
    early = [lead() for _ in range(12)]  # 6 per rep
    late = [lead(stage="proposal", value=Decimal(10_000), stage_changed_at=days_ago(20))
            for _ in range(2)] + [lead(stage="proposal", value=Decimal(10_000))]  # fmt: skip
    advice = advise(book_of(*early, *late))
    # Stuck proposal value 20,000 of 30,000 = 67% >= 30%.
    assert advice.action is Action.PUSH and [r.code for r in advice.deciding] == ["P1"]
    # The same with a thin top of the funnel: filling wins unless the quota can be made (P3).
    assert advise(book_of(*early[:4], *late)).action is Action.FILL


def test_late_stage_value_covering_the_quota_means_push_even_with_a_fill_reason() -> None:
    # Quota 100,000, won 0: 100,000 left. Proposal 250,000 weighs 125,000 >= 100,000 (P3), and
    # open 250,000 + 10 × 1,000 < 3 × 100,000 (F1 by coverage).
    reps = (rep(DANA, quota=Decimal(100_000)), rep(KENJI))
    book = book_of(lead(stage="proposal", value=Decimal(250_000)), *[lead() for _ in range(10)])
    advice = advise(book, reps=reps)
    holding = {r.code for r in advice.reasons if r.holds}
    assert holding == {"F1", "P3"} and advice.action is Action.PUSH


def test_inflow_below_seventy_percent_of_usual_needs_four_weeks_of_history() -> None:
    # 3 new in 14 days; 20 in the 28 days before, so 10 per 14 days usually; 3 < 7.
    new = [NewLead(n, DANA, days_ago(2), False, None) for n in range(3)] + [
        NewLead(10 + n, DANA, days_ago(20 + n), False, None) for n in range(20)
    ]
    book = book_of(*[lead() for _ in range(12)])
    advice = advise(book, new=new, start=days_ago(100))
    f2 = next(r for r in advice.reasons if r.code == "F2")
    assert f2.holds and (f2.figures[0].value, f2.figures[0].bar) == (3, Decimal("7.0"))
    assert not next(
        r for r in advise(book, new=new, start=days_ago(30)).reasons if r.code == "F2"
    ).holds


def test_a_rep_over_a_late_stage_wip_limit_is_a_push_reason() -> None:
    book = book_of(*[lead() for _ in range(12)], *[lead(stage="proposal") for _ in range(9)])
    p2 = next(r for r in advise(book).reasons if r.code == "P2")
    assert p2.holds and (p2.figures[0].value, p2.figures[0].rep_id) == (9, DANA)


def test_the_decision_table() -> None:
    def held(*codes: str) -> list[Reason]:
        return [Reason(code, True) for code in codes]

    assert decide(held()) is Action.HEALTHY
    assert decide(held("F2")) is Action.FILL
    assert decide(held("P1")) is Action.PUSH
    assert decide(held("P1", "F3")) is Action.FILL
    assert decide(held("P1", "P3", "F1")) is Action.PUSH


def test_the_whole_report_for_a_new_team() -> None:
    facts = ReportFacts(
        window(), (rep(DANA, first_owned_at=days_ago(3)),),
        (lead(), lead(value=Decimal(3_000_000), currency="KRW")),
        moves=(Move(1, None, "prospecting", days_ago(1 / 24)),), history_start=days_ago(3),
    )  # fmt: skip
    report = build_weekly_report(facts, rules=RULES, fx=USD)
    assert report.recommendation.action is Action.FILL and not report.trend.available
    assert [chart.currency for chart in report.charts] == ["USD", "KRW"]
    assert report.activity[0].rep_id == "team"
    assert report.activity[1].standing is Standing.RAMPING
