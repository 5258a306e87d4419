"""Rep records: created on first contact, profile refreshed from Slack."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    bindparam,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session

from bot.config import RepConfig
from bot.db import insert_if_missing
from bot.domain.leads import Role, Status
from bot.domain.rep_settings import MySettings, SettingsChange, is_away, muted_kinds
from bot.domain.schedule import (
    WEEKDAY_NAMES,
    Calendar,
    parse_clock,
    parse_working_days,
    with_holidays,
    zone_for,
)
from bot.models import Lead, Rep
from bot.services.records import RepView

__all__ = [
    "known_rep",
    "RepView",
    "ensure_rep",
    "get_rep",
    "needs_profile_refresh",
    "update_profile",
    "apply_profile_change",
    "apply_rep_settings",
]

PROFILE_MAX_AGE = timedelta(days=1)

# The rhythm a rep's DMs and dates follow: their own choice (My settings) over the admin's `[reps.*]`.
WORKING_DAYS = func.coalesce(Rep.own_working_days, Rep.working_days).label("working_days")
PLAN_TIME = func.coalesce(Rep.own_plan_time, Rep.plan_time).label("plan_time")


_REPS = Rep.__table__
# Statements every request by a rep runs, built once.
_COVERING = (
    _REPS.c.away_delegate == bindparam("user_id"),
    _REPS.c.away_until > bindparam("today"),
    _REPS.c.is_active.is_(True),
)
_COVERED_BY = select(_REPS.c.id).where(*_COVERING)


@dataclass(frozen=True, slots=True)
class JoinedRep:
    """What a request needs of someone's rep record (their profile, role, roster membership and
    calendar), taken out of a read that joins it to another table (`rep_columns`)."""

    id: str
    name: str
    tz: str | None
    role: str
    profile_refreshed_at: datetime | None
    in_reps_group: bool
    working_days: str | None
    own_working_days: str | None

    @classmethod
    def of(cls, row: Mapping[str, Any], prefix: str) -> JoinedRep | None:
        """The rep under `prefix` in `row`; None when the join found no record."""
        if row[prefix + "id"] is None:
            return None
        return cls(*(row[prefix + name] for name in REP_FIELDS))


REP_FIELDS = tuple(field.name for field in fields(JoinedRep))


def rep_columns(reps: Any, prefix: str) -> list[Any]:
    """`JoinedRep`'s columns of `reps` (an alias of the reps table), each labelled `prefix` + name
    (`rep_tz`, `owner_rep_tz`)."""
    return [reps.c[name].label(prefix + name) for name in REP_FIELDS]


def not_away(today: date) -> ColumnElement[bool]:
    """SQL for "not away on `today`": no return date, or back by then."""
    return or_(Rep.away_until.is_(None), Rep.away_until <= today)


def ensure_rep(
    session: Session,
    *,
    user_id: str,
    now: datetime,
    team_id: str | None = None,
    is_manager: bool = False,
) -> RepView:
    """Return the rep for a Slack user, creating the record on first contact; the role follows the config."""
    role = Role.MANAGER if is_manager else Role.REP
    rep = known_rep(session, user_id=user_id, now=now, team_id=team_id, role=role)
    if rep.role != role:
        rep.role = role
    return RepView.of(rep)


def known_rep(
    session: Session,
    *,
    user_id: str,
    now: datetime,
    team_id: str | None = None,
    role: str = Role.REP,
) -> Rep:
    """The rep record for a user, created if missing (safely, when two requests create it at once)."""
    rep = session.get(Rep, user_id)
    if rep is None:
        values = {
            "id": user_id,
            "team_id": team_id,
            "name": "",
            "role": role,
            "created_at": now,
            "is_active": True,
        }
        insert_if_missing(session, Rep, conflict_on=["id"], values=values)
        rep = session.get(Rep, user_id)
        assert rep is not None
    return rep


def needs_profile_refresh(rep: RepView | JoinedRep, *, now: datetime) -> bool:
    return rep.profile_refreshed_at is None or now - rep.profile_refreshed_at > PROFILE_MAX_AGE


def update_profile(
    session: Session, *, user_id: str, name: str, tz: str | None, now: datetime
) -> RepView:
    """Store the name and IANA timezone Slack reported for a user."""
    rep = known_rep(session, user_id=user_id, now=now)
    rep.name = name[:200]
    rep.tz = tz
    rep.profile_refreshed_at = now
    session.flush()
    return RepView.of(rep)


def get_rep(session: Session, *, user_id: str) -> RepView | None:
    rep = session.get(Rep, user_id)
    return RepView.of(rep) if rep else None


def reps_due_for_refresh(session: Session, *, now: datetime, limit: int) -> list[str]:
    """Active reps whose Slack profile is more than a day old, oldest first."""
    stale = now - PROFILE_MAX_AGE
    query = (
        select(Rep.id)
        .where(Rep.is_active.is_(True))
        .where((Rep.profile_refreshed_at.is_(None)) | (Rep.profile_refreshed_at < stale))
        .order_by(Rep.profile_refreshed_at.is_not(None), Rep.profile_refreshed_at, Rep.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def deactivate(session: Session, *, user_id: str, now: datetime) -> None:
    """A Slack account that was deleted stops getting DMs."""
    rep = session.get(Rep, user_id)
    if rep is not None:
        rep.is_active = False
        rep.profile_refreshed_at = now


@dataclass(frozen=True)
class ProfileChange:
    """A rep's record after Slack reported their profile, and whether they were active before."""

    rep: RepView
    active: bool
    was_active: bool


