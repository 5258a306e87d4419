"""Logging a touch: the dated record that keeps a lead's clocks honest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.domain.access import Actor, refusal
from bot.domain.errors import UserFacingError
from bot.domain.leads import Role, is_contact
from bot.domain.parsing import parse_touch
from bot.domain.schedule import Calendar, zone_for
from bot.flows import events
from bot.flows.leads import owner_calendar, team_calendar
from bot.flows.roster import roster_of
from bot.services import leads, reps, touches
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
            session, deps, by=by, lead_id=lead_id, kind=kind, note=note, now=now,
            occurred_at=occurred_at, next_follow_up=next_follow_up, permalink=permalink,
        )  # fmt: skip


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
    """`log_touch` inside a transaction the caller holds, for flows that write more beside it."""
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


def log_line_at_once(
    deps: Deps, *, user_id: str, text: str, now: datetime
) -> tuple[Actor, Logged] | None:
    """`/touch #42 …` from a rep whose record is settled, in one transaction of plain statements
    (shared with the touches arriving meanwhile): the rep, the lead, its owner's calendar, the
    touch; the actor and what was logged.

    None, with nothing written, when the line needs more than that: a rep record to create or
    change, a profile due from Slack, or anything refused (off the roster, no such lead, someone
    else's lead or a closed one, a line that does not parse). The general path then answers it,
    with the same rules and in the same words.
    """
    # Touches arriving together share one transaction (a BEGIN and a COMMIT for many).
    return deps.shared_transactions(
        lambda session: _line_at_once(session, deps, user_id=user_id, text=text, now=now)
    )


def _line_at_once(
    session: Session, deps: Deps, *, user_id: str, text: str, now: datetime
) -> tuple[Actor, Logged] | None:
    team_today = now.astimezone(deps.team_zone).date()
    try:
        # The lead's number, the kind and the note read the same on any calendar (`today` only
        # dates `next:`, which is read again on the owner's calendar below).
        first = parse_touch(text, today=team_today)
    except UserFacingError:
        return None
    lead_id = first.ref.lead_id
    if lead_id is None:
        return None
    found = touches.lead_and_reps_to_touch(
        session, lead_id=lead_id, user_id=user_id, today=team_today
    )
    if found is None:
        return None
    rep, lead = found.actor, found.lead
    is_manager = deps.is_manager(user_id)
    if (
        rep is None
        or rep.role != (Role.MANAGER if is_manager else Role.REP)
        or not roster_of(deps).admits(user_id, in_reps_group=rep.in_reps_group)
        or reps.needs_profile_refresh(rep, now=now)
    ):
        return None
    # Whom the rep covers for matters here only for this lead's owner.
    covers = frozenset({lead.owner_id}) if found.covers_owner else frozenset()
    actor = Actor(user_id, is_manager, zone_for(rep.tz, fallback=deps.team_zone), covers)
    if refusal(lead, actor, doing="log touches on"):
        return None
    calendar = reps.calendar_of_row(
        found.owner,
        fallback=team_calendar(deps),
        holidays=deps.pipeline.holidays_for(lead.owner_id),
    )
    try:
        # Only a `next:` date reads differently on the owner's calendar.
        parsed = (
            first
            if first.next_follow_up is None
            else parse_touch(
                text, today=calendar.today(now), working_days=calendar.working_days, ref_words=1
            )
        )
    except UserFacingError:
        return None
    touch, after = touches.log_touch_on_row(
        session,
        lead=lead,
        author=actor,
        kind=parsed.kind,
        note=parsed.note,
        now=now,
        next_follow_up=parsed.next_follow_up,
        owner_zone=calendar.zone,
    )
    events.touch_logged(session, deps, touch=touch, by=user_id, now=now)
    return actor, _logged(actor, LeadView.of(lead), touch, after, calendar, now)


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
