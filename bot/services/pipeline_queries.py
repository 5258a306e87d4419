"""Reads behind `/pipeline`: open leads by stage, what needs attention today, and one row per rep."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from bot.config import Stage
from bot.domain.access import Actor
from bot.domain.leads import OPEN, Role, weighted
from bot.domain.rhythm import Money, Snapshot, StageTotals
from bot.models import Lead, Rep
from bot.services.records import LeadView

ATTENTION_LIMIT = 5


@dataclass(frozen=True)
class Attention:
    """The viewer's follow-ups that are overdue or due today: the first few of each, and how many."""

    overdue: tuple[LeadView, ...]
    overdue_total: int
    due_today: tuple[LeadView, ...]
    due_today_total: int


@dataclass(frozen=True)
class RepRow:
    """One rep's open pipeline and follow-ups for the team view."""

    rep_id: str
    snapshot: Snapshot
    overdue: int
    due_today: int


@dataclass(frozen=True)
class PipelineSummary:
    """What `/pipeline` shows: the viewer's own pipeline, and for managers the team and its reps."""

    mine: Snapshot
    attention: Attention
    team: Snapshot | None = None
    reps: tuple[RepRow, ...] = ()


# (owner, stage, currency) -> (count, value)
_Cells = dict[tuple[str, str, str], tuple[int, Decimal]]


def _snapshot(cells: _Cells, owners: set[str] | None, stages: Sequence[Stage]) -> Snapshot:
    """Every configured stage, zeros included; a stage no longer configured counts in the first."""
    known = {stage.key for stage in stages}
    counts: dict[str, int] = defaultdict(int)
    values: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
    for (owner, stage_key, currency), (count, value) in cells.items():
        if owners is not None and owner not in owners:
            continue
        key = stage_key if stage_key in known else stages[0].key
        counts[key] += count
        values[key].append((currency, value))
    return Snapshot(
        tuple(
            StageTotals(
                key=stage.key,
                name=stage.name,
                count=counts[stage.key],
                value=Money.total(pair for pair in values[stage.key] if pair[1]),
                weighted=Money.total(
                    (currency, weighted(value, stage.probability))
                    for currency, value in values[stage.key]
                    if value
                ),
            )
            for stage in stages
        )
    )


def _attention(session: Session, *, owner_id: str, today: date) -> Attention:
    def first(condition: ColumnElement[bool]) -> tuple[LeadView, ...]:
        rows = session.scalars(
            select(Lead)
            .where(Lead.status == OPEN, Lead.owner_id == owner_id, condition)
            .order_by(Lead.next_follow_up, Lead.id)
            .limit(ATTENTION_LIMIT)
        )
        return tuple(LeadView.of(lead) for lead in rows)

    overdue, due = _due_counts(session, today=today, owner_id=owner_id).get(owner_id, (0, 0))
    return Attention(
        overdue=first(Lead.next_follow_up < today) if overdue else (),
        overdue_total=overdue,
        due_today=first(Lead.next_follow_up == today) if due else (),
        due_today_total=due,
    )


def _due_counts(
    session: Session, *, today: date, owner_id: str | None = None
) -> dict[str, tuple[int, int]]:
    query = (
        select(
            Lead.owner_id,
            func.sum(case((Lead.next_follow_up < today, 1), else_=0)),
            func.sum(case((Lead.next_follow_up == today, 1), else_=0)),
        )
        .where(Lead.status == OPEN, Lead.next_follow_up <= today)
        .group_by(Lead.owner_id)
    )
    if owner_id is not None:
        query = query.where(Lead.owner_id == owner_id)
    return {row[0]: (int(row[1] or 0), int(row[2] or 0)) for row in session.execute(query)}


def pipeline_summary(
    session: Session, *, viewer: Actor, stages: Sequence[Stage], today: date
) -> PipelineSummary:
    """The viewer's open pipeline and follow-ups; managers also get team totals and every rep's row."""
    query = (
        select(
            Lead.owner_id,
            Lead.stage,
            Lead.currency,
            func.count(),
            func.coalesce(func.sum(Lead.value), 0),
        )
        .where(Lead.status == OPEN)
        .group_by(Lead.owner_id, Lead.stage, Lead.currency)
    )
    if not viewer.is_manager:
        query = query.where(Lead.owner_id == viewer.user_id)
    cells: _Cells = {
        (owner, stage, currency): (int(count), Decimal(value or 0))
        for owner, stage, currency, count, value in session.execute(query)
    }
    mine = _snapshot(cells, {viewer.user_id}, stages)
    attention = _attention(session, owner_id=viewer.user_id, today=today)
    if not viewer.is_manager:
        return PipelineSummary(mine=mine, attention=attention)
    due = _due_counts(session, today=today)
    reps = set(session.scalars(select(Rep.id).where(Rep.is_active.is_(True), Rep.role == Role.REP)))
    owners = {owner for owner, _, _ in cells} | reps
    rows = [
        RepRow(owner, _snapshot(cells, {owner}, stages), *due.get(owner, (0, 0)))
        for owner in owners
    ]
    rows.sort(key=lambda row: (-row.snapshot.count, row.rep_id))
    return PipelineSummary(
        mine=mine,
        attention=attention,
        team=_snapshot(cells, None, stages),
        reps=tuple(rows),
    )
