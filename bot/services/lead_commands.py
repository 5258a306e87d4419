"""The writes behind `/lead`: create unless it looks like a duplicate, create once when confirmed, change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.leads import ARCHIVED, LOST, WON, company_key
from bot.domain.parsing import ArchiveCmd, AssignCmd, LostCmd, MoveCmd, SnoozeCmd, WonCmd
from bot.models import Lead, Rep
from bot.services import lead_changes, reps
from bot.services.lead_changes import Actor, Change
from bot.services.leads import NewLead, create_lead, find_open_duplicates
from bot.services.records import LeadView

ChangeCommand: TypeAlias = MoveCmd | WonCmd | LostCmd | ArchiveCmd | SnoozeCmd | AssignCmd


@dataclass(frozen=True)
class Intake:
    """The outcome: a lead (new, or made by an earlier click), or the open duplicates to choose from."""

    lead: LeadView | None
    created: bool
    duplicates: tuple[LeadView, ...] = ()


def _create(
    session: Session, new: NewLead, created_by: str, now: datetime, owner_is_manager: bool
) -> Intake:
    """Create the lead, giving its owner a rep row first if they have none."""
    reps.ensure_rep(session, user_id=new.owner_id, now=now, is_manager=owner_is_manager)
    return Intake(lead=create_lead(session, new=new, created_by=created_by, now=now), created=True)


def create_unless_duplicate(
    session: Session, *, new: NewLead, created_by: str, now: datetime, owner_is_manager: bool
) -> Intake:
    """Create the lead unless an open lead has the same company; then return those and create nothing."""
    duplicates = find_open_duplicates(session, company=new.company)
    if duplicates:
        return Intake(lead=None, created=False, duplicates=tuple(duplicates))
    return _create(session, new, created_by, now, owner_is_manager)


def create_despite_duplicate(
    session: Session,
    *,
    new: NewLead,
    created_by: str,
    after_id: int,
    now: datetime,
    owner_is_manager: bool,
) -> Intake:
    """Create a lead the user confirmed over duplicates up to `after_id`, once: a second click returns it."""
    # The creator's row serialises their clicks on PostgreSQL; SQLite's immediate writes already do.
    session.get(Rep, created_by, with_for_update=True)
    earlier = session.scalars(
        select(Lead)
        .where(
            Lead.company_key == company_key(new.company),
            Lead.created_by == created_by,
            Lead.id > after_id,
        )
        .order_by(Lead.id)
        .limit(1)
    ).first()
    if earlier is not None:
        return Intake(lead=LeadView.of(earlier), created=False)
    return _create(session, new, created_by, now, owner_is_manager)


def apply_change(
    session: Session,
    *,
    lead_id: int,
    cmd: ChangeCommand,
    actor: Actor,
    now: datetime,
    owner_is_manager: bool = False,
) -> Change:
    """Make the change a subcommand asks for; the lead services check permission and write history."""
    match cmd:
        case MoveCmd(stage_key=stage):
            return lead_changes.move_stage(
                session, lead_id=lead_id, stage=stage, actor=actor, now=now
            )
        case SnoozeCmd(until=until):
            return lead_changes.snooze(session, lead_id=lead_id, until=until, actor=actor, now=now)
        case AssignCmd(owner_id=owner_id):
            reps.ensure_rep(session, user_id=owner_id, now=now, is_manager=owner_is_manager)
            return lead_changes.reassign(
                session, lead_id=lead_id, owner_id=owner_id, actor=actor, now=now
            )
        case WonCmd():
            outcome, reason = WON, None
        case LostCmd(reason=reason):
            outcome = LOST
        case ArchiveCmd():
            outcome, reason = ARCHIVED, None
    return lead_changes.close_lead(
        session, lead_id=lead_id, outcome=outcome, actor=actor, now=now, reason=reason
    )
