"""Creating and changing leads, each in one transaction with its access rule and the DMs it causes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, TypeAlias

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.domain.access import Actor, refusal
from bot.domain.cadence import KEEP_FOR
from bot.domain.errors import PermissionDenied
from bot.domain.leads import Status, company_key
from bot.domain.lost import LostCategory
from bot.domain.parsing.dates import span_date
from bot.domain.qualification import UNQUALIFIED_REASON
from bot.domain.schedule import Calendar
from bot.domain.speed import alert_keys
from bot.flows import events
from bot.models import Lead, Rep
from bot.services import lead_changes, leads, reps, touches
from bot.services.leads import NewLead
from bot.services.outbox import PRIORITY_DIRECT, cancel_pending, enqueue
from bot.services.records import LeadView
from bot.slack.messages.lead import build_new_owner_message

# The DM a rep gets when a lead becomes theirs (a kind they can mute in My settings).
ASSIGNED_KIND = "assigned"


class Duplicates(StrEnum):
    """What creating does when an open lead for the same company exists."""

    ASK = "ask"  # create nothing; return the open ones so the user can choose
    ALLOW = "allow"  # the user saw them and confirmed


@dataclass(frozen=True)
class Created:
    """A new lead (or the one an earlier click made), or the open duplicates to choose from."""

    lead: LeadView | None
    created: bool
    duplicates: tuple[LeadView, ...] = ()
    homes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Move:
    stage: str


@dataclass(frozen=True)
class Close:
    outcome: Status
    reason: str | None = None
    category: str | None = None  # for a loss: one of LostCategory


@dataclass(frozen=True)
class Snooze:
    """Hide a lead until a date, or for a span (`1d`, `3d`, `1w`) counted on the owner's working days."""

    until: date | None = None
    span: str | None = None


@dataclass(frozen=True)
class Keep:
    """Keep a lead the cleanup offered to drop: recorded, so the cleanup leaves it alone for two weeks."""


@dataclass(frozen=True)
class SetCloseDate:
    """The date the deal should close (None clears it); a later date than before counts as a push."""

    on: date | None


@dataclass(frozen=True)
class SetFollowUp:
    """The next step: a date, a span on the owner's working days (`1d`, `3d`, `nextweek`), or none."""

    on: date | None = None
    span: str | None = None


@dataclass(frozen=True)
class Assign:
    owner_id: str


@dataclass(frozen=True)
class Edit:
    """Change any of a lead's details at once; each change goes in its history with who and when.

    `changes` holds the new values by column (`bot.services.lead_changes.EDITABLE`; `value` as an
    (amount, currency) pair, None to clear an optional field); `stage` moves it and `owner` hands
    it over, as Move and Assign do.
    """

    changes: dict[str, Any]
    stage: str | None = None
    owner: str | None = None


@dataclass(frozen=True)
class Reopen:
    """A closed lead back to the stage it closed from."""


@dataclass(frozen=True)
class Qualify:
    answers: dict[str, Any]
    score: int
    unqualified: bool = False
    # "When do they need it?": becomes the expected close date.
    needed_by: date | None = None


LeadChange: TypeAlias = (
    Move | Close | Snooze | Keep | Assign | Qualify | SetCloseDate | SetFollowUp | Edit | Reopen
)


@dataclass(frozen=True)
class Changed:
    """The lead after a change, whether anything changed (a second click changes nothing), and whose Home to refresh."""

    lead: LeadView
    changed: bool
    previous_owner: str | None = None
    homes: tuple[str, ...] = ()


def team_calendar(deps: Deps) -> Calendar:
    """The team's zone and working days: the calendar of anyone who has none of their own."""
    return Calendar(deps.team_zone, deps.pipeline.schedule.weekday_numbers)


def owner_calendar(session: Session, deps: Deps, owner_id: str) -> Calendar:
    """The owner's zone and working days (holidays off): the calendar their dates are counted on."""
    return reps.calendar_of(
        session,
        user_id=owner_id,
        fallback=team_calendar(deps),
        holidays=deps.pipeline.holidays_for(owner_id),
    )


def calendar_for(deps: Deps, user_id: str) -> Calendar:
    """A person's calendar, read in its own short session (for parsing dates before a change)."""
    with deps.session_factory() as session:
        return owner_calendar(session, deps, user_id)


def _span_date(session: Session, deps: Deps, lead_id: int, span: str, now: datetime) -> date:
    lead = leads.get_lead(session, lead_id=lead_id)
    calendar = owner_calendar(session, deps, lead.owner_id)
    return span_date(span, today=calendar.today(now), working_days=calendar.working_days)


def is_inbound(deps: Deps, *, by: Actor, new: NewLead, from_api: bool) -> bool:
    """Speed to lead is for leads that came in: the API, an inbound source, or handed over at creation."""
    source = (new.source or "").strip().lower()
    return from_api or source in deps.pipeline.team.inbound_sources or new.owner_id != by.user_id


