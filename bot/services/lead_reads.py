"""Reads the capture surfaces need: lead type-ahead, names to guess a lead from, checklist answers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, false, or_, select
from sqlalchemy.orm import Session

from bot.domain.access import Actor
from bot.domain.errors import NotFound
from bot.domain.leads import company_key, parse_lead_id
from bot.models import Lead
from bot.services.leads import containing, open_leads_visible_to
from bot.services.records import LeadView

MAX_CHOICES = 100
MAX_NAMES = 5000


def search_open_leads(
    session: Session,
    *,
    text: str,
    viewer: Actor,
    limit: int = MAX_CHOICES,
) -> list[LeadView]:
    """Open leads the viewer may see whose number or company matches what they typed, best first."""
    typed = " ".join(text.split())
    if not typed:
        return []
    key = company_key(typed)
    number = parse_lead_id(typed.removeprefix("#").strip())
    matches = [Lead.company.ilike(containing(typed), escape="\\")]
    if key:
        matches.append(Lead.company_key.contains(key, autoescape=True))
    if number is not None:
        matches.append(Lead.id == number)
    rank = case(
        (Lead.id == number if number is not None else false(), 0),
        (Lead.company_key.startswith(key, autoescape=True) if key else false(), 1),
        else_=2,
    )
    query = (
        select(Lead)
        .where(*open_leads_visible_to(viewer), or_(*matches))
        .order_by(rank, Lead.company_key, Lead.id)
        .limit(limit)
    )
    return [LeadView.of(lead) for lead in session.scalars(query)]


def open_lead_names(
    session: Session, *, viewer: Actor, limit: int = MAX_NAMES
) -> list[tuple[int, str]]:
    """(id, company) of the open leads the viewer may see, newest first, for guessing from text."""
    query = (
        select(Lead.id, Lead.company)
        .where(*open_leads_visible_to(viewer))
        .order_by(Lead.id.desc())
        .limit(limit)
    )
    return [(lead_id, company) for lead_id, company in session.execute(query)]


def get_qualification(session: Session, *, lead_id: int) -> dict[str, Any]:
    """The checklist answers stored on a lead; empty when it was never qualified."""
    lead = session.get(Lead, lead_id)
    if lead is None:
        raise NotFound(f"There is no lead #{lead_id}.")
    return dict(lead.qualification or {})