def apply_profile_change(
    session: Session, *, user_id: str, name: str, tz: str | None, active: bool, now: datetime
) -> ProfileChange | None:
    """Apply a profile Slack pushed (`user_change`) to a known rep; None for anyone else.

    An active account takes its name and timezone at once; a deleted one stops getting DMs; one
    that Slack reactivated gets them again.
    """
    rep = session.get(Rep, user_id)
    if rep is None:
        return None
    was_active = rep.is_active
    if active:
        rep.name = name[:200]
        rep.tz = tz
    rep.is_active = active
    rep.profile_refreshed_at = now
    session.flush()
    return ProfileChange(RepView.of(rep), active=active, was_active=was_active)


def apply_rep_settings(
    session: Session, *, settings: Mapping[str, RepConfig], now: datetime
) -> int:
    """Write each configured rep's plan time, working days and quota; returns how many reps."""
    for user_id, config in settings.items():
        rep = known_rep(session, user_id=user_id, now=now)
        rep.plan_time = config.morning_plan
        rep.working_days = ",".join(config.working_days) if config.working_days else None
        rep.quota = config.quota
    session.flush()
    return len(settings)


@dataclass(frozen=True)
class RepChoice:
    """A rep a lead can be handed to: id, name and working clock (raw, as stored)."""

    id: str
    name: str
    tz: str | None
    working_days: str | None
    open_leads: int


def assignable_reps(
    session: Session,
    *,
    on_roster: ColumnElement[bool] | None = None,
    today: date | None = None,
    limit: int = 99,
) -> list[RepChoice]:
    """Active reps (not managers) with their open-lead counts, fewest first: who a lead can go to.

    `on_roster` keeps the reps on the roster (`Roster.rep_condition()`); with `today`, a rep away
    that day is left out.
    """
    open_count = (
        select(Lead.owner_id, func.count().label("n"))
        .where(Lead.status == Status.OPEN)
        .group_by(Lead.owner_id)
        .subquery()
    )
    rows = session.execute(
        select(Rep.id, Rep.name, Rep.tz, WORKING_DAYS, func.coalesce(open_count.c.n, 0))
        .outerjoin(open_count, open_count.c.owner_id == Rep.id)
        .where(
            Rep.is_active.is_(True),
            Rep.role == Role.REP,
            on_roster if on_roster is not None else true(),
            not_away(today) if today is not None else true(),
        )
        .order_by(func.coalesce(open_count.c.n, 0), Rep.id)
        .limit(limit)
    )
    return [RepChoice(*row) for row in rows]


