"""METRICS §2: the weekly report, built from one read of the facts. Pure.

`build_weekly_report` is the entry point; each section is computed in its own module (funnel,
outcomes, trend, recommendation) from the open leads judged once and one pass over history.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.collector import collection_paused
from bot.domain.funnel import (
    Conversion,
    CurrencyFunnel,
    FunnelStage,
    StageTime,
    build_funnel,
    cohort_conversions,
    currency_funnels,
    time_in_stage,
)
from bot.domain.history import walk_histories
from bot.domain.money import Fx
from bot.domain.open_book import OpenBook
from bot.domain.outcomes import Forecast, RepActivity, WinRates, forecast, rep_activity, win_rates
from bot.domain.recommendation import Recommendation, recommend
from bot.domain.team_facts import ManagerWindow, ReportFacts, Standing, owner_todays
from bot.domain.team_rules import TeamRules
from bot.domain.trend import Trend, build_trend


@dataclass(frozen=True)
class WeeklyReport:
    """Everything the weekly report shows, in the reporting currency `currency`."""

    window: ManagerWindow
    currency: str
    funnel: tuple[FunnelStage, ...]
    conversions: tuple[Conversion, ...]
    win_rates: WinRates
    time_in_stage: tuple[StageTime, ...]
    forecast: Forecast
    activity: tuple[RepActivity, ...]
    trend: Trend
    recommendation: Recommendation
    charts: tuple[CurrencyFunnel, ...]


def build_weekly_report(facts: ReportFacts, *, rules: TeamRules, fx: Fx) -> WeeklyReport:
    """The whole report for the week that ended at `facts.window.week_end`, with the pipeline as of `now`."""
    with collection_paused():
        return _build(facts, rules=rules, fx=fx)


def _build(facts: ReportFacts, *, rules: TeamRules, fx: Fx) -> WeeklyReport:
    window = facts.window
    todays = owner_todays(facts.reps, now=window.now, zone=window.zone)
    book = OpenBook(
        facts.open_leads, rules=rules, fx=fx, now=window.now, todays=todays,
        team_today=window.today, period=window.period,
    )  # fmt: skip
    created = {lead.id: lead.created_at for lead in facts.open_leads}
    created.update((close.lead_id, close.created_at) for close in facts.closes)
    histories = walk_histories(facts.moves, rules=rules, window=window, created=created)
    standings: dict[str, Standing] = {
        rep.id: rep.standing(now=window.now, today=todays.get(rep.id, window.today))
        for rep in facts.reps
    }
    return WeeklyReport(
        window=window,
        currency=fx.currency,
        funnel=build_funnel(book, histories, rules=rules),
        conversions=cohort_conversions(histories, rules=rules),
        win_rates=win_rates(facts.closes, end=window.week_end, rules=rules, fx=fx),
        time_in_stage=time_in_stage(book, histories, rules=rules),
        forecast=forecast(book, rules=rules, window=window, won=facts.won_this_period),
        activity=rep_activity(
            facts, book, advances=histories.advances, rules=rules, standings=standings
        ),
        trend=build_trend(facts, histories, rules=rules, fx=fx),
        recommendation=recommend(
            book,
            reps=facts.reps,
            standings=standings,
            won_this_period=facts.won_this_period,
            new_leads=facts.new_leads,
            history_start=facts.history_start,
            rules=rules,
            now=window.now,
        ),
        charts=currency_funnels(book, rules=rules),
    )
