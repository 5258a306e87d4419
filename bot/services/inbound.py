"""Leads arriving from web forms over `POST /api/leads`."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.config import PipelineConfig
from bot.domain.leads import OPEN
from bot.models import Lead, Rep
from bot.services.leads import NewLead, create_lead, find_open_duplicates
from bot.services.records import LeadView
from bot.services.reps import known_rep


class InboundLead(BaseModel):
    """The JSON a web form posts."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    company: str = Field(min_length=1, max_length=200)
    contact: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str | None = Field(default=None, max_length=64)
    value: Decimal | None = Field(default=None, ge=0, lt=Decimal(10) ** 12, decimal_places=2)
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    source: str = Field(default="inbound", max_length=100)
    owner: str | None = Field(default=None, pattern=r"^[UW][A-Z0-9]{2,}$")

    @field_validator("currency", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


def pick_owner(session: Session, *, managers: frozenset[str]) -> str | None:
    """The active rep with the fewest open leads (managers only when there is no rep)."""
    open_count = (
        select(Lead.owner_id, func.count().label("n"))
        .where(Lead.status == OPEN)
        .group_by(Lead.owner_id)
        .subquery()
    )
    rows = session.execute(
        select(Rep.id, func.coalesce(open_count.c.n, 0))
        .outerjoin(open_count, open_count.c.owner_id == Rep.id)
        .where(Rep.is_active.is_(True))
        .order_by(func.coalesce(open_count.c.n, 0), Rep.id)
    ).all()
    reps = [rep_id for rep_id, _ in rows if rep_id not in managers]
    return (reps or [rep_id for rep_id, _ in rows] or [None])[0]


def receive_lead(
    session: Session,
    *,
    inbound: InboundLead,
    pipeline: PipelineConfig,
    managers: frozenset[str],
    now: datetime,
) -> tuple[LeadView, bool]:
    """Create the lead (or return the open one for the same company); True when it is new."""
    existing = find_open_duplicates(session, company=inbound.company)
    if existing:
        return existing[0], False
    owner = inbound.owner or pick_owner(session, managers=managers)
    if owner is None:
        raise LookupError("no rep to own it: add reps by having them use /lead once, or pass owner")
    known_rep(session, user_id=owner, now=now)
    new = NewLead(
        company=inbound.company, owner_id=owner, stage=pipeline.stages[0].key, value=inbound.value,
        currency=inbound.currency, contact=inbound.contact, email=inbound.email, phone=inbound.phone,
        source=inbound.source,
    )  # fmt: skip
    return create_lead(session, new=new, created_by=owner, now=now), True
