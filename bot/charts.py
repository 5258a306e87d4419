"""Charts rendered to PNG bytes with matplotlib's non-interactive backend, one currency per chart."""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from bot.domain.funnel import Conversion, CurrencyFunnel  # noqa: E402
from bot.domain.money import SIGNS, short_money  # noqa: E402
from bot.domain.report import WeeklyReport  # noqa: E402
from bot.domain.trend import TrendMetric  # noqa: E402
from bot.services.pipeline import StageTotal  # noqa: E402

INK = "#1d3557"
ACCENT = "#e76f51"
MUTED = "#8d99ae"
_WEEK_LABELS = ("4 wk ago", "3 wk ago", "2 wk ago", "last wk", "report wk")


def _plain(text: str) -> str:
    """Text for matplotlib with `$` escaped, so amounts never switch on math mode."""
    return text.replace("$", "\\$")


def _amount(value: Decimal, currency: str) -> str:
    """`$12,500` or `12,500 CHF`, whole units, for a chart label."""
    sign = SIGNS.get(currency)
    return _plain(f"{sign}{value:,.0f}" if sign else f"{value:,.0f} {currency}")


def _money_ticks(currency: str) -> FuncFormatter:
    """Ticks read `$1.2m`, never matplotlib's `1e6` offset above the axis."""
    return FuncFormatter(lambda tick, _: _plain(short_money(Decimal(str(tick)), currency)))


def _png(figure: Figure) -> bytes:
    try:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()
    finally:
        plt.close(figure)


def _bare(axis: Axes) -> None:
    for side in ("top", "right", "bottom", "left"):
        axis.spines[side].set_visible(False)
    axis.tick_params(left=False)


def _leads(count: int) -> str:
    return "1 lead" if count == 1 else f"{count} leads"


def funnel_png(
    stages: Sequence[StageTotal], *, title: str = "Open pipeline by stage", currency: str = "USD"
) -> bytes:
    """A horizontal funnel in one currency: one bar per stage, count and (weighted) value labelled."""
    figure, axis = plt.subplots(figsize=(8, 0.7 * len(stages) + 1.4), dpi=110)
    widest = max((stage.count for stage in stages), default=0) or 1
    for row, stage in enumerate(reversed(stages)):
        width = max(stage.count / widest, 0.01)
        axis.barh(row, width, left=(1 - width) / 2, color=INK, height=0.72)
        label = (
            f"{_leads(stage.count)}\n{_amount(stage.value, currency)}"
            f" · weighted {_amount(stage.weighted, currency)}"
        )
        axis.text(1.03, row, label, ha="left", va="center", color=INK, fontsize=9)
    axis.set_yticks(range(len(stages)), [stage.name for stage in reversed(stages)], fontsize=10)
    axis.set_xlim(0, 1)
    axis.set_xticks([])
    _bare(axis)
    axis.set_title(title, fontsize=12, loc="left")
    return _png(figure)


def _funnel_axis(axis: Axes, funnel: CurrencyFunnel, conversions: Sequence[Conversion]) -> None:
    """Bars per stage with count and value, and the cohort conversion between neighbours."""
    stages = funnel.stages
    widest = max((count for _, _, count, _ in stages), default=0) or 1
    rate_of = {conversion.stage: conversion for conversion in conversions}
    rows = len(stages)
    for position, (key, _, count, value) in enumerate(stages):
        row = rows - 1 - position
        width = max(count / widest, 0.01)
        axis.barh(row, width, left=(1 - width) / 2, color=INK, height=0.62)
        label = f"{_leads(count)} · {_plain(short_money(value, funnel.currency))}"
        axis.text(1.03, row, label, ha="left", va="center", color=INK, fontsize=9)
        conversion = rate_of.get(key)
        if conversion is not None and position < rows - 1:
            text = (
                f"↓ {conversion.rate.label} (n={conversion.rate.denominator},"
                f" {conversion.pending} pending)"
            )
            axis.text(0.5, row - 0.5, text, ha="center", va="center", color=ACCENT, fontsize=8)
    axis.set_yticks(range(rows), [name for _, name, _, _ in reversed(stages)], fontsize=10)
    axis.set_xlim(0, 1)
    axis.set_ylim(-0.7, rows - 0.3)
    axis.set_xticks([])
    _bare(axis)
    note = "" if funnel.converted else " (no rate: shown on its own)"
    axis.set_title(f"Open pipeline in {funnel.currency}{note}", fontsize=11, loc="left")


def _trend_axis(axis: Axes, report: WeeklyReport, funnel: CurrencyFunnel) -> None:
    """New leads, advances and wins per week for the last five weeks, and open value in the reporting currency."""
    trend = report.trend
    axis.set_title("Last five weeks", fontsize=11, loc="left")
    if not trend.available:
        when = f" ({trend.starts_on:%-d %b})" if trend.starts_on else ""
        axis.text(0.5, 0.5, f"trend from week 5{when}", ha="center", va="center", color=MUTED)
        axis.set_xticks([])
        axis.set_yticks([])
        _bare(axis)
        return
    rows = {row.metric: row for row in trend.rows}
    weeks = range(len(_WEEK_LABELS))
    width = 0.26
    for offset, (metric, label, color) in enumerate(
        (
            (TrendMetric.NEW_LEADS, "new leads", MUTED),
            (TrendMetric.ADVANCES, "advances", INK),
            (TrendMetric.WINS, "wins", ACCENT),
        )
    ):
        points = [float(point or 0) for point in reversed(rows[metric].points)]
        axis.bar(
            [week + (offset - 1) * width for week in weeks], points, width, label=label, color=color
        )
    axis.set_xticks(list(weeks), _WEEK_LABELS, fontsize=8)
    axis.legend(fontsize=8, loc="upper left", frameon=False)
    for side in ("top", "right"):
        axis.spines[side].set_visible(False)
    if funnel.converted:
        values = rows[TrendMetric.OPEN_VALUE].points
        line = axis.twinx()
        line.plot(list(weeks), [float(value or 0) for value in reversed(values)], color=INK,
                  marker="o", linewidth=1.5)  # fmt: skip
        line.set_ylabel(_plain(f"open value ({funnel.currency})"), fontsize=8, color=INK)
        line.yaxis.set_major_formatter(_money_ticks(funnel.currency))
        line.tick_params(labelsize=7)
        line.spines["top"].set_visible(False)


def weekly_report_png(report: WeeklyReport, funnel: CurrencyFunnel) -> bytes:
    """One chart of the weekly report: the funnel in one currency with conversions, and the five-week trend."""
    rows = len(funnel.stages)
    figure, (top, bottom) = plt.subplots(
        2, 1, figsize=(8, 0.65 * rows + 4.2), dpi=110, gridspec_kw={"height_ratios": [rows, 3]}
    )
    _funnel_axis(top, funnel, report.conversions)
    _trend_axis(bottom, report, funnel)
    figure.tight_layout()
    return _png(figure)


def weekly_report_charts(report: WeeklyReport) -> tuple[tuple[str, bytes], ...]:
    """Every chart of the weekly report, as (currency, PNG): the reporting currency, then each one without a rate."""
    return tuple((funnel.currency, weekly_report_png(report, funnel)) for funnel in report.charts)
