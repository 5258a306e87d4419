"""Who a lead that came in gets: a rep on the roster at work now and not away, in turn or the least busy.

`[team] assignment` picks the rule: `round_robin` (the default) goes round the reps at work in
the order of their ids, starting after whoever got the last lead this way; `least_busy` gives it
to the one with the fewest open leads. When nobody is available (night, a holiday, everyone
away) the lead waits with a manager and the managers' channel is asked to pick, with a Reassign
menu; that post waits for the team's working hours.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.domain.schedule import (
    is_working_time,
    next_due_instant,
    parse_working_days,
    with_holidays,
    zone_for,
)
from bot.models import LeadEvent
from bot.services.outbox import PRIORITY_ALERT, enqueue
from bot.services.records import LeadView
from bot.services.reps import RepChoice, assignable_reps
from bot.services.roster import Roster
from bot.slack.messages.managers import build_pick_owner_blocks

AUTO_ASSIGNED_EVENT = "auto_assigned"
UNASSIGNED_KIND = "inbound-unassigned"


@dataclass(frozen=True)
class OwnerChoice:
    """Who gets a lead that came in, and how: `round_robin`, `least_busy`, or `waiting` for a pick."""

    owner_id: str
    how: str

    @property
    def waiting(self) -> bool:
        return self.how == "waiting"


def at_work(deps: Deps, reps: Sequence[RepChoice], *, now: datetime) -> list[RepChoice]:
    """The reps in their working hours now, on their own clock and working days (holidays off)."""
    team, schedule = deps.pipeline.team, deps.pipeline.schedule
    return [
        rep
        for rep in reps
        if is_working_time(
            now,
            zone=zone_for(rep.tz, fallback=deps.team_zone),
            working_days=with_holidays(
                parse_working_days(rep.working_days, fallback=schedule.weekday_numbers),
                deps.pipeline.holidays_for(rep.id),
            ),
            work_start=team.work_start,
            work_end=team.work_end,
        )
    ]


def team_reps(deps: Deps, session: Session, *, now: datetime) -> list[RepChoice]:
    """The reps a lead can be handed to now: on the roster, active, not away (the team's today)."""
    return assignable_reps(
        session,
        on_roster=Roster.of(deps.config).rep_condition(),
        today=now.astimezone(deps.team_zone).date(),
    )


def _lock(session: Session) -> None:
    """Serialise assignments so two leads at once do not both go to the same rep's turn."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended('inbound-turn', 0))"))


def _last_turn(session: Session) -> str | None:
    """Who got the last lead handed out in turn."""
    detail = session.scalars(
        select(LeadEvent.detail)
        .where(LeadEvent.kind == AUTO_ASSIGNED_EVENT)
        .order_by(LeadEvent.at.desc(), LeadEvent.id.desc())
        .limit(1)
    ).first()
    return str(detail.get("to")) if detail and detail.get("to") else None


def next_in_turn(candidates: list[RepChoice], last: str | None) -> RepChoice:
    """The rep after `last` in id order, going round; the first when `last` is unknown."""
    ordered = sorted(candidates, key=lambda rep: rep.id)
    later = [rep for rep in ordered if last is not None and rep.id > last]
    return (later or ordered)[0]


def choose_inbound_owner(session: Session, deps: Deps, *, now: datetime) -> OwnerChoice | None:
    """Who a new inbound lead without an owner goes to; None when there is nobody at all to own it."""
    _lock(session)
    reps = team_reps(deps, session, now=now)
    working = at_work(deps, reps, now=now)
    if working:
        if deps.pipeline.team.assignment == "least_busy":
            return OwnerChoice(working[0].id, "least_busy")  # fewest open leads first
        return OwnerChoice(next_in_turn(working, _last_turn(session)).id, "round_robin")
    managers = sorted(deps.config.managers)
    if managers:
        return OwnerChoice(managers[0], "waiting")
    if reps:  # no manager to hold it: the least busy rep, though off work
        return OwnerChoice(reps[0].id, "waiting")
    return None


def record_choice(
    session: Session, deps: Deps, *, lead: LeadView, choice: OwnerChoice, now: datetime
) -> None:
    """Remember a turn taken; for a lead nobody could take, ask the managers' channel to pick."""
    if not choice.waiting:
        session.add(
            LeadEvent(
                lead_id=lead.id,
                kind=AUTO_ASSIGNED_EVENT,
                actor_id=None,
                at=now,
                detail={"to": choice.owner_id, "how": choice.how},
            )
        )
        session.flush()
        return
    team = deps.pipeline.team
    workdays = deps.pipeline.schedule.weekday_numbers
    hours = {"zone": deps.team_zone, "working_days": workdays}
    at_desk = is_working_time(now, work_start=team.work_start, work_end=team.work_end, **hours)
    # Managers read their channel in working hours: a lead at night is put to them in the morning.
    not_before = None if at_desk else next_due_instant(now, at=team.work_start, **hours)
    channel = deps.config.managers_channel
    message = build_pick_owner_blocks(
        lead,
        holder=choice.owner_id,
        reps=team_reps(deps, session, now=not_before or now),
        stage_name=deps.pipeline.stage(lead.stage).name,
    )
    enqueue(
        session,
        key=f"{UNASSIGNED_KIND}:{lead.id}",
        kind=UNASSIGNED_KIND,
        recipient=channel or choice.owner_id,
        message=message,
        now=now,
        priority=PRIORITY_ALERT,
        not_before=not_before,
    )