def _homes(*user_ids: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(uid for uid in user_ids if uid))


def _tell_new_owner(
    session: Session,
    deps: Deps,
    *,
    by: Actor,
    lead: LeadView,
    key: str,
    now: datetime,
    note: str | None = None,
    inbound: bool = False,
) -> bool:
    """Record the DM telling a lead's new owner it is theirs, once per `key`; none while they are
    away or when they muted these DMs."""
    if not reps.takes_dm(
        session, user_id=lead.owner_id, kind=ASSIGNED_KIND, now=now, zone=deps.team_zone
    ):
        return False
    actor = reps.get_rep(session, user_id=by.user_id)
    message = build_new_owner_message(
        lead,
        actor_id=by.user_id,
        actor_name=actor.name if actor else None,
        stage_name=deps.pipeline.stage(lead.stage).name,
        now=now,
        today=by.today(now),
        note=note,
        inbound=inbound,
    )
    return enqueue(
        session,
        key=f"{ASSIGNED_KIND}:{lead.id}:{lead.owner_id}:{key}",
        kind=ASSIGNED_KIND,
        recipient=lead.owner_id,
        message=message,
        now=now,
        priority=PRIORITY_DIRECT,
    )


def _insert(
    session: Session,
    deps: Deps,
    *,
    by: Actor,
    new: NewLead,
    now: datetime,
    note: str | None = None,
    inbound: bool = False,
    tell_owner: bool = True,
) -> Created:
    """Create the lead with its owner's record, keep its note, and tell the owner when it is not theirs by their own hand."""
    reps.ensure_rep(
        session, user_id=new.owner_id, now=now, is_manager=deps.is_manager(new.owner_id)
    )
    lead = leads.create_lead(
        session,
        new=new,
        created_by=by.user_id,
        now=now,
        inbound=is_inbound(deps, by=by, new=new, from_api=inbound),
    )
    events.lead_created(session, deps, lead=lead, by=by.user_id, now=now)
    if note:
        # A note is context, not a contact: it must not stop the speed-to-lead clock.
        leads.record_note(session, lead_id=lead.id, text=note, by=by.user_id, now=now)
    if (
        tell_owner
        and (inbound or lead.owner_id != by.user_id)
        and reps.is_active(session, user_id=lead.owner_id)
    ):
        _tell_new_owner(
            session, deps, by=by, lead=lead, key="created", now=now, note=note, inbound=inbound
        )
    return Created(lead=lead, created=True, homes=_homes(by.user_id, lead.owner_id))


def create_lead(
    deps: Deps,
    *,
    by: Actor,
    new: NewLead,
    now: datetime,
    duplicates: Duplicates = Duplicates.ASK,
    confirmed_after: int | None = None,
    note: str | None = None,
) -> Created:
    """Create a lead for `new.owner_id`, its owner told at once when someone else made it theirs.

    With `confirmed_after` (a click on "Create anyway" or "Create lead", when leads went up to that
    id) it is created once: a second click returns the lead the first one made. A likely
    duplicate is still asked about unless `duplicates` is ALLOW.
    """
    with deps.session_factory.begin() as session:
        leads.lock_company(session, company=new.company)
        if confirmed_after is not None:
            # The creator's row serialises their clicks on PostgreSQL; SQLite's immediate writes already do.
            session.get(Rep, by.user_id, with_for_update=True)
            earlier = session.scalars(
                select(Lead)
                .where(
                    Lead.company_key == company_key(new.company),
                    Lead.created_by == by.user_id,
                    Lead.id > confirmed_after,
                )
                .order_by(Lead.id)
                .limit(1)
            ).first()
            if earlier is not None:
                return Created(lead=LeadView.of(earlier), created=False)
        if duplicates is Duplicates.ASK:
            found = leads.find_open_duplicates(session, company=new.company)
            if found:
                return Created(lead=None, created=False, duplicates=tuple(found))
        return _insert(session, deps, by=by, new=new, now=now, note=note)


def change_lead(
    deps: Deps, *, by: Actor, lead_id: int, change: LeadChange, now: datetime
) -> Changed:
    """Make one change to a lead the actor may change; history is written, the new owner told."""
    with deps.session_factory.begin() as session:
        done, previous = _apply(session, deps, by=by, lead_id=lead_id, change=change, now=now)
        if done.changed:
            events.lead_changed(
                session, deps, change=change, lead=done.lead, by=by.user_id,
                previous_owner=previous, now=now,
            )  # fmt: skip
    homes = _homes(by.user_id, done.lead.owner_id, previous) if done.changed else _homes(by.user_id)
    return Changed(done.lead, done.changed, previous, homes)


