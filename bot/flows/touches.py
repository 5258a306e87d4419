"""Logging a touch: the dated record that keeps a lead's clocks honest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.deps import Deps
from bot.domain.access import Actor
from bot.domain.errors import UserFacingError
from bot.domain.leads import is_contact
from bot.domain.parsing import parse_touch
from bot.domain.schedule import Calendar, zone_for
from bot.flows import events
from bot.flows.leads import owner_calendar, team_calendar
from bot.services import leads, reps, touches
from bot.services.records import LeadView, TouchView
from bot.slack.mrkdwn import escape


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


def log_touch_from_text(
    deps: Deps,
    *,
    user_id: str,
    team_id: str | None,
    text: str,
    now: datetime,
    check_profile: bool = True,
) -> Logged | None:
    """`/touch <text>` in one transaction: who is asking, the lead the text names, its owner's
    calendar (the `next:` words count the owner's working days from the owner's today) and the
    touch, as `log_touch` records it.

    None, with nothing written, when the rep is new or (with `check_profile`) their Slack profile
    is due a refresh: that takes a Slack call, which never happens inside a transaction. The caller
    resolves the actor first (`resolve_actor`), then calls again without `check_profile`.
    """
    is_manager = deps.is_manager(user_id)
    with deps.session_factory.begin() as session:
        found = reps.existing_rep(
            session, user_id=user_id, fallback=team_calendar(deps), is_manager=is_manager
        )
        if found is None or (check_profile and reps.needs_profile_refresh(found[0], now=now)):
            return None
        rep, own_calendar = found
        by = Actor(user_id, is_manager, zone_for(rep.tz, fallback=deps.team_zone))
        parsed = parse_touch(text, today=by.today(now))
        matches = leads.resolve_ref(
            session, lead_id=parsed.ref.lead_id, text=parsed.ref.text, actor=by
        )
        if len(matches) > 1:
            raise several_matches(parsed.ref.text, matches)
        before = matches[0]
        calendar = (
            own_calendar
            if before.owner_id == user_id
            else owner_calendar(session, deps, before.owner_id)
        )
        parsed = parse_touch(text, today=calendar.today(now), working_days=calendar.working_days)
        touch, lead = touches.log_touch(
            session,
            lead_id=before.id,
            author=by,
            kind=parsed.kind,
            note=parsed.note,
            now=now,
            next_follow_up=parsed.next_follow_up,
            owner_zone=calendar.zone,
        )
        events.touch_logged(session, deps, touch=touch, by=user_id, now=now)
    return _logged(by, before, touch, lead, calendar, now)


def several_matches(text: str | None, matches: list[LeadView]) -> UserFacingError:
    """The answer to a reference that names more than one lead: their numbers, to pick one."""
    names = ", ".join(f"#{lead.id} {escape(lead.company)}" for lead in matches[:10])
    return UserFacingError(
        f"“{escape(text or '')}” matches several leads ({names}); use the number, like `/touch #{matches[0].id} …`.",
        is_mrkdwn=True,
    )


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
