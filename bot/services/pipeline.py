"""Pipeline totals by stage and by rep, per currency, in one aggregate query."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.config import PipelineConfig
from bot.domain.leads import OPEN, weighted
from bot.models import Lead

DEFAULT_CURRENCY = "USD"


@dataclass(frozen=True)
class StageTotal:
    """Open leads in one stage and one currency: how many, their value and the probability-weighted value."""

    stage: str
    name: str
    count: int
    value: Decimal
    weighted: Decimal
    currency: str = DEFAULT_CURRENCY


@dataclass(frozen=True)
class RepTotals:
    """One rep's (or the team's) open pipeline in one currency, stage by stage."""

    owner_id: str
    stages: tuple[StageTotal, ...]
    currency: str = DEFAULT_CURRENCY

    @property
    def count(self) -> int:
        return sum(stage.count for stage in self.stages)

    @property
    def value(self) -> Decimal:
        return sum((stage.value for stage in self.stages), Decimal(0))

    @property
    def weighted(self) -> Decimal:
        return sum((stage.weighted for stage in self.stages), Decimal(0))


def _totals(
    owner_id: str, currency: str, cells: dict[str, tuple[int, Decimal]], pipeline: PipelineConfig
) -> RepTotals:
    stages = []
    for stage in pipeline.stages:
        count, value = cells.get(stage.key, (0, Decimal(0)))
        stages.append(
            StageTotal(
                stage.key, stage.name, count, value, weighted(value, stage.probability), currency
            )
        )
    return RepTotals(owner_id, tuple(stages), currency)


def _by_size(totals: list[RepTotals]) -> tuple[RepTotals, ...]:
    """Most leads first, then by currency code, so the usual currency leads."""
    return tuple(sorted(totals, key=lambda t: (-t.count, t.currency)))


def totals_by_rep(
    session: Session, *, pipeline: PipelineConfig, owner_ids: Sequence[str] | None = None
) -> dict[str, tuple[RepTotals, ...]]:
    """Per rep, one RepTotals per currency they hold open leads in (most leads first); never adds two currencies.

    Every configured stage appears with zeros included; leads in a stage no longer configured are left out.
    """
    query = (
        select(
            Lead.owner_id,
            Lead.currency,
            Lead.stage,
            func.count(),
            func.coalesce(func.sum(Lead.value), 0),
        )
        .where(Lead.status == OPEN)
        .group_by(Lead.owner_id, Lead.currency, Lead.stage)
    )
    if owner_ids is not None:
        query = query.where(Lead.owner_id.in_(list(owner_ids)))
    raw: dict[tuple[str, str], dict[str, tuple[int, Decimal]]] = defaultdict(dict)
    for owner_id, currency, stage, count, value in session.execute(query):
        raw[(owner_id, currency)][stage] = (int(count), Decimal(value))
    grouped: dict[str, list[RepTotals]] = defaultdict(list)
    for (owner_id, currency), cells in raw.items():
        grouped[owner_id].append(_totals(owner_id, currency, cells, pipeline))
    return {owner_id: _by_size(totals) for owner_id, totals in grouped.items()}


def team_totals(
    per_rep: dict[str, tuple[RepTotals, ...]], *, pipeline: PipelineConfig
) -> tuple[RepTotals, ...]:
    """The sum over reps, stage by stage, one RepTotals per currency (zeros in USD for an empty pipeline)."""
    by_currency: dict[str, list[RepTotals]] = defaultdict(list)
    for totals in per_rep.values():
        for rep_totals in totals:
            by_currency[rep_totals.currency].append(rep_totals)
    if not by_currency:
        return (_totals("team", DEFAULT_CURRENCY, {}, pipeline),)
    teams = []
    for currency, reps in by_currency.items():
        stages = tuple(
            StageTotal(
                stage=stage.key,
                name=stage.name,
                count=sum(rep.stages[index].count for rep in reps),
                value=sum((rep.stages[index].value for rep in reps), Decimal(0)),
                weighted=sum((rep.stages[index].weighted for rep in reps), Decimal(0)),
                currency=currency,
            )
            for index, stage in enumerate(pipeline.stages)
        )
        teams.append(RepTotals("team", stages, currency))
    return _by_size(teams)
