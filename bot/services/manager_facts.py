"""Reads behind the managers' channel: the facts of `bot.domain.team_facts` in a fixed number of statements.

Whatever the size of the team, the congestion alerts read in 6 statements and the weekly report
in 9. Aggregates are summed in SQL; only open leads (one row each), the moves of leads that moved
in the report's windows, and that window's closes and new leads come back row by row, as tuples.
The weekly report can also be read for one owner (a rep's own week), in the same 9 statements.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select, true, type_coerce
from sqlalchemy.orm import Session, aliased

from bot.collector import collection_paused
from bot.domain.lost import LOST_CATEGORIES, UNQUALIFIED, lost_category
from bot.domain.qualification import WEAK
from bot.domain.team_facts import (
    INBOUND_SOURCES,
    NEW_LEAD_DAYS,
    OUTCOMES,
    TREND_WEEKS,
    Close,
    CongestionFacts,
    ManagerWindow,
    Move,
    NewLead,
    OpenLead,
    RepFacts,
    ReportFacts,
    SinkCount,
    TouchCount,
    UnqualifiedLead,
    WeekCount,
    WonAmount,
)
from bot.domain.team_rules import TeamRules
from bot.models import Lead, LeadEvent, Rep, StageChange, Touchpoint, UTCDateTime
from bot.services.fast_rows import FastColumns, raw_rows
from bot.services.roster import Roster

OPEN = "open"
NOTE = "note"
SNOOZED_EVENT = "snoozed"
ASSIGNED_EVENT = "assigned"


def _category() -> ColumnElement[str]:
    """The lost category in SQL, with the reason's implied one for losses stored without a category."""
    implied = case(
        (func.lower(Lead.lost_reason).like(f"%{UNQUALIFIED}%"), UNQUALIFIED), else_="other"
    )
    return case((Lead.lost_category.in_(LOST_CATEGORIES), Lead.lost_category), else_=implied)


def _time_sink_lead() -> ColumnElement[bool]:
    """Lost as unqualified, or open with a qualification verdict of weak fit (METRICS §1.5)."""
    return or_(
        and_(Lead.status == "lost", _category() == UNQUALIFIED),
        and_(Lead.status == OPEN, Lead.qualification_verdict == WEAK),
    )


def _week(column: ColumnElement[datetime], window: ManagerWindow) -> ColumnElement[int]:
    """0 for the report week, 1–4 for the weeks before, as a SQL expression over an instant column."""
    return case(
        *((column >= window.mondays[week + 1], week) for week in range(TREND_WEEKS)),
        else_=TREND_WEEKS,
    )


def read_reps(session: Session, *, roster: Roster | None = None) -> tuple[RepFacts, ...]:
    """Everyone in the reps table with when they first owned a lead, whether they are on the team's
    roster (everyone is, without one) and when they are back from being away."""
    first = (
        select(Lead.owner_id, func.min(Lead.created_at).label("first"))
        .group_by(Lead.owner_id)
        .subquery()
    )
    on_roster = (roster.team_condition() if roster is not None else true()).label("on_roster")
    rows = session.execute(
        select(Rep.id, Rep.name, Rep.role, Rep.is_active, Rep.tz, first.c.first, Rep.created_at,
               Rep.quota, on_roster, Rep.away_until)
        .outerjoin(first, first.c.owner_id == Rep.id)
        .order_by(Rep.id)
    )  # fmt: skip
    return tuple(
        RepFacts(
            id=rep_id,
            name=name,
            role=role,
            is_active=bool(active),
            on_roster=bool(listed),
            tz=tz,
            away_until=away,
            first_owned_at=first_owned,
            joined_at=joined,
            quota=quota,
        )  # fmt: skip
        for rep_id, name, role, active, tz, first_owned, joined, quota, listed, away in rows
    )


def _owned_by(owner: str | None) -> tuple[ColumnElement[bool], ...]:
    """The condition that keeps one owner's leads, or none for the whole team."""
    return () if owner is None else (Lead.owner_id == owner,)


