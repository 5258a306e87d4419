"""Leads and touches arriving from other tools over `POST /api/leads` and `POST /api/touches`."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from bot.domain.leads import LEAD_ID_MAX, OPEN, TOUCH_KINDS, company_key
from bot.domain.parsing.text import tidy_block, tidy_line
from bot.models import ApiTouchKey, Lead, LeadExternalId, Touchpoint
from bot.services.records import LeadView, TouchView

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
USER_ID_PATTERN = r"^[UW][A-Z0-9]{2,31}$"
MAX_NOTE_LENGTH = 4000
FIRST_YEAR, LAST_YEAR = 1970, 2100
# What `POST /api/touches` takes as an Idempotency-Key header.
IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,200}")


def _refuse_controls(value: str) -> str:
    if any(unicodedata.category(char) == "Cc" and char not in "\t\n\r" for char in value):
        raise ValueError("contains a control character")
    return value


def _external_id(value: object) -> object:
    """A client's id: a string (or a whole number, kept as its digits) of visible characters."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str):
        value = value.strip()
        if any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in value):
            raise ValueError("contains a control character")
    return value


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
    # The client's own id for this submission: sending it again returns the same lead.
    external_id: str | None = Field(default=None, min_length=1, max_length=200)
    # What the buyer wrote in the form: the new lead's note, or the repeat inquiry's touch.
    message: str | None = Field(default=None, max_length=MAX_NOTE_LENGTH)

    @field_validator("company", "contact", "email", "phone", "source", mode="before")
    @classmethod
    def _one_clean_line(cls, value: object) -> object:
        """Control characters are refused; direction overrides and line breaks go, as in Slack."""
        if not isinstance(value, str):
            return value
        return tidy_line(_refuse_controls(value))

    @field_validator("message", mode="before")
    @classmethod
    def _clean_block(cls, value: object) -> object:
        return tidy_block(_refuse_controls(value)) if isinstance(value, str) else value

    @field_validator("external_id", mode="before")
    @classmethod
    def _client_id(cls, value: object) -> object:
        return _external_id(value)

    @field_validator("currency", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


def inquiry_note(inbound: InboundLead) -> str:
    """What a repeat inquiry said, for its touch: who wrote, how to reach them, the message."""
    worth = f"{inbound.value:f} {inbound.currency}" if inbound.value is not None else None
    parts = [part for part in (inbound.contact, inbound.email, inbound.phone, worth) if part]
    head = f"Sent the {inbound.source} form again" + (f": {', '.join(parts)}" if parts else "")
    return f"{head}\n{inbound.message}" if inbound.message else head


def _lock(session: Session, name: str) -> None:
    # SQLite's BEGIN IMMEDIATE already lets one writer in at a time.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": name}
        )


def lock_external_id(session: Session, *, external_id: str) -> None:
    """Serialise requests carrying one client id until this transaction ends (see `lock_company`)."""
    _lock(session, f"lead-external-id:{external_id}")


def lock_touch_key(session: Session, *, key: str) -> None:
    """Serialise touches posted with one Idempotency-Key until this transaction ends."""
    _lock(session, f"api-touch-key:{key}")


def touch_for_key(session: Session, *, key: str) -> TouchView | None:
    """The touch an Idempotency-Key logged, or None when the key is new."""
    touch = session.scalars(
        select(Touchpoint)
        .join(ApiTouchKey, ApiTouchKey.touch_id == Touchpoint.id)
        .where(ApiTouchKey.key == key)
    ).first()
    return TouchView.of(touch) if touch is not None else None


def remember_touch_key(session: Session, *, key: str, touch_id: int, now: datetime) -> None:
    """Keep an Idempotency-Key with the touch it logged."""
    session.add(ApiTouchKey(key=key, touch_id=touch_id, received_at=now))
    session.flush()


def lead_for_external_id(session: Session, *, external_id: str) -> LeadView | None:
    """The lead a client id made or reached, or None when the id is new."""
    lead = session.scalars(
        select(Lead)
        .join(LeadExternalId, LeadExternalId.lead_id == Lead.id)
        .where(LeadExternalId.external_id == external_id)
    ).first()
    return LeadView.of(lead) if lead is not None else None


