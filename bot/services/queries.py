"""Reads behind `/lead list`, `/lead show` and `/lead export`, limited to what the viewer may see."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.orm import Session

from bot.domain.access import Actor, view_refusal
from bot.domain.errors import NotFound, PermissionDenied
from bot.domain.leads import CLOSED, OPEN
from bot.domain.parsing import SCOPE_ALL, SCOPE_MINE
from bot.domain.rhythm import Money
from bot.models import Lead, LeadEvent, StageChange, Touchpoint
from bot.services.export import write_csv
from bot.services.records import LeadView, TouchView

# Lead events worth showing in a lead's history; the rest (nudge bookkeeping) stays internal.
HISTORY_EVENTS = (
    "assigned", "won", "lost", "archived", "snoozed", "qualified", "kept", "note", "edited",
    "reopened",
)  # fmt: skip


@dataclass(frozen=True)
class ListScope:
    """Whose leads a list shows: one owner, or everyone's (None); `narrowed` when a rep asked for all."""

    owner_id: str | None
    narrowed: bool = False


@dataclass(frozen=True)
class LeadPage:
    """The first leads of a list by next follow-up, and totals over the whole list."""

    leads: tuple[LeadView, ...]
    total: int
    value: Money
    overdue: int
    due_today: int


@dataclass(frozen=True)
class HistoryEntry:
    """One dated change to a lead: a stage move (`stage`) or a lead event (its kind)."""

    at: datetime
    kind: str
    actor_id: str | None
    from_stage: str | None = None
    to_stage: str | None = None
    detail: dict[str, Any] | None = None


@dataclass(frozen=True)
class LeadDetail:
    """A lead with its latest touches and changes, newest first, and how many there are in all."""

    lead: LeadView
    touches: tuple[TouchView, ...]
    history: tuple[HistoryEntry, ...]
    history_total: int


def list_scope(scope: str, *, viewer: Actor) -> ListScope:
    """Whose leads `/lead list <scope>` may show this viewer; a rep asking for another rep is refused."""
    if viewer.is_manager:
        if scope == SCOPE_ALL:
            return ListScope(owner_id=None)
        return ListScope(owner_id=viewer.user_id if scope == SCOPE_MINE else scope)
    if scope in (SCOPE_MINE, viewer.user_id):
        return ListScope(owner_id=viewer.user_id)
    if scope == SCOPE_ALL:
        return ListScope(owner_id=viewer.user_id, narrowed=True)
    raise PermissionDenied(
        f"Only managers can list <@{scope}>'s leads; `/lead list` shows yours.", is_mrkdwn=True
    )


def _open_leads(
    owner_id: str | None, stage_key: str | None, lead_ids: Sequence[int] = ()
) -> list[ColumnElement[bool]]:
    conditions = [Lead.status == OPEN]
    if owner_id is not None:
        conditions.append(Lead.owner_id == owner_id)
    if stage_key is not None:
        conditions.append(Lead.stage == stage_key)
    if lead_ids:
        conditions.append(Lead.id.in_(list(lead_ids)))
    return conditions


def list_open_leads(
    session: Session,
    *,
    scope: ListScope,
    stage_key: str | None,
    today: date,
    limit: int,
    lead_ids: Sequence[int] = (),
) -> LeadPage:
    """Open leads in scope (and among `lead_ids`, when given) sorted by next follow-up (none last), with totals."""
    where = _open_leads(scope.owner_id, stage_key, lead_ids)
    totals = session.execute(
        select(
            Lead.currency,
            func.count(),
            func.coalesce(func.sum(Lead.value), 0),
            func.sum(case((Lead.next_follow_up < today, 1), else_=0)),
            func.sum(case((Lead.next_follow_up == today, 1), else_=0)),
        )
        .where(*where)
        .group_by(Lead.currency)
    ).all()
    rows = session.scalars(
        select(Lead)
        .where(*where)
        .order_by(Lead.next_follow_up.is_(None), Lead.next_follow_up, Lead.id)
        .limit(limit)
    )
    return LeadPage(
        leads=tuple(LeadView.of(lead) for lead in rows),
        total=sum(int(row[1]) for row in totals),
        value=Money.total((row[0], Decimal(row[2])) for row in totals if row[2]),
        overdue=sum(int(row[3] or 0) for row in totals),
        due_today=sum(int(row[4] or 0) for row in totals),
    )


def lead_detail(
    session: Session, *, lead_id: int, viewer: Actor, touches: int = 5, changes: int = 8
) -> LeadDetail:
    """A lead the viewer may see, with its last `touches` touches and last `changes` changes."""
    lead = session.get(Lead, lead_id)
    if lead is None:
        raise NotFound(f"There is no lead #{lead_id}. Try `/lead list` to see yours.")
    view = LeadView.of(lead)
    refusal = view_refusal(view, viewer)
    if refusal:
        raise PermissionDenied(refusal, is_mrkdwn=True)
    recent_touches = session.scalars(
        select(Touchpoint)
        .where(Touchpoint.lead_id == lead_id)
        .order_by(Touchpoint.occurred_at.desc(), Touchpoint.id.desc())
        .limit(touches)
    )
    # Outcomes are written both as a stage change and as an event; the event carries the reason.
    # A reopening is written as a move out of the outcome too; its event says so.
    moves = select(StageChange).where(
        StageChange.lead_id == lead_id,
        StageChange.to_stage.not_in(CLOSED),
        or_(StageChange.from_stage.is_(None), StageChange.from_stage.not_in(CLOSED)),
    )
    events = select(LeadEvent).where(
        LeadEvent.lead_id == lead_id, LeadEvent.kind.in_(HISTORY_EVENTS)
    )
    history = [
        HistoryEntry(row.changed_at, "stage", row.changed_by, row.from_stage, row.to_stage)
        for row in session.scalars(moves.order_by(StageChange.id.desc()).limit(changes))
    ] + [
        HistoryEntry(row.at, row.kind, row.actor_id, detail=row.detail)
        for row in session.scalars(events.order_by(LeadEvent.id.desc()).limit(changes))
    ]
    history.sort(key=lambda entry: entry.at, reverse=True)
    total = _count(session, moves) + _count(session, events)
    return LeadDetail(
        lead=view,
        touches=tuple(TouchView.of(touch) for touch in recent_touches),
        history=tuple(history[:changes]),
        history_total=total,
    )


def _count(session: Session, query: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)


def write_visible_leads_csv(session: Session, *, viewer: Actor, out: IO[str]) -> int:
    """Every lead the viewer may see (any status) as CSV with the export columns; returns the row count."""
    return write_csv(
        session, what="leads", out=out, owner_id=None if viewer.is_manager else viewer.user_id
    )


def open_leads_matching(
    session: Session,
    *,
    owner_id: str | None = None,
    stage: str | None = None,
    lead_ids: Sequence[int] = (),
    limit: int = 100,
) -> list[LeadView]:
    """Open leads by owner, stage or number (any combination), longest in their stage first."""
    rows = session.scalars(
        select(Lead)
        .where(*_open_leads(owner_id, stage, lead_ids))
        .order_by(Lead.stage_changed_at, Lead.id)
        .limit(limit)
    )
    return [LeadView.of(lead) for lead in rows]
