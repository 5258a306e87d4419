"""Changes to a lead that only its owner or a manager may make; each one writes history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.access import Actor, closed_refusal
from bot.domain.errors import UserFacingError
from bot.domain.leads import ARCHIVED, LOST, WON, company_key
from bot.domain.lost import lost_category
from bot.domain.qualification import verdict
from bot.models import Lead, LeadEvent, StageChange
from bot.services.leads import lock_lead_for_change
from bot.services.records import LeadView

KEPT = "kept"
CLOSE_DATE = "close_date"
EDITED = "edited"
REOPENED = "reopened"
# What an edit may change on a lead, as the columns hold it (`value` carries its currency).
EDITABLE = ("company", "contact", "email", "phone", "value", "source", "expected_close",
            "next_follow_up")  # fmt: skip
# What only an open lead may have changed: its clocks.
_CLOCKS = frozenset({"expected_close", "next_follow_up"})


@dataclass(frozen=True)
class Change:
    """The lead after a change, and whether anything actually changed (a second click changes nothing)."""

    lead: LeadView
    changed: bool
    previous_owner: str | None = None


def _event(
    session: Session,
    lead: Lead,
    kind: str,
    actor: Actor,
    now: datetime,
    detail: dict[str, Any] | None,
) -> None:
    session.add(
        LeadEvent(lead_id=lead.id, kind=kind, actor_id=actor.user_id, at=now, detail=detail)
    )


def _stage_change(session: Session, lead: Lead, to_stage: str, actor: Actor, now: datetime) -> None:
    session.add(
        StageChange(
            lead_id=lead.id,
            from_stage=lead.stage,
            to_stage=to_stage,
            changed_at=now,
            changed_by=actor.user_id,
        )
    )


def _lock(session: Session, lead_id: int, actor: Actor) -> Lead:
    return lock_lead_for_change(session, lead_id=lead_id, actor=actor)


def _require_open(lead: Lead) -> Lead:
    refusal = closed_refusal(lead)
    if refusal:
        raise UserFacingError(refusal)
    return lead


def _open_lead(session: Session, lead_id: int, actor: Actor) -> Lead:
    return _require_open(_lock(session, lead_id, actor))


def move_stage(
    session: Session, *, lead_id: int, stage: str, actor: Actor, now: datetime
) -> Change:
    """Move a lead to another stage, recording from, to, when and who."""
    lead = _open_lead(session, lead_id, actor)
    if lead.stage == stage:
        return Change(LeadView.of(lead), changed=False)
    _stage_change(session, lead, stage, actor, now)
    lead.stage, lead.stage_changed_at, lead.updated_at = stage, now, now
    session.flush()
    return Change(LeadView.of(lead), changed=True)


def close_lead(
    session: Session,
    *,
    lead_id: int,
    outcome: str,
    actor: Actor,
    now: datetime,
    reason: str | None = None,
    category: str | None = None,
) -> Change:
    """Mark a lead won, lost (with a reason and a category) or archived; closing twice changes nothing."""
    if outcome not in (WON, LOST, ARCHIVED):
        raise ValueError(outcome)
    lead = _lock(session, lead_id, actor)
    if lead.status == outcome:
        return Change(LeadView.of(lead), changed=False)
    _stage_change(session, _require_open(lead), outcome, actor, now)
    lead.status, lead.closed_at, lead.updated_at = outcome, now, now
    if outcome == LOST:
        lead.lost_reason = (reason or "no reason given")[:500]
        lead.lost_category = lost_category(category, reason)
    _event(
        session,
        lead,
        outcome,
        actor,
        now,
        {"reason": lead.lost_reason} if outcome == LOST else None,
    )
    session.flush()
    return Change(LeadView.of(lead), changed=True)


def reassign(
    session: Session, *, lead_id: int, owner_id: str, actor: Actor, now: datetime
) -> Change:
    """Give a lead to another rep; the history keeps who had it before."""
    lead = _open_lead(session, lead_id, actor)
    previous = lead.owner_id
    if previous == owner_id:
        return Change(LeadView.of(lead), changed=False, previous_owner=previous)
    lead.owner_id, lead.updated_at = owner_id, now
    _event(session, lead, "assigned", actor, now, {"from": previous, "to": owner_id})
    session.flush()
    return Change(LeadView.of(lead), changed=True, previous_owner=previous)


def snooze(session: Session, *, lead_id: int, until: date, actor: Actor, now: datetime) -> Change:
    """Hide a lead from nudges until a date; the follow-up stays exactly as it was."""
    lead = _open_lead(session, lead_id, actor)
    if lead.snoozed_until == until:
        return Change(LeadView.of(lead), changed=False)
    lead.snoozed_until, lead.updated_at = until, now
    _event(session, lead, "snoozed", actor, now, {"until": until.isoformat()})
    session.flush()
    return Change(LeadView.of(lead), changed=True)


def keep(
    session: Session, *, lead_id: int, until: date, actor: Actor, now: datetime, kept_on: date
) -> Change:
    """Record that the owner keeps a lead the cleanup offered to drop; nothing else moves.

    Keeping twice on one local date (`kept_on`) changes nothing.
    """
    lead = _open_lead(session, lead_id, actor)
    last = session.scalars(
        select(LeadEvent.detail)
        .where(LeadEvent.lead_id == lead.id, LeadEvent.kind == KEPT)
        .order_by(LeadEvent.at.desc(), LeadEvent.id.desc())
        .limit(1)
    ).first()
    if last and last.get("on") == kept_on.isoformat():
        return Change(LeadView.of(lead), changed=False)
    lead.updated_at = now
    detail = {"by": actor.user_id, "on": kept_on.isoformat(), "until": until.isoformat()}
    _event(session, lead, KEPT, actor, now, detail)
    session.flush()
    return Change(LeadView.of(lead), changed=True)


def set_expected_close(
    session: Session, *, lead_id: int, on: date | None, actor: Actor, now: datetime
) -> Change:
    """Set the date the deal should close; moving a set date later counts as a push."""
    lead = _open_lead(session, lead_id, actor)
    before = lead.expected_close
    if before == on:
        return Change(LeadView.of(lead), changed=False)
    if before is not None and on is not None and on > before:
        lead.close_pushes = (lead.close_pushes or 0) + 1
    lead.expected_close, lead.updated_at = on, now
    _event(
        session,
        lead,
        CLOSE_DATE,
        actor,
        now,
        {"from": before.isoformat() if before else None, "to": on.isoformat() if on else None},
    )
    session.flush()
    return Change(LeadView.of(lead), changed=True)


def record_qualification(
    session: Session,
    *,
    lead_id: int,
    answers: dict[str, Any],
    score: int,
    actor: Actor,
    now: datetime,
) -> Change:
    """Store the checklist answers, score and verdict on the lead."""
    lead = _open_lead(session, lead_id, actor)
    lead.qualification, lead.qualification_score, lead.updated_at = answers, score, now
    lead.qualification_verdict = verdict(answers)
    _event(session, lead, "qualified", actor, now, {"score": score})
    session.flush()
    return Change(LeadView.of(lead), changed=True)


def _shown(value: object) -> str | None:
    """A field's value as the history keeps it: text, an ISO date, `12500.00 USD`."""
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def edit_lead(
    session: Session,
    *,
    lead_id: int,
    changes: dict[str, Any],
    actor: Actor,
    now: datetime,
) -> Change:
    """Change a lead's details (None clears an optional one), recording each change with from and
    to in its history. `value` is a (amount, currency) pair, or None.

    Details may be corrected on a closed lead too; its dates only on an open one. Changing nothing
    (the same values again) records nothing.
    """
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    lead = _lock(session, lead_id, actor)
    if _CLOCKS & set(changes):
        _require_open(lead)
    before: dict[str, object] = {}
    after: dict[str, object] = {}
    for field, wanted in changes.items():
        if field == "value":
            amount, currency = wanted if wanted is not None else (None, lead.currency)
            if (lead.value, lead.currency) == (amount, currency) or (
                amount is None and lead.value is None
            ):
                continue
            before[field] = f"{lead.value} {lead.currency}" if lead.value is not None else None
            after[field] = f"{amount} {currency}" if amount is not None else None
            lead.value, lead.currency = amount, currency
            continue
        current = getattr(lead, field)
        if current == wanted:
            continue
        if field == "company" and not wanted:
            raise UserFacingError("A lead needs a company name.")
        if field == "expected_close" and current and wanted and wanted > current:
            lead.close_pushes = (lead.close_pushes or 0) + 1
        before[field], after[field] = _shown(current), _shown(wanted)
        setattr(lead, field, wanted)
        if field == "company":
            lead.company_key = company_key(wanted)
    if not after and not before:
        return Change(LeadView.of(lead), changed=False)
    lead.updated_at = now
    detail = {field: {"from": before[field], "to": after[field]} for field in after}
    _event(session, lead, EDITED, actor, now, {"changes": detail})
    session.flush()
    return Change(LeadView.of(lead), changed=True)


def reopen(session: Session, *, lead_id: int, actor: Actor, now: datetime) -> Change:
    """Bring a won, lost or archived lead back to the stage it closed from; the history says so.

    Reopening an open lead changes nothing.
    """
    lead = _lock(session, lead_id, actor)
    if lead.status == "open":
        return Change(LeadView.of(lead), changed=False)
    closed_as = lead.status
    session.add(
        StageChange(
            lead_id=lead.id,
            from_stage=closed_as,
            to_stage=lead.stage,
            changed_at=now,
            changed_by=actor.user_id,
        )
    )
    lead.status, lead.closed_at, lead.updated_at, lead.stage_changed_at = "open", None, now, now
    lead.lost_reason, lead.lost_category = None, None
    _event(session, lead, REOPENED, actor, now, {"from": closed_as, "to": lead.stage})
    session.flush()
    return Change(LeadView.of(lead), changed=True)
