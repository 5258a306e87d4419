"""The App Home board: open leads by stage, with totals, in a fixed number of column selects."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal, select
from sqlalchemy.orm import Session

from bot.config import PipelineConfig
from bot.domain.leads import OPEN, weighted
from bot.domain.qualification import stored_verdict
from bot.domain.rhythm import Money
from bot.models import Lead

# More rows than a Home view (100 blocks) can ever show for one stage.
DEFAULT_PER_STAGE = 100


@dataclass(frozen=True)
class BoardLead:
    """What one row of the board shows about a lead."""

    id: int
    company: str
    owner_id: str
    stage: str
    value: Decimal | None
    currency: str
    stage_changed_at: datetime
    last_touch_at: datetime | None
    next_follow_up: date | None
    snoozed_until: date | None
    qualification_score: int | None
    # The checklist's verdict ("strong fit", "weak fit", "not enough answers"); None when never qualified.
    verdict: str | None = None


@dataclass(frozen=True)
class StageColumn:
    """One stage on the board: its totals over every open lead, and the first leads to show."""

    key: str
    name: str
    count: int
    overdue: int
    value: Money
    weighted: Money
    leads: tuple[BoardLead, ...]


@dataclass(frozen=True)
class RepSummary:
    """One rep's open pipeline, for a manager's team view."""

    owner_id: str
    count: int
    overdue: int
    value: Money
    weighted: Money


@dataclass(frozen=True)
class Board:
    """Non-empty stages in pipeline order and, for the team view, a row per rep."""

    columns: tuple[StageColumn, ...]
    reps: tuple[RepSummary, ...] = ()

    @property
    def count(self) -> int:
        return sum(column.count for column in self.columns)

    @property
    def overdue(self) -> int:
        return sum(column.overdue for column in self.columns)

    @property
    def value(self) -> Money:
        return sum((column.value for column in self.columns), Money())

    @property
    def weighted(self) -> Money:
        return sum((column.weighted for column in self.columns), Money())


_LEAD_COLUMNS = (
    Lead.id,
    Lead.company,
    Lead.owner_id,
    Lead.stage,
    Lead.value,
    Lead.currency,
    Lead.stage_changed_at,
    Lead.last_touch_at,
    Lead.next_follow_up,
    Lead.snoozed_until,
    Lead.qualification_score,
    Lead.qualification,
)


def _stage_bucket(pipeline: PipelineConfig) -> ColumnElement[Any]:
    """The stage a lead is shown in: a stage no longer configured counts in the first one."""
    keys = [stage.key for stage in pipeline.stages]
    return case((Lead.stage.in_(keys), Lead.stage), else_=literal(keys[0]))


def _open_leads(owner_ids: Sequence[str] | None) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Lead.status == OPEN]
    if owner_ids is not None:
        conditions.append(Lead.owner_id.in_(list(owner_ids)))
    return conditions


def load_board(
    session: Session,
    *,
    pipeline: PipelineConfig,
    owner_ids: Sequence[str] | None,
    today: date,
    per_stage: int = DEFAULT_PER_STAGE,
    with_reps: bool = False,
) -> Board:
    """Totals by stage (and rep) in one grouped statement, and each stage's first leads in another.

    `owner_ids` None means the whole team. Leads are ordered by next follow-up (none last), so what
    is overdue comes first; `today` is the viewer's local date, deciding what counts as overdue.
    """
    bucket = _stage_bucket(pipeline).label("bucket")
    overdue = func.sum(case((Lead.next_follow_up < today, 1), else_=0))
    totals = session.execute(
        select(
            Lead.owner_id,
            bucket,
            Lead.currency,
            func.count(),
            overdue,
            func.coalesce(func.sum(Lead.value), 0),
        )
        .where(*_open_leads(owner_ids))
        .group_by(Lead.owner_id, bucket, Lead.currency)
    ).all()
    rank = (
        func.row_number()
        .over(
            partition_by=_stage_bucket(pipeline),
            order_by=(Lead.next_follow_up.is_(None), Lead.next_follow_up, Lead.id),
        )
        .label("rank")
    )
    ranked = (
        select(*_LEAD_COLUMNS, _stage_bucket(pipeline).label("bucket"), rank)
        .where(*_open_leads(owner_ids))
        .subquery()
    )
    rows = session.execute(
        select(*(ranked.c[column.key] for column in _LEAD_COLUMNS), ranked.c.bucket)
        .where(ranked.c.rank <= per_stage)
        .order_by(ranked.c.bucket, ranked.c.rank)
    ).all()
    leads: dict[str, list[BoardLead]] = defaultdict(list)
    for row in rows:
        *fields, answers = row[: len(_LEAD_COLUMNS)]
        leads[row.bucket].append(BoardLead(*fields, verdict=stored_verdict(answers)))
    return _assemble(totals, leads, pipeline=pipeline, with_reps=with_reps)


def _assemble(
    totals: Sequence[Any],
    leads: dict[str, list[BoardLead]],
    *,
    pipeline: PipelineConfig,
    with_reps: bool,
) -> Board:
    probability = {stage.key: stage.probability for stage in pipeline.stages}
    by_stage: dict[str, list[tuple[str, int, int, Decimal]]] = defaultdict(list)
    by_rep: dict[str, list[tuple[str, str, int, int, Decimal]]] = defaultdict(list)
    for owner_id, stage, currency, count, overdue, value in totals:
        row = (currency, int(count), int(overdue or 0), Decimal(value))
        by_stage[stage].append(row)
        by_rep[owner_id].append((stage, *row))
    columns = tuple(
        StageColumn(
            key=stage.key,
            name=stage.name,
            count=sum(count for _c, count, _o, _v in by_stage[stage.key]),
            overdue=sum(overdue for _c, _n, overdue, _v in by_stage[stage.key]),
            value=Money.total((currency, value) for currency, _n, _o, value in by_stage[stage.key]),
            weighted=Money.total(
                (currency, weighted(value, stage.probability))
                for currency, _n, _o, value in by_stage[stage.key]
            ),
            leads=tuple(leads.get(stage.key, ())),
        )
        for stage in pipeline.stages
        if by_stage.get(stage.key)
    )
    reps = ()
    if with_reps:
        reps = tuple(
            sorted(
                (
                    RepSummary(
                        owner_id=owner_id,
                        count=sum(count for _s, _c, count, _o, _v in rows),
                        overdue=sum(overdue for _s, _c, _n, overdue, _v in rows),
                        value=Money.total(
                            (currency, value) for _s, currency, _n, _o, value in rows
                        ),
                        weighted=Money.total(
                            (currency, weighted(value, probability[stage]))
                            for stage, currency, _n, _o, value in rows
                        ),
                    )
                    for owner_id, rows in by_rep.items()
                ),
                key=lambda rep: (-rep.count, rep.owner_id),
            )
        )
    return Board(columns=columns, reps=reps)