def read_open_leads(session: Session, *, owner: str | None = None) -> tuple[OpenLead, ...]:
    """Every open lead (of `owner`, when given) as a tuple, in id order."""
    fast = FastColumns(session)
    rows = raw_rows(
        session,
        select(Lead.id, Lead.company, Lead.owner_id, Lead.stage, fast.money(Lead.value),
               Lead.currency, fast.instant(Lead.created_at), fast.instant(Lead.stage_changed_at),
               fast.instant(Lead.last_touch_at), fast.day(Lead.next_follow_up),
               fast.day(Lead.snoozed_until), fast.day(Lead.expected_close))
        .where(Lead.status == OPEN, *_owned_by(owner))
        .order_by(Lead.id),
    )  # fmt: skip
    new = tuple.__new__
    if not fast.sqlite:
        return tuple(new(OpenLead, row) for row in rows)
    # The hot loop of the largest read, spelled out: SQLite's UTC text gets its offset here.
    money, parse, day, utc = fast.to_money, datetime.fromisoformat, date.fromisoformat, "+00:00"
    return tuple(
        new(OpenLead, (lead_id, company, owner, stage, money(value), currency, parse(created + utc),
                       parse(moved + utc), parse(touched + utc) if touched else None,
                       day(follow_up) if follow_up else None, day(snoozed) if snoozed else None,
                       day(close) if close else None))
        for lead_id, company, owner, stage, value, currency, created, moved, touched, follow_up,
        snoozed, close in rows
    )  # fmt: skip


def read_won_this_period(
    session: Session, *, window: ManagerWindow, owner: str | None = None
) -> tuple[WonAmount, ...]:
    """What each owner (or `owner`) won since the quota period began, per currency, from the win events."""
    rows = session.execute(
        select(Lead.owner_id, Lead.currency, func.coalesce(func.sum(Lead.value), 0),
               func.count(Lead.value))
        .join(StageChange, StageChange.lead_id == Lead.id)
        .where(StageChange.to_stage == "won", StageChange.changed_at >= window.period_start,
               StageChange.changed_at < window.now, Lead.status == "won", *_owned_by(owner))
        .group_by(Lead.owner_id, Lead.currency)
    )  # fmt: skip
    return tuple(WonAmount(owner, currency, value, count) for owner, currency, value, count in rows)


def read_congestion_facts(
    session: Session, *, window: ManagerWindow, roster: Roster | None = None
) -> CongestionFacts:
    """The facts behind the daily congestion alerts, in six statements."""
    with collection_paused():
        return _congestion_facts(session, window=window, roster=roster)


def _congestion_facts(
    session: Session, *, window: ManagerWindow, roster: Roster | None
) -> CongestionFacts:
    since_new = window.now - timedelta(days=NEW_LEAD_DAYS)
    new = session.execute(
        select(Lead.owner_id, func.count())
        .where(Lead.created_at >= since_new)
        .group_by(Lead.owner_id)
    )
    return CongestionFacts(
        window=window,
        reps=read_reps(session, roster=roster),
        open_leads=read_open_leads(session),
        new_leads_14d={owner: int(count) for owner, count in new},
        won_this_period=read_won_this_period(session, window=window),
        sink_touches=_sink_touches(session, window=window),
        unqualified=_unqualified(session, window=window),
    )


def _sink_touches(session: Session, *, window: ManagerWindow) -> tuple[SinkCount, ...]:
    on_sink = case((_time_sink_lead(), 1), else_=0).label("on_sink")
    rows = session.execute(
        select(Touchpoint.author_id, Touchpoint.kind, on_sink, func.count())
        .join(Lead, Lead.id == Touchpoint.lead_id)
        .where(Touchpoint.occurred_at >= window.sink_since, Touchpoint.occurred_at < window.now,
               Touchpoint.kind != NOTE)
        .group_by(Touchpoint.author_id, Touchpoint.kind, on_sink)
    )  # fmt: skip
    return tuple(SinkCount(a, k, bool(s), int(n)) for a, k, s, n in rows)


def _unqualified(session: Session, *, window: ManagerWindow) -> tuple[UnqualifiedLead, ...]:
    touches = (
        select(func.count())
        .where(Touchpoint.lead_id == Lead.id, Touchpoint.kind != NOTE,
               Touchpoint.occurred_at <= StageChange.changed_at)
        .correlate(Lead, StageChange)
        .scalar_subquery()
    )  # fmt: skip
    rows = session.execute(
        select(Lead.id, Lead.owner_id, Lead.created_at, StageChange.changed_at, touches)
        .join(StageChange, StageChange.lead_id == Lead.id)
        .where(StageChange.to_stage == "lost", StageChange.changed_at >= window.sink_since,
               Lead.status == "lost", _category() == UNQUALIFIED)
    )  # fmt: skip
    return tuple(UnqualifiedLead(*row[:4], int(row[4])) for row in rows)