def remember_external_id(
    session: Session, *, external_id: str, lead_id: int, now: datetime, touch_id: int | None = None
) -> None:
    """Keep a client id with the lead it made (or the touch it logged on one)."""
    session.add(
        LeadExternalId(external_id=external_id, lead_id=lead_id, touch_id=touch_id, received_at=now)
    )
    session.flush()


def open_leads_by_email(session: Session, *, email: str) -> list[LeadView]:
    """Open leads with this email address, up to case, oldest first."""
    rows = session.scalars(
        select(Lead)
        .where(Lead.status == OPEN, func.lower(Lead.email) == email.strip().lower())
        .order_by(Lead.id)
    )
    return [LeadView.of(lead) for lead in rows]


def find_open_match(
    session: Session, *, email: str | None, company: str
) -> tuple[LeadView, str] | None:
    """The open lead a new inquiry comes from, and how it was known (`email`, else `company`)."""
    if email:
        by_email = open_leads_by_email(session, email=email)
        if by_email:
            return by_email[0], "email"
    by_company = session.scalars(
        select(Lead)
        .where(Lead.company_key == company_key(company), Lead.status == OPEN)
        .order_by(Lead.id)
        .limit(1)
    ).first()
    return (LeadView.of(by_company), "company") if by_company is not None else None


class InboundTouch(BaseModel):
    """The JSON a tool posts to `POST /api/touches`: which lead (one way), what happened, who did it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    lead_id: int | None = Field(default=None, ge=1, le=LEAD_ID_MAX, strict=True)
    external_id: str | None = Field(default=None, min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=254, pattern=EMAIL_PATTERN)
    kind: str
    note: str = Field(default="", max_length=MAX_NOTE_LENGTH)
    occurred_at: datetime | None = None
    author: str | None = Field(default=None, max_length=254)

    @field_validator("external_id", mode="before")
    @classmethod
    def _client_id(cls, value: object) -> object:
        return _external_id(value)

    @field_validator("email", "author", mode="before")
    @classmethod
    def _one_line(cls, value: object) -> object:
        return _refuse_controls(value) if isinstance(value, str) else value

    @field_validator("note", mode="before")
    @classmethod
    def _clean_note(cls, value: object) -> object:
        return tidy_block(_refuse_controls(value)) if isinstance(value, str) else value

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        kind = value.lower()
        if kind not in TOUCH_KINDS:
            raise ValueError(f"must be one of {', '.join(TOUCH_KINDS)}")
        return kind

    @field_validator("occurred_at", mode="before")
    @classmethod
    def _iso_only(cls, value: object) -> object:
        # A bare number would be read as a Unix time; the contract is ISO-8601.
        if value is not None and not isinstance(value, str):
            raise ValueError("must be an ISO-8601 time like 2026-11-30T14:00:00Z")
        return value

    @field_validator("occurred_at")
    @classmethod
    def _in_range(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise ValueError(f"must be within the years {FIRST_YEAR}–{LAST_YEAR}")
        moved = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        if not FIRST_YEAR <= moved.year <= LAST_YEAR:
            raise ValueError(f"must be within the years {FIRST_YEAR}–{LAST_YEAR}")
        return moved

    @field_validator("author")
    @classmethod
    def _author(cls, value: str | None) -> str | None:
        if value is not None and not (
            re.fullmatch(USER_ID_PATTERN, value) or re.fullmatch(EMAIL_PATTERN, value)
        ):
            raise ValueError("must be a Slack member ID like U012AB3CD or an email address")
        return value

    @model_validator(mode="after")
    def _one_way_to_the_lead(self) -> InboundTouch:
        given = [name for name in ("lead_id", "external_id", "email") if getattr(self, name)]
        if len(given) != 1:
            raise ValueError("give exactly one of lead_id, external_id or email to find the lead")
        return self

    def lookup(self) -> dict[str, Any]:
        """The one field that finds the lead, for messages."""
        return {
            name: getattr(self, name)
            for name in ("lead_id", "external_id", "email")
            if getattr(self, name)
        }
