"""Queries and writes for leads. Services take the session first and never commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, func, or_, select, text
from sqlalchemy.orm import Session

from bot.domain.access import Actor, owner_refusal
from bot.domain.errors import NotFound, PermissionDenied
from bot.domain.forms import ValidLead
from bot.domain.leads import OPEN, company_key, search_fold
from bot.domain.parsing import NewLeadInput
from bot.models import Lead, LeadEvent, StageChange
from bot.services.records import LeadView

MAX_REF_MATCHES = 10
MAX_NAMING_CANDIDATES = 500
NOTE_EVENT = "note"


@dataclass(frozen=True)
class NewLead:
    """What a user asked to create, already validated."""

    company: str
    owner_id: str
    stage: str
    value: Decimal | None = None
    currency: str = "USD"
    contact: str | None = None
    email: str | None = None
    phone: str | None = None
    source: str | None = None
    next_follow_up: date | None = None
    expected_close: date | None = None

    @classmethod
    def described(
        cls, given: NewLeadInput | ValidLead, *, owner_id: str, stage: str, currency: str
    ) -> NewLead:
        """The lead a `/lead` line or the New lead form describes; a value's own currency wins."""
        return cls(
            company=given.company,
            owner_id=owner_id,
            stage=stage,
            value=given.value.amount if given.value else None,
            currency=given.value.currency if given.value else currency,
            contact=given.contact,
            email=given.email,
            phone=given.phone,
            source=given.source,
            next_follow_up=given.next_follow_up,
            expected_close=getattr(given, "expected_close", None),
        )


def lock_company(session: Session, *, company: str) -> None:
    """Serialise creating leads for one company until this transaction ends.

    Two "create unless it's a duplicate" requests at once would both find no open lead and both
    insert; on PostgreSQL a transaction-scoped advisory lock on the company key makes the second
    wait and then see the first. SQLite's write transactions are serial already.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
            {"key": f"lead-company:{company_key(company)}"},
        )


def find_open_duplicates(session: Session, *, company: str) -> list[LeadView]:
    """Open leads whose company is the same up to case and punctuation."""
    rows = session.scalars(
        select(Lead)
        .where(Lead.company_key == company_key(company), Lead.status == OPEN)
        .order_by(Lead.id)
    )
    return [LeadView.of(lead) for lead in rows]


def create_lead(
    session: Session, *, new: NewLead, created_by: str, now: datetime, inbound: bool = False
) -> LeadView:
    """Insert a lead with its first stage change and, when assigned, the assignment event."""
    lead = Lead(
        company=new.company,
        company_key=company_key(new.company),
        contact=new.contact,
        email=new.email,
        phone=new.phone,
        value=new.value,
        currency=new.currency,
        source=new.source,
        owner_id=new.owner_id,
        created_by=created_by,
        stage=new.stage,
        status=OPEN,
        created_at=now,
        updated_at=now,
        stage_changed_at=now,
        next_follow_up=new.next_follow_up,
        expected_close=new.expected_close,
        inbound=inbound,
        touch_count=0,
        close_pushes=0,
    )
    session.add(lead)
    session.flush()
    session.add(
        StageChange(
            lead_id=lead.id,
            from_stage=None,
            to_stage=new.stage,
            changed_at=now,
            changed_by=created_by,
        )
    )
    if new.owner_id != created_by:
        session.add(
            LeadEvent(
                lead_id=lead.id,
                kind="assigned",
                actor_id=created_by,
                at=now,
                detail={"from": None, "to": new.owner_id},
            )
        )
    session.flush()
    return LeadView.of(lead)


def record_note(session: Session, *, lead_id: int, text: str, by: str, now: datetime) -> None:
    """Keep a note in the lead's history. It is context, not a contact: no touch, no clock reset."""
    session.add(
        LeadEvent(
            lead_id=lead_id, kind=NOTE_EVENT, actor_id=by, at=now, detail={"text": text, "by": by}
        )
    )
    session.flush()


def latest_lead_id(session: Session) -> int:
    """The highest lead number so far (0 with none): a "create once" button's watermark."""
    return int(session.scalar(select(func.max(Lead.id))) or 0)


def get_lead(session: Session, *, lead_id: int) -> LeadView:
    lead = session.get(Lead, lead_id)
    if lead is None:
        raise NotFound(f"There is no lead #{lead_id}. Try `/lead list` to see yours.")
    return LeadView.of(lead)


