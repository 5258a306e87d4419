"""Finding leads by what people remember of them: company, contact, email, phone, source, touch notes.

Search compares folded text (case and accents off, `bot.domain.leads.search_fold`) kept beside
the data: `leads.search_text` and `touchpoints.search_text`. Every ORM write keeps them in step
(the listeners below); the importer's bulk writes fill them themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, event, exists, false, func, or_, select
from sqlalchemy.orm import Mapper, Session

from bot.domain.access import Actor
from bot.domain.leads import OPEN, company_key, lead_search_text, parse_lead_id, search_fold
from bot.models import Lead, Touchpoint
from bot.services.leads import visible_to
from bot.services.records import LeadView

MAX_FOUND = 100
_LIKE_ESCAPE = "\\"
_PHONE_MARKS = frozenset("+-(). /")


@event.listens_for(Lead, "before_insert")
@event.listens_for(Lead, "before_update")
def _lead_search_text(_mapper: Mapper[Any], _connection: Any, lead: Lead) -> None:
    lead.search_text = lead_search_text(
        lead.company, lead.contact, lead.email, lead.phone, lead.source
    )


@event.listens_for(Touchpoint, "before_insert")
@event.listens_for(Touchpoint, "before_update")
def _touch_search_text(_mapper: Mapper[Any], _connection: Any, touch: Touchpoint) -> None:
    touch.search_text = search_fold(touch.note or "")


@dataclass(frozen=True)
class Found:
    """A lead search found, and where the words were (`company`, `contact`, … or `note`)."""

    lead: LeadView
    matched: str


def _like(folded: str) -> str:
    escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _needles(text: str) -> list[str]:
    """The folded text to look for, and its bare digits when it reads like a phone number."""
    folded = search_fold(text)
    needles = [folded] if folded else []
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) >= 4 and all(ch.isdigit() or ch in _PHONE_MARKS for ch in text):
        needles.append(digits)
    return needles


def find_leads(
    session: Session,
    *,
    text: str,
    viewer: Actor,
    open_only: bool = False,
    limit: int = MAX_FOUND,
) -> list[Found]:
    """Leads the viewer may see that match `text` anywhere searched, newest activity first.

    A lead number (`42`, `#42`) comes first when it names one the viewer may see.
    """
    needles = _needles(text)
    if not needles:
        return []
    patterns = [_like(needle) for needle in needles]
    key = company_key(text)
    in_lead = or_(
        *(Lead.search_text.like(p, escape=_LIKE_ESCAPE) for p in patterns),
        # Punctuation aside too: `acme inc` finds "Acme, Inc.".
        *([Lead.company_key.contains(key, autoescape=True)] if key else []),
    )
    in_notes = exists().where(
        Touchpoint.lead_id == Lead.id,
        or_(*(Touchpoint.search_text.like(p, escape=_LIKE_ESCAPE) for p in patterns)),
    )
    number = parse_lead_id(text.strip().removeprefix("#").strip())
    conditions = [*visible_to(viewer), *([Lead.status == OPEN] if open_only else [])]
    activity = func.coalesce(Lead.last_touch_at, Lead.created_at)
    newest = case((Lead.updated_at > activity, Lead.updated_at), else_=activity)
    first = [case((Lead.id == number, 0), else_=1)] if number is not None else []
    query = (
        select(Lead, in_lead)
        .where(
            *conditions,
            or_(in_lead, in_notes, Lead.id == number if number is not None else false()),
        )
        .order_by(*first, newest.desc(), Lead.id.desc())
        .limit(limit)
    )
    found = []
    for lead, matched_lead in session.execute(query):
        where = "number" if lead.id == number else _field_of(lead, needles) if matched_lead else ""
        found.append(Found(LeadView.of(lead), where or "note"))
    return found


def _field_of(lead: Lead, needles: list[str]) -> str:
    """Which of the lead's searched fields holds what was looked for."""
    for name in ("company", "contact", "email", "phone", "source"):
        value = getattr(lead, name)
        if not value:
            continue
        folded = search_fold(value)
        digits = "".join(ch for ch in value if ch.isdigit())
        if any(needle in folded or (needle.isdigit() and needle in digits) for needle in needles):
            return name
    return "company"  # found by its company key, punctuation aside
