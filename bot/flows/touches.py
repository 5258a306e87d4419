"""Logging a touch: the dated record that keeps a lead's clocks honest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.domain.access import Actor
from bot.domain.leads import is_contact
from bot.domain.schedule import Calendar
from bot.flows import events
from bot.flows.leads import owner_calendar
from bot.services import leads, touches
from bot.services.records import LeadView, TouchView


@dataclass(frozen=True)
class Logged:
    """The touch, the lead after it, whose Home to refresh, and the follow-up the touch completed."""

    touch: TouchView
    lead: LeadView
    homes: tuple[str, ...]
    completed: date | None = None
    # The owner's today and working days, so the reply's dates and next-step buttons read right.
    owner_today: date | None = None


def log_touch(
    deps: Deps,
    *,
    by: Actor,
    lead_id: int,
    kind: str,
    note: str,
    now: datetime,
    occurred_at: datetime | None = None,
    next_follow_up: date | None = None,
    permalink: str | None = None,
) -> Logged:
    """Record a touch on a lead the actor may change, in one transaction; a contact completes a due follow-up."""
    with deps.session_factory.begin() as session:
        return log_touch_in(
            session,
            deps,
            by=by,
            lead_id=lead_id,
            kind=kind,
            note=note,
            now=now,
            occurred_at=occurred_at,
            next_follow_up=next_follow_up,
            permalink=permalink,
        )


def log_touch_in(
    session: Session,
    deps: Deps,
    *,
    by: Actor,
    lead_id: int,
    kind: str,
    note: str,
    now: datetime,
    occurred_at: datetime | None = None,
    next_follow_up: date | None = None,
    permalink: str | None = None,
) -> Logged:
    """`log_touch` within the caller's transaction, which has read the lead or its owner already
    (`/touch`'s single transaction): those reads are not repeated."""
    before = leads.get_lead(session, lead_id=lead_id)
    calendar = owner_calendar(session, deps, before.owner_id)
    touch, lead = touches.log_touch(
        session,
        lead_id=lead_id,
        author=by,
        kind=kind,
        note=note,
        now=now,
        occurred_at=occurred_at,
        next_follow_up=next_follow_up,
        permalink=permalink,
        owner_zone=calendar.zone,
    )
    events.touch_logged(session, deps, touch=touch, by=by.user_id, now=now)
    return _logged(by, before, touch, lead, calendar, now)


def _logged(
    by: Actor, before: LeadView, touch: TouchView, lead: LeadView, calendar: Calendar, now: datetime
) -> Logged:
    due = before.next_follow_up
    done = (
        is_contact(touch.kind)
        and due is not None
        and touch.occurred_at.astimezone(calendar.zone).date() >= due
    )
    return Logged(
        touch,
        lead,
        tuple(dict.fromkeys((by.user_id, lead.owner_id))),
        completed=due if done else None,
        owner_today=calendar.today(now),
    )