def resolve_ref(
    session: Session,
    *,
    lead_id: int | None,
    text: str | None,
    actor: Actor,
    closed: bool = False,
) -> list[LeadView]:
    """The leads a reference names: one by id, or the actor's visible open leads (closed ones, with
    `closed`) whose company contains the text."""
    if lead_id is not None:
        return [get_lead(session, lead_id=lead_id)]
    assert text is not None
    pattern = text.strip()
    status = Lead.status != OPEN if closed else Lead.status == OPEN
    query = select(Lead).where(
        status,
        *visible_to(actor),
        Lead.company.ilike(containing(pattern), escape="\\"),
    )
    order = Lead.id.desc() if closed else Lead.id
    rows = list(session.scalars(query.order_by(order).limit(MAX_REF_MATCHES + 1)))
    exact = [lead for lead in rows if lead.company_key == company_key(pattern)]
    if len(exact) == 1:
        return [LeadView.of(exact[0])]
    if not rows:
        which = "closed" if closed else "open"
        raise NotFound(
            f"No {which} lead of yours matches “{pattern}”. Try `/lead find`, or use the lead "
            "number like `#42`."
        )
    return [LeadView.of(lead) for lead in rows]


@dataclass(frozen=True)
class Named:
    """A lead the start of a line names, and how many of its words name it."""

    words: int
    lead: LeadView


@dataclass(frozen=True)
class Naming:
    """What the start of a line names: each lead some reading names alone (`fits`, longest
    reading first), or, when none does, the leads the longest matching reading could mean."""

    fits: tuple[Named, ...]
    several: tuple[Named, ...] = ()


def name_at_start(session: Session, *, prefixes: Sequence[tuple[int, str]], actor: Actor) -> Naming:
    """Which visible open lead a line starts with, trying its readings `(words, name)` longest first.

    A reading names a lead alone when exactly one company contains it (case and accents aside),
    or exactly one company is it. NotFound when no reading matches any lead.
    """
    readings = [(words, name.strip()) for words, name in prefixes if len(name.strip()) >= 2]
    if not readings:
        raise NotFound("Say which lead: its number like #42, or at least 2 letters of its name.")
    shortest = readings[-1][1]
    candidates = [
        LeadView.of(lead)
        for lead in session.scalars(
            select(Lead)
            .where(
                *open_leads_visible_to(actor),
                or_(
                    Lead.company.ilike(containing(shortest), escape="\\"),
                    Lead.search_text.like(containing(search_fold(shortest)), escape="\\"),
                ),
            )
            .order_by(Lead.id)
            .limit(MAX_NAMING_CANDIDATES)
        )
    ]
    fits: dict[int, Named] = {}
    several: tuple[Named, ...] = ()
    for words, name in readings:
        wanted, key = search_fold(name), company_key(name)
        matches = [lead for lead in candidates if wanted in search_fold(lead.company)]
        exact = [lead for lead in matches if company_key(lead.company) == key]
        alone = exact if len(exact) == 1 else matches if len(matches) == 1 else []
        if alone and alone[0].id not in fits:
            fits[alone[0].id] = Named(words, alone[0])
        if matches and not several and not alone:
            several = tuple(Named(words, lead) for lead in matches[:MAX_REF_MATCHES])
    if not fits and not several:
        raise NotFound(
            f"No open lead of yours matches “{readings[-1][1]}”. Try `/lead find`, or use the lead "
            "number like `#42`."
        )
    return Naming(tuple(fits.values()), () if fits else several)


def visible_to(actor: Actor) -> list[ColumnElement[bool]]:
    """Conditions for the leads an actor may see: their own (and those they cover for), or a
    manager's everyone's."""
    if actor.is_manager:
        return []
    if not actor.covers:
        return [Lead.owner_id == actor.user_id]
    return [Lead.owner_id.in_(sorted(actor.owners))]


def open_leads_visible_to(actor: Actor) -> list[ColumnElement[bool]]:
    """Conditions for the open leads an actor may see."""
    return [Lead.status == OPEN, *visible_to(actor)]


def containing(text: str) -> str:
    """A LIKE pattern (escape character `\\`) that matches `text` anywhere, as typed."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def lock_lead_for_change(
    session: Session, *, lead_id: int, actor: Actor, doing: str = "change"
) -> Lead:
    """Load a lead for writing, refusing anyone but its owner or a manager."""
    lead = session.get(Lead, lead_id, with_for_update=True)
    if lead is None:
        raise NotFound(f"There is no lead #{lead_id}.")
    refusal = owner_refusal(lead, actor, doing=doing)
    if refusal:
        raise PermissionDenied(refusal, is_mrkdwn=True)
    return lead