def read_report_facts(
    session: Session,
    *,
    window: ManagerWindow,
    rules: TeamRules,
    owner: str | None = None,
    roster: Roster | None = None,
) -> ReportFacts:
    """The facts behind the weekly report, in nine statements: the team's, or one owner's own week.

    For `owner`, the pipeline and outcomes are those of the leads they own now and the activity
    is their own (touches they wrote, snoozes they made); they are the only rep, so the quota,
    early-stage leads per rep and the history's start are theirs.
    """
    with collection_paused():
        return _report_facts(session, window=window, rules=rules, owner=owner, roster=roster)


def _report_facts(
    session: Session,
    *,
    window: ManagerWindow,
    rules: TeamRules,
    owner: str | None,
    roster: Roster | None,
) -> ReportFacts:
    reps = tuple(
        rep for rep in read_reps(session, roster=roster) if owner is None or rep.id == owner
    )
    starts = [rep.first_owned_at for rep in reps if rep.first_owned_at is not None]
    return ReportFacts(
        window=window,
        reps=reps,
        open_leads=read_open_leads(session, owner=owner),
        moves=_moves(session, window=window, owner=owner),
        closes=_closes(session, window=window, owner=owner),
        new_leads=_new_leads(session, window=window, owner=owner),
        touches=_touch_counts(session, window=window, author=owner),
        snoozes=_snoozes(session, window=window, actor=owner),
        last_touches=_last_touches(session, window=window, rules=rules, owner=owner),
        won_this_period=read_won_this_period(session, window=window, owner=owner),
        history_start=min(starts, default=None),
    )


def _moves(session: Session, *, window: ManagerWindow, owner: str | None) -> tuple[Move, ...]:
    """Every move of each lead that moved since `history_since`, grouped by lead, oldest first."""
    fast = FastColumns(session)
    moved_lately = select(StageChange.lead_id).where(StageChange.changed_at >= window.history_since)
    if owner is not None:
        moved_lately = moved_lately.join(Lead, Lead.id == StageChange.lead_id).where(
            Lead.owner_id == owner
        )
    rows = raw_rows(
        session,
        select(StageChange.lead_id, StageChange.from_stage, StageChange.to_stage,
               fast.instant(StageChange.changed_at))
        .where(StageChange.lead_id.in_(moved_lately), StageChange.changed_at <= window.now)
        .order_by(StageChange.lead_id, StageChange.changed_at, StageChange.id),
    )  # fmt: skip
    instant, new = fast.to_instant, tuple.__new__
    return tuple(
        new(Move, (lead, source, target, instant(at))) for lead, source, target, at in rows
    )


def _closes(session: Session, *, window: ManagerWindow, owner: str | None) -> tuple[Close, ...]:
    fast = FastColumns(session)
    rows = raw_rows(
        session,
        select(StageChange.lead_id, Lead.owner_id, StageChange.to_stage,
               fast.instant(StageChange.changed_at), StageChange.from_stage, Lead.lost_category,
               Lead.lost_reason, fast.money(Lead.value), Lead.currency,
               fast.instant(Lead.created_at))
        .join(Lead, Lead.id == StageChange.lead_id)
        .where(StageChange.to_stage.in_(OUTCOMES), StageChange.changed_at >= window.history_since,
               StageChange.changed_at <= window.now, Lead.status == StageChange.to_stage,
               *_owned_by(owner)),
    )  # fmt: skip
    instant, money = fast.to_instant, fast.to_money
    return tuple(
        Close(lead_id, owner, outcome, instant(at), source,
              lost_category(category, reason) if outcome == "lost" else None, money(value),
              currency, instant(created))
        for lead_id, owner, outcome, at, source, category, reason, value, currency, created in rows
    )  # fmt: skip