def _apply(
    session: Session, deps: Deps, *, by: Actor, lead_id: int, change: LeadChange, now: datetime
) -> tuple[lead_changes.Change, str | None]:
    match change:
        case Move(stage=stage):
            return lead_changes.move_stage(
                session, lead_id=lead_id, stage=stage, actor=by, now=now
            ), None
        case Close(outcome=outcome, reason=reason, category=category):
            done = lead_changes.close_lead(
                session,
                lead_id=lead_id,
                outcome=outcome,
                actor=by,
                now=now,
                reason=reason,
                category=category,
            )
            if done.changed:  # nothing waits for a first touch on a closed lead any more
                cancel_pending(session, keys=alert_keys(lead_id, done.lead.owner_id))
            return done, None
        case Snooze(until=until, span=span):
            if until is None:
                until = _span_date(session, deps, lead_id, span or "1d", now)
            return lead_changes.snooze(
                session, lead_id=lead_id, until=until, actor=by, now=now
            ), None
        case Keep():
            owner = leads.get_lead(session, lead_id=lead_id).owner_id
            today = owner_calendar(session, deps, owner).today(now)
            return lead_changes.keep(
                session, lead_id=lead_id, until=today + KEEP_FOR, actor=by, now=now, kept_on=today
            ), None
        case SetCloseDate(on=on):
            return lead_changes.set_expected_close(
                session, lead_id=lead_id, on=on, actor=by, now=now
            ), None
        case SetFollowUp(on=on, span=span):
            if span is not None:
                on = _span_date(session, deps, lead_id, span, now)
            view, changed = touches.set_follow_up(
                session, lead_id=lead_id, on=on, actor=by, now=now
            )
            return lead_changes.Change(view, changed), None
        case Assign(owner_id=owner_id):
            done = _assign(session, deps, by=by, lead_id=lead_id, owner_id=owner_id, now=now)
            return done, done.previous_owner
        case Edit(changes=changes, stage=stage, owner=owner):
            done = lead_changes.edit_lead(
                session, lead_id=lead_id, changes=changes, actor=by, now=now
            )
            changed, previous = done.changed, None
            if stage is not None:
                done = lead_changes.move_stage(
                    session, lead_id=lead_id, stage=stage, actor=by, now=now
                )
                changed = changed or done.changed
            if owner is not None:
                done = _assign(session, deps, by=by, lead_id=lead_id, owner_id=owner, now=now)
                changed, previous = changed or done.changed, done.previous_owner
            return lead_changes.Change(done.lead, changed, previous), previous
        case Reopen():
            return lead_changes.reopen(session, lead_id=lead_id, actor=by, now=now), None
        case Qualify(answers=answers, score=score, unqualified=unqualified, needed_by=needed_by):
            done = lead_changes.record_qualification(
                session, lead_id=lead_id, answers=answers, score=score, actor=by, now=now
            )
            if needed_by is not None and not unqualified:
                done = lead_changes.set_expected_close(
                    session, lead_id=lead_id, on=needed_by, actor=by, now=now
                )
            if unqualified:
                done = lead_changes.close_lead(
                    session,
                    lead_id=lead_id,
                    outcome=Status.LOST,
                    actor=by,
                    now=now,
                    reason=UNQUALIFIED_REASON,
                    category=LostCategory.UNQUALIFIED,
                )
                cancel_pending(session, keys=alert_keys(lead_id, done.lead.owner_id))
            return done, None


def _assign(
    session: Session, deps: Deps, *, by: Actor, lead_id: int, owner_id: str, now: datetime
) -> lead_changes.Change:
    """Hand a lead over: the old owner's speed-to-lead alerts go, the new owner is told."""
    reps.ensure_rep(session, user_id=owner_id, now=now, is_manager=deps.is_manager(owner_id))
    done = lead_changes.reassign(session, lead_id=lead_id, owner_id=owner_id, actor=by, now=now)
    if done.changed and done.previous_owner:
        # The old owner's speed-to-lead alerts are void; the new owner's window starts now.
        cancel_pending(session, keys=alert_keys(lead_id, done.previous_owner))
    if done.changed and done.lead.owner_id != by.user_id:
        _tell_new_owner(session, deps, by=by, lead=done.lead, key=now.isoformat(), now=now)
    return done


def workable_lead(
    deps: Deps, *, by: Actor, lead_id: int, doing: str, mrkdwn: bool = True
) -> LeadView:
    """The open lead `by` may work on (to open a form for it), or one line saying why not."""
    with deps.session_factory() as session:
        lead = leads.get_lead(session, lead_id=lead_id)
    refused = refusal(lead, by, doing=doing, mrkdwn=mrkdwn)
    if refused:
        raise PermissionDenied(refused, is_mrkdwn=mrkdwn)
    return lead
