"""Reads the capture surfaces need: names to guess a lead from, checklist answers (search: `search`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.access import Actor
from bot.domain.errors import NotFound
from bot.models import Lead
from bot.services.leads import open_leads_visible_to

MAX_CHOICES = 100
MAX_NAMES = 5000


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
