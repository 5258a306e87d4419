"""Test data for the rhythm jobs: reps, leads and lead facts with sensible defaults."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import load_pipeline
from bot.domain.leads import company_key
from bot.domain.rhythm import LeadFacts
from bot.models import Lead, LeadEvent, Notification, Rep, Touchpoint

PIPELINE = load_pipeline(None)
STAGES = tuple(PIPELINE.stages)
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
_ids = itertools.count(1)


def utc(text: str) -> datetime:
    """An ISO instant; naive text is UTC."""
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def facts(**overrides: Any) -> LeadFacts:
    """A lead's facts for pure tests: an untouched prospecting lead created at EPOCH unless overridden."""
    values: dict[str, Any] = {
        "id": next(_ids),
        "company": "Acme Corp",
        "contact": None,
        "owner_id": "UREP00001",
        "stage": "prospecting",
        "value": Decimal("1000"),
        "currency": "USD",
        "created_at": EPOCH,
        "stage_changed_at": EPOCH,
        "last_touch_at": None,
        "first_touch_at": None,
        "next_follow_up": None,
        "snoozed_until": None,
        "touch_count": 0,
    }
    values.update(overrides)
    if "stage_changed_at" not in overrides:
        values["stage_changed_at"] = values["created_at"]
    if "first_touch_at" not in overrides:
        # Only contact touches set the touch clocks, so a lead last touched was first touched too.
        values["first_touch_at"] = values["last_touch_at"]
    return LeadFacts(**values)


def add_rep(
    session: Session,
    rep_id: str,
    *,
    tz: str | None = "America/New_York",
    name: str = "",
    plan_time: str | None = None,
    working_days: str | None = None,
    active: bool = True,
) -> str:
    session.add(
        Rep(
            id=rep_id,
            name=name or rep_id,
            tz=tz,
            role="rep",
            plan_time=plan_time,
            working_days=working_days,
            is_active=active,
            created_at=EPOCH,
        )
    )
    session.flush()
    return rep_id


def add_lead(
    session: Session,
    *,
    owner: str,
    created_at: datetime,
    company: str = "Acme Corp",
    stage: str = "prospecting",
    value: Decimal | None = Decimal("1000"),
    stage_changed_at: datetime | None = None,
    last_touch_at: datetime | None = None,
    touch_count: int | None = None,
    next_follow_up: date | None = None,
    snoozed_until: date | None = None,
    status: str = "open",
    contact: str | None = None,
    inbound: bool = False,
    expected_close: date | None = None,
    currency: str = "USD",
    updated_at: datetime | None = None,
) -> int:
    """Insert a lead; a `last_touch_at` implies one touch unless `touch_count` says otherwise."""
    touches = touch_count if touch_count is not None else (1 if last_touch_at else 0)
    lead = Lead(
        company=company,
        company_key=company_key(company),
        contact=contact,
        value=value,
        currency=currency,
        owner_id=owner,
        stage=stage,
        status=status,
        created_at=created_at,
        updated_at=updated_at
        or max(created_at, stage_changed_at or created_at, last_touch_at or created_at),
        stage_changed_at=stage_changed_at or created_at,
        last_touch_at=last_touch_at,
        first_touch_at=last_touch_at if touches else None,
        next_follow_up=next_follow_up,
        snoozed_until=snoozed_until,
        touch_count=touches,
        close_pushes=0,
        inbound=inbound,
        expected_close=expected_close,
    )
    session.add(lead)
    session.flush()
    return lead.id


def touch(session: Session, lead_id: int, *, at: datetime) -> None:
    """Record that the lead was touched at `at`, as logging a touch would."""
    lead = session.get(Lead, lead_id)
    assert lead is not None
    lead.last_touch_at = at
    lead.first_touch_at = lead.first_touch_at or at
    lead.touch_count += 1
    lead.updated_at = max(lead.updated_at, at)


def add_touches(
    session: Session, lead_id: int, *, at: list[datetime], kind: str = "call", author: str = ""
) -> None:
    """Touch rows as the touch service writes them: a contact moves the lead's touch clocks."""
    lead = session.get(Lead, lead_id)
    assert lead is not None
    for when in at:
        session.add(
            Touchpoint(
                lead_id=lead_id,
                kind=kind,
                note="",
                occurred_at=when,
                author_id=author or lead.owner_id,
                created_at=when,
            )
        )
        lead.touch_count += 1
        if kind != "note":
            lead.last_touch_at = max(lead.last_touch_at or when, when)
            lead.first_touch_at = min(lead.first_touch_at or when, when)
    session.flush()


def add_event(session: Session, lead_id: int, *, kind: str, at: datetime) -> None:
    session.add(LeadEvent(lead_id=lead_id, kind=kind, actor_id=None, at=at, detail=None))
    session.flush()


@dataclass(frozen=True)
class Sent:
    key: str
    kind: str
    recipient: str
    payload: dict[str, Any]
    created_at: datetime

    @property
    def text(self) -> str:
        return str(self.payload["text"])

    @property
    def blocks(self) -> list[dict[str, Any]]:
        return list(self.payload.get("blocks") or [])

    def block_ids(self) -> list[str]:
        return [str(block.get("block_id", "")) for block in self.blocks]


def outbox(session: Session, *, kind: str | None = None) -> list[Sent]:
    query = select(
        Notification.idempotency_key,
        Notification.kind,
        Notification.recipient,
        Notification.payload,
        Notification.created_at,
    ).order_by(Notification.id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    return [Sent(*row) for row in session.execute(query)]


def days(n: int) -> timedelta:
    return timedelta(days=n)
