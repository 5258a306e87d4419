"""Pipeline totals by stage and by rep, in one aggregate query each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.config import PipelineConfig
from bot.domain.leads import OPEN, weighted
from bot.models import Lead


@dataclass(frozen=True)
class StageTotal:
    """Open leads in one stage: how many, their value and the probability-weighted value."""

    stage: str
    name: str
    count: int
    value: Decimal
    weighted: Decimal


@dataclass(frozen=True)
class RepTotals:
    owner_id: str
    stages: tuple[StageTotal, ...]

    @property
    def count(self) -> int:
        return sum(stage.count for stage in self.stages)

    @property
    def value(self) -> Decimal:
        return sum((stage.value for stage in self.stages), Decimal(0))

    @property
    def weighted(self) -> Decimal:
        return sum((stage.weighted for stage in self.stages), Decimal(0))


def totals_by_rep(
    session: Session, *, pipeline: PipelineConfig, owner_ids: Sequence[str] | None = None
) -> dict[str, RepTotals]:
    """Per rep, every configured stage with count, value and weighted value (zeros included)."""
    query = (
        select(Lead.owner_id, Lead.stage, func.count(), func.coalesce(func.sum(Lead.value), 0))
        .where(Lead.status == OPEN)
        .group_by(Lead.owner_id, Lead.stage)
    )
    if owner_ids is not None:
        query = query.where(Lead.owner_id.in_(list(owner_ids)))
    raw: dict[str, dict[str, tuple[int, Decimal]]] = {}
    for owner_id, stage, count, value in session.execute(query):
        raw.setdefault(owner_id, {})[stage] = (int(count), Decimal(value))
    result = {}
    for owner_id, by_stage in raw.items():
        stages = tuple(
            StageTotal(
                stage=stage.key,
                name=stage.name,
                count=by_stage.get(stage.key, (0, Decimal(0)))[0],
                value=by_stage.get(stage.key, (0, Decimal(0)))[1],
                weighted=weighted(by_stage.get(stage.key, (0, Decimal(0)))[1], stage.probability),
            )
            for stage in pipeline.stages
        )
        result[owner_id] = RepTotals(owner_id, stages)
    return result


def team_totals(per_rep: dict[str, RepTotals], *, pipeline: PipelineConfig) -> RepTotals:
    """The sum over reps, stage by stage."""
    stages = []
    for index, stage in enumerate(pipeline.stages):
        rows = [totals.stages[index] for totals in per_rep.values()]
        stages.append(
            StageTotal(
                stage=stage.key,
                name=stage.name,
                count=sum(row.count for row in rows),
                value=sum((row.value for row in rows), Decimal(0)),
                weighted=sum((row.weighted for row in rows), Decimal(0)),
            )
        )
    return RepTotals("team", tuple(stages))
