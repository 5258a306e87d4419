"""Plain frozen views of database rows, returned by services instead of ORM objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from bot.domain.qualification import stored_verdict
from bot.models import Lead, Rep, Touchpoint


@dataclass(frozen=True)
class RepView:
    id: str
    name: str
    tz: str | None
    role: str
    profile_refreshed_at: datetime | None

    @classmethod
    def of(cls, rep: Rep) -> RepView:
        return cls(rep.id, rep.name, rep.tz, rep.role, rep.profile_refreshed_at)


@dataclass(frozen=True)
class LeadView:
    id: int
    company: str
    contact: str | None
    email: str | None
    phone: str | None
    value: Decimal | None
    currency: str
    source: str | None
    owner_id: str
    stage: str
    status: str
    created_at: datetime
    stage_changed_at: datetime
    last_touch_at: datetime | None
    next_follow_up: date | None
    snoozed_until: date | None
    touch_count: int
    qualification_score: int | None
    lost_reason: str | None
    expected_close: date | None = None
    close_pushes: int = 0
    verdict: str | None = None
    inbound: bool = False

    @classmethod
    def of(cls, lead: Lead) -> LeadView:
        return cls(
            id=lead.id,
            company=lead.company,
            contact=lead.contact,
            email=lead.email,
            phone=lead.phone,
            value=lead.value,
            currency=lead.currency,
            source=lead.source,
            owner_id=lead.owner_id,
            stage=lead.stage,
            status=lead.status,
            created_at=lead.created_at,
            stage_changed_at=lead.stage_changed_at,
            last_touch_at=lead.last_touch_at,
            next_follow_up=lead.next_follow_up,
            snoozed_until=lead.snoozed_until,
            touch_count=lead.touch_count,
            qualification_score=lead.qualification_score,
            lost_reason=lead.lost_reason,
            expected_close=lead.expected_close,
            close_pushes=lead.close_pushes or 0,
            verdict=stored_verdict(lead.qualification),
            inbound=bool(lead.inbound),
        )


@dataclass(frozen=True)
class TouchView:
    id: int
    lead_id: int
    kind: str
    note: str
    occurred_at: datetime
    author_id: str
    permalink: str | None

    @classmethod
    def of(cls, touch: Touchpoint) -> TouchView:
        return cls(
            touch.id,
            touch.lead_id,
            touch.kind,
            touch.note,
            touch.occurred_at,
            touch.author_id,
            touch.permalink,
        )