def _new_leads(
    session: Session, *, window: ManagerWindow, owner: str | None
) -> tuple[NewLead, ...]:
    fast = FastColumns(session)
    first_contact = (
        select(func.min(fast.instant(Touchpoint.occurred_at)))
        .where(Touchpoint.lead_id == Lead.id, Touchpoint.kind != NOTE)
        .correlate(Lead)
        .scalar_subquery()
    )
    assigned = aliased(LeadEvent)
    given_away = exists().where(
        assigned.lead_id == Lead.id, assigned.kind == ASSIGNED_EVENT, assigned.at == Lead.created_at
    )
    inbound = or_(func.lower(func.coalesce(Lead.source, "")).in_(INBOUND_SOURCES), given_away)
    rows = raw_rows(
        session,
        select(Lead.id, Lead.owner_id, fast.instant(Lead.created_at), case((inbound, 1), else_=0),
               first_contact)
        .where(Lead.created_at >= window.new_since, Lead.created_at < window.now,
               *_owned_by(owner)),
    )  # fmt: skip
    instant = fast.to_instant
    return tuple(NewLead(i, o, instant(c), bool(b), instant(f)) for i, o, c, b, f in rows)


def _touch_counts(
    session: Session, *, window: ManagerWindow, author: str | None
) -> tuple[TouchCount, ...]:
    week = _week(Touchpoint.occurred_at, window).label("week")
    written_by = () if author is None else (Touchpoint.author_id == author,)
    rows = session.execute(
        select(Touchpoint.author_id, Touchpoint.kind, week, func.count())
        .where(Touchpoint.occurred_at >= window.mondays[TREND_WEEKS + 1],
               Touchpoint.occurred_at < window.mondays[0], *written_by)
        .group_by(Touchpoint.author_id, Touchpoint.kind, week)
    )  # fmt: skip
    return tuple(TouchCount(a, k, int(w), int(n)) for a, k, w, n in rows)


def _snoozes(
    session: Session, *, window: ManagerWindow, actor: str | None
) -> tuple[WeekCount, ...]:
    week = _week(LeadEvent.at, window).label("week")
    person = func.coalesce(LeadEvent.actor_id, "").label("person")
    made_by = () if actor is None else (LeadEvent.actor_id == actor,)
    rows = session.execute(
        select(person, week, func.count())
        .where(LeadEvent.kind == SNOOZED_EVENT, LeadEvent.at >= window.mondays[TREND_WEEKS + 1],
               LeadEvent.at < window.mondays[0], *made_by)
        .group_by(person, week)
    )  # fmt: skip
    return tuple(WeekCount(who, int(w), int(n)) for who, w, n in rows)


def _stuck_all_along(window: ManagerWindow, rules: TeamRules) -> ColumnElement[bool]:
    """An open lead unmoved since before the first trend Monday and already stuck on it.

    Such a lead is at risk on every Monday of the trend whatever its touches, so they need not be read.
    """
    first = window.mondays[TREND_WEEKS]
    deadline = case(
        *(
            (Lead.stage == stage.key, first - timedelta(days=stage.stuck_days))
            for stage in rules.stages
        ),
        else_=first - timedelta(days=rules.stages[0].stuck_days),
    )
    return and_(Lead.status == OPEN, Lead.stage_changed_at <= type_coerce(deadline, UTCDateTime()))


def _last_touches(
    session: Session, *, window: ManagerWindow, rules: TeamRules, owner: str | None
) -> dict[int, tuple[datetime | None, ...]]:
    """Per lead touched since `touches_since` (and not stuck all along), its last touch before each of mondays[0..4]."""
    fast = FastColumns(session)
    columns = [
        func.max(case((Touchpoint.occurred_at < monday, fast.instant(Touchpoint.occurred_at))))
        for monday in window.mondays[: TREND_WEEKS + 1]
    ]
    wanted = select(Lead.id).where(
        ~_stuck_all_along(window, rules),
        or_(Lead.status == OPEN, Lead.closed_at >= window.touches_since),
        *_owned_by(owner),
    )
    rows = raw_rows(
        session,
        select(Touchpoint.lead_id, *columns)
        .where(Touchpoint.occurred_at >= window.touches_since,
               Touchpoint.occurred_at < window.mondays[0], Touchpoint.lead_id.in_(wanted))
        .group_by(Touchpoint.lead_id),
    )  # fmt: skip
    instant = fast.to_instant
    return {row[0]: tuple(instant(at) for at in row[1:]) for row in rows}