def calendar_of(
    session: Session, *, user_id: str, fallback: Calendar, holidays: Collection[date] = ()
) -> Calendar:
    """A person's zone and working days as stored (their own choice first), the team's where they
    have none; `holidays` are their days off."""
    rep = session.get(Rep, user_id)
    if rep is None:
        return Calendar(fallback.zone, with_holidays(fallback.working_days, holidays))
    return _calendar(rep, fallback, holidays)


def calendar_of_row(
    rep: JoinedRep | None, *, fallback: Calendar, holidays: Collection[date] = ()
) -> Calendar:
    """`calendar_of` from a rep's row already read (`JoinedRep`), or None for someone without one."""
    if rep is None:
        return Calendar(fallback.zone, with_holidays(fallback.working_days, holidays))
    return _calendar(rep, fallback, holidays)


def _calendar(
    rep: Rep | JoinedRep, fallback: Calendar, holidays: Collection[date] = ()
) -> Calendar:
    days = parse_working_days(
        rep.own_working_days or rep.working_days, fallback=fallback.working_days
    )
    return Calendar(
        zone=zone_for(rep.tz, fallback=fallback.zone),
        working_days=with_holidays(days, holidays),
    )


def is_active(session: Session, *, user_id: str) -> bool:
    """False for someone who left (deactivated in Slack); unknown people count as active."""
    rep = session.get(Rep, user_id)
    return rep is None or rep.is_active


def covered_by(session: Session, *, user_id: str, today: date) -> frozenset[str]:
    """The reps away on `today` who named `user_id` to cover for them."""
    return frozenset(session.scalars(_COVERED_BY, {"user_id": user_id, "today": today}))


def takes_dm(session: Session, *, user_id: str, kind: str, now: datetime, zone: ZoneInfo) -> bool:
    """Whether someone takes a DM of this kind now: not away on their own today, not muted.

    `zone` is the fallback when their own timezone is unknown.
    """
    rep = session.get(Rep, user_id)
    if rep is None:
        return True
    today = now.astimezone(zone_for(rep.tz, fallback=zone)).date()
    return not is_away(rep.away_until, today) and kind not in muted_kinds(rep.muted)


def read_my_settings(
    session: Session, *, user_id: str, team_time: time, team_days: tuple[str, ...]
) -> MySettings:
    """A rep's settings as they apply now: their own choice, else the admin's, else the team's."""
    rep = session.get(Rep, user_id)
    if rep is None:
        return MySettings(plan_time=team_time, working_days=team_days)
    admin_time = parse_clock(rep.plan_time, fallback=team_time)
    plan = parse_clock(rep.own_plan_time, fallback=admin_time)
    admin_days = _day_names(rep.working_days) or team_days
    days = _day_names(rep.own_working_days) or admin_days
    return MySettings(
        plan_time=plan,
        working_days=days,
        away_until=rep.away_until,
        delegate=rep.away_delegate,
        muted=muted_kinds(rep.muted),
        own_plan_time=rep.own_plan_time is not None,
        own_working_days=rep.own_working_days is not None,
    )


def admin_defaults(
    session: Session, *, user_id: str, team_time: time, team_days: tuple[str, ...]
) -> tuple[time, tuple[str, ...]]:
    """The plan time and working days a rep has when they choose nothing: `[reps.*]`, else the team's."""
    rep = session.get(Rep, user_id)
    if rep is None:
        return team_time, team_days
    return parse_clock(rep.plan_time, fallback=team_time), _day_names(rep.working_days) or team_days


def save_my_settings(
    session: Session, *, user_id: str, change: SettingsChange, now: datetime
) -> None:
    """Store what a rep chose in My settings."""
    rep = known_rep(session, user_id=user_id, now=now)
    rep.own_plan_time = change.plan_time
    rep.own_working_days = change.working_days
    rep.away_until = change.away_until
    rep.away_delegate = change.delegate
    rep.muted = change.muted
    session.flush()


def _day_names(stored: str | None) -> tuple[str, ...]:
    numbers = parse_working_days(stored, fallback=frozenset())
    return tuple(WEEKDAY_NAMES[number] for number in sorted(numbers))
