"""METRICS §2.1, §2.2, §2.4: the funnel now with the week's flow, cohort conversion and time in stage. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bot.domain.figures import Median, Rate, median_of
from bot.domain.history import ADVANCED, DROPPED, ENTERED, MOVED_BACK, Histories
from bot.domain.money import MoneySum
from bot.domain.open_book import OpenBook
from bot.domain.team_rules import REMOVED_STAGE, TeamRules

WON = "won"


@dataclass(frozen=True)
class FunnelStage:
    """One stage now (open count, value, weighted value) and its flow in the report week."""

    key: str
    name: str
    count: int
    value: MoneySum
    weighted: MoneySum
    entered: int = 0
    advanced: int = 0
    dropped: int = 0
    moved_back: int = 0


@dataclass(frozen=True)
class Conversion:
    """Of the leads that first reached `stage` in the cohort window: advanced to `next_stage`, dropped, pending."""

    stage: str
    next_stage: str
    advanced: int
    dropped: int
    pending: int
    rate: Rate


@dataclass(frozen=True)
class StageTime:
    """Median days in a stage: completed stays (left in the last 90 days) and open leads' current age."""

    stage: str
    completed: Median
    current: Median
    stuck_days: int

    @property
    def flagged(self) -> bool:
        """The open leads' median age is past the stage's stuck clock."""
        return self.current.value is not None and self.current.value > self.stuck_days


@dataclass(frozen=True)
class CurrencyFunnel:
    """The funnel in one currency, for one chart: the reporting currency (converted) or one without a rate."""

    currency: str
    converted: bool
    stages: tuple[tuple[str, str, int, Decimal], ...]


def build_funnel(
    book: OpenBook, histories: Histories, *, rules: TeamRules
) -> tuple[FunnelStage, ...]:
    """Every configured stage in order, then "(removed stage)" when some lead or move is there."""
    removed = [item for item in book.team_cells if rules.stage(item[0][0]) is None]
    rows = []
    for key, name, cells in [
        *((stage.key, stage.name, book.by_stage.get(stage.key, [])) for stage in rules.stages),
        (REMOVED_STAGE, REMOVED_STAGE, removed),
    ]:
        flow = histories.flow.get(key, [0, 0, 0, 0])
        if key == REMOVED_STAGE and not cells and not any(flow):
            continue
        value = book.money(cells)
        rows.append(
            FunnelStage(
                key,
                name,
                value.count,
                value,
                book.money(cells, weighted=True),
                flow[ENTERED],
                flow[ADVANCED],
                flow[DROPPED],
                flow[MOVED_BACK],
            )  # fmt: skip
        )
    return tuple(rows)


def cohort_conversions(histories: Histories, *, rules: TeamRules) -> tuple[Conversion, ...]:
    """`advanced / (advanced + dropped)` from each stage to the next (the last one to won), with n and pending."""
    conversions = []
    for stage in rules.stages:
        advanced, dropped, pending = histories.cohort.get(stage.index, [0, 0, 0])
        following = (
            rules.stages[stage.index + 1].key if stage.index + 1 < len(rules.stages) else WON
        )
        rate = Rate(advanced, advanced + dropped, rules.min_sample)
        conversions.append(Conversion(stage.key, following, advanced, dropped, pending, rate))
    return tuple(conversions)


def time_in_stage(
    book: OpenBook, histories: Histories, *, rules: TeamRules
) -> tuple[StageTime, ...]:
    """Per stage, the median completed stay and the median current age, flagged past the stuck clock."""
    return tuple(
        StageTime(
            stage.key,
            median_of(histories.completed_days.get(stage.key, [])),
            book.median_age(stage.key),
            stage.stuck_days,
        )
        for stage in rules.stages
    )


def currency_funnels(book: OpenBook, *, rules: TeamRules) -> tuple[CurrencyFunnel, ...]:
    """One funnel per chart: leads convertible to the reporting currency, then each currency without a rate."""
    fx = book.fx
    counts: dict[str, dict[str, int]] = {fx.currency: {}}
    sums: dict[str, dict[str, Decimal]] = {fx.currency: {}}
    for (stage, _, currency, _), (count, _, value) in book.team_cells:
        if rules.stage(stage) is None:
            continue
        rate = fx.rate(currency)
        bucket = fx.currency if rate is not None else currency
        counts.setdefault(bucket, {})
        sums.setdefault(bucket, {})
        counts[bucket][stage] = counts[bucket].get(stage, 0) + count
        amount = value * rate if rate is not None else value
        sums[bucket][stage] = sums[bucket].get(stage, Decimal(0)) + amount
    order = [fx.currency, *sorted(code for code in counts if code != fx.currency)]
    return tuple(
        CurrencyFunnel(
            code,
            code == fx.currency,
            tuple(
                (
                    stage.key,
                    stage.name,
                    counts[code].get(stage.key, 0),
                    sums[code].get(stage.key, Decimal(0)),
                )
                for stage in rules.stages
            ),  # fmt: skip
        )
        for code in order
    )
