"""The weekly report's parts as mrkdwn: numbers as people read them, and a line (or a few) per table row.

Prose comes from the `report_*.md.j2` templates; user text (stage names) is escaped there, and
people are mentioned only from the ids we store.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from bot.domain.figures import Median
from bot.domain.funnel import Conversion
from bot.domain.money import MoneySum, short_money
from bot.domain.outcomes import TEAM, RepActivity, SpeedToLead
from bot.domain.recommendation import Figure
from bot.domain.report import WeeklyReport
from bot.domain.team_facts import Standing
from bot.domain.trend import TrendMetric, TrendRow
from bot.slack.kit import who
from bot.slack.render import render

WON = "won"
ARROWS = {"up": "↑", "down": "↓"}
# What each deciding number is compared with, by the figure's label.
BARS = {
    "weighted open value": "the remaining quota",
    "open value": "the coverage target × remaining quota",
    "new leads in 14 days": "70% of the usual 14-day inflow",
    "open early-stage leads per rep": "",
    "late-stage value stuck": "",
    "late-stage leads of one rep": "the WIP limit",
    "weighted late-stage value": "the remaining quota",
}
NOT_JUDGED = {
    "F1": "quota coverage",
    "F2": "new-lead inflow",
    "F3": "early-stage leads per rep",
    "P1": "stuck late-stage value",
    "P2": "late-stage WIP",
    "P3": "late-stage value against the quota",
}
TREND_ROWS: dict[TrendMetric, tuple[str, str]] = {
    TrendMetric.NEW_LEADS: ("New leads", "count"),
    TrendMetric.CONTACT_TOUCHES: ("Contact touches", "count"),
    TrendMetric.ADVANCES: ("Advances", "count"),
    TrendMetric.WINS: ("Wins", "count"),
    TrendMetric.WIN_RATE: ("Win rate", "share"),
    TrendMetric.OPEN_VALUE: ("Open value", "money"),
    TrendMetric.WEIGHTED_VALUE: ("Weighted value", "money"),
    TrendMetric.AT_RISK_SHARE: ("At-risk share of value", "share"),
    TrendMetric.SPEED_TO_LEAD_SHARE: ("Inbound leads answered in target", "share"),
}
STANDINGS = {
    Standing.RAMPING: "ramping",
    Standing.AWAY: "away",
    Standing.LEFT: "left",
    Standing.MANAGER: "manager",
}


# -- numbers as people read them -------------------------------------------------------------


def number(value: Decimal | int) -> str:
    """`3`, `2.5`, `1,200`: a count or a median without trailing zeros."""
    normalized = Decimal(value).normalize()
    if normalized == normalized.to_integral_value():
        return f"{normalized:,.0f}"
    return f"{normalized:,f}"


def percent(value: Decimal) -> str:
    return f"{(value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)}%"


def money(amount: MoneySum, *, missing: bool = True) -> str:
    """`$12.5k`, with `+ ₩50m not converted` and `(value missing on 3 of 12)` when they apply."""
    parts = [short_money(amount.total, amount.currency), *amount.not_converted_lines()]
    if missing and amount.missing_note:
        parts.append(f"({amount.missing_note})")
    return " ".join(parts)


def value_and_weighted(value: MoneySum, weighted: MoneySum) -> str:
    """`$12.5k · $4k weighted`, saying once that values are missing, as both are over the same leads."""
    note = f" ({value.missing_note})" if value.missing_note else ""
    return f"{money(value, missing=False)} · {money(weighted, missing=False)} weighted{note}"


def days(median: Median) -> str:
    return "—" if median.value is None else f"{median.value:f}"


def day_label(value: date) -> str:
    return f"{value:%a} {value.day} {value:%b}"


def span_label(start: date, last: date) -> str:
    """`30 Nov – 6 Dec 2026`, `23 – 29 Nov 2026`, `28 Dec 2026 – 3 Jan 2027`."""
    first = f"{start.day}"
    if (start.year, start.month) != (last.year, last.month):
        first += f" {start:%b}" + (f" {start.year}" if start.year != last.year else "")
    return f"{first} – {last.day} {last:%b} {last.year}"


def conversion_label(conversion: Conversion) -> str:
    """`42% of 24 · 5 pending`, or `n/a (3 of 4) · 5 pending` below the minimum sample."""
    rate = conversion.rate
    shown = f"{rate.label} of {rate.denominator}" if rate.enough else rate.label
    return f"{shown} · {conversion.pending} pending"


# -- the parts --------------------------------------------------------------------------------


def figure_line(figure: Figure, currency: str) -> str:
    """One deciding number against its bar: `Open early-stage leads per rep *3*, below 5`."""
    formats: dict[str, Callable[[Decimal], str]] = {
        "money": lambda value: short_money(value, currency),
        "share": percent,
        "count": number,
    }
    shown = formats.get(figure.unit, number)
    relation = (
        "below" if figure.value < figure.bar else "above" if figure.value > figure.bar else "at"
    )
    bar_name = BARS.get(figure.label, "")
    bar = f"{bar_name} ({shown(figure.bar)})" if bar_name else shown(figure.bar)
    owner = f" ({who(figure.rep_id)})" if figure.rep_id else ""
    label = figure.label[:1].upper() + figure.label[1:]
    return f"{label} *{shown(figure.value)}*{owner}, {relation} {bar}"


def funnel_lines(report: WeeklyReport) -> list[str]:
    """A head with the totals, then a line per stage with its week and its conversion to the next."""
    names = {stage.key: stage.name for stage in report.funnel} | {WON: "Won"}
    conversions = {conversion.stage: conversion for conversion in report.conversions}
    forecast = report.forecast
    count = sum(stage.count for stage in report.funnel)
    totals = value_and_weighted(open_value(report), forecast.weighted)
    lines = [f"*Funnel now* · {count} open · {totals}"]
    for stage in report.funnel:
        conversion = conversions.get(stage.key)
        lines.append(
            render(
                "report_funnel_row.md.j2",
                stage=stage.name,
                count=stage.count,
                money=value_and_weighted(stage.value, stage.weighted),
                entered=stage.entered,
                advanced=stage.advanced,
                dropped=stage.dropped,
                moved_back=stage.moved_back,
                conversion=conversion_label(conversion) if conversion else None,
                next_name=names.get(conversion.next_stage, "") if conversion else "",
            )
        )
    return lines


def open_value(report: WeeklyReport) -> MoneySum:
    """The open value of every stage added up, currencies without a rate kept apart."""
    total, count, missing, unconvertible = Decimal(0), 0, 0, 0
    apart: dict[str, Decimal] = {}
    for stage in report.funnel:
        value = stage.value
        total += value.total
        count, missing = count + value.count, missing + value.missing
        unconvertible += value.unconvertible
        for code, amount in value.unconverted:
            apart[code] = apart.get(code, Decimal(0)) + amount
    ordered = tuple(sorted(apart.items(), key=lambda item: (-item[1], item[0])))
    return MoneySum(report.currency, total, ordered, count, missing, unconvertible)


def outcomes_text(report: WeeklyReport) -> str:
    """Win rate, close rate and value win rate, then the weighted forecast."""
    rates, forecast = report.win_rates, report.forecast
    return render(
        "report_outcomes.md.j2",
        win=rates.win.label,
        close=rates.close.label,
        value_win=percent(rates.value_win) if rates.value_win is not None else "n/a",
        days=rates.days,
        won_count=rates.won.count,
        won=money(rates.won),
        lost_count=rates.lost.count,
        lost=money(rates.lost),
        unqualified=rates.unqualified,
        archived=rates.archived,
        fallback=rates.fallback,
        closed=rates.won.count + rates.lost.count + rates.unqualified + rates.archived,
        weighted=money(forecast.weighted),
        late_weighted=money(forecast.late_weighted),
        late_value=money(forecast.late_value),
        period_end=day_label(forecast.period[1] - timedelta(days=1)),
        expected_weighted=money(forecast.expected_weighted),
        expected_value=money(forecast.expected_value),
        won_period=money(forecast.won_this_period),
        with_close=forecast.with_expected_close,
        past_close=forecast.past_expected_close,
    )


def time_lines(report: WeeklyReport) -> list[str]:
    names = {stage.key: stage.name for stage in report.funnel}
    lines = ["*Time in stage* — median days: stays completed in the last 90 days · open leads now"]
    for row in report.time_in_stage:
        lines.append(
            render(
                "report_time_row.md.j2",
                stage=names.get(row.stage, row.stage),
                completed=days(row.completed),
                completed_n=row.completed.n,
                current=days(row.current),
                current_n=row.current.n,
                flagged=row.flagged,
                stuck_days=row.stuck_days,
            )
        )
    return lines


def speed_label(speed: SpeedToLead) -> str | None:
    """`1.5h median (working hours), 80% in target, 2 waiting`; None without inbound leads."""
    if not speed.leads:
        return None
    waiting = f", {speed.waiting} waiting" if speed.waiting else ""
    if speed.hours.value is None:
        return f"{speed.leads} inbound, none answered yet{waiting}"
    median = f"{speed.hours.value:f}h median (working hours)"
    return f"{median}, {speed.within.label} in target{waiting}"


def activity_line(row: RepActivity) -> str:
    return render(
        "report_activity_row.md.j2",
        who="*Team*" if row.rep_id == TEAM else who(row.rep_id),
        standing=STANDINGS.get(row.standing) if row.standing else None,
        contact=row.contact_touches,
        kinds=", ".join(f"{count} {kind}" for kind, count in row.touches),
        notes=row.notes,
        new=row.new_leads,
        advances=row.advances,
        wins=row.wins,
        losses=row.losses,
        overdue=row.overdue_now,
        snoozes=row.snoozes,
        speed=speed_label(row.speed),
    )


def ranked_activity(report: WeeklyReport, *, rep_id: str | None) -> list[RepActivity]:
    """The team's row, then the busiest reps first; a rep's own week shows only their row."""
    if rep_id is not None:
        return [row for row in report.activity if row.rep_id == rep_id][:1]
    team = [row for row in report.activity if row.rep_id == TEAM]
    reps = [row for row in report.activity if row.rep_id != TEAM]
    reps.sort(key=lambda r: (-r.contact_touches, -r.advances, -r.new_leads, -r.wins, r.rep_id))
    return team + reps


def trend_text(report: WeeklyReport) -> str:
    trend = report.trend
    rows = [_trend_row(row, report.currency) for row in trend.rows] if trend.available else []
    starts = day_label(trend.starts_on) if trend.starts_on else None
    return render("report_trend.md.j2", rows=rows, starts_on=starts)


def _trend_row(row: TrendRow, currency: str) -> dict[str, str | None]:
    label, unit = TREND_ROWS[row.metric]

    def shown(value: Decimal | None) -> str:
        if value is None:
            return "n/a"
        if unit == "money":
            return short_money(value, currency)
        return percent(value) if unit == "share" else number(value.quantize(Decimal("0.1")))

    return {
        "label": label,
        "now": shown(row.this_week),
        "arrow": ARROWS.get(row.arrow or ""),
        "mean": shown(row.mean),
    }
