"""speed-to-lead: every 15 minutes, new inbound leads still waiting for a first contact, on the team's working clock.

The window runs in the team's working hours (PIPEBOT_TIMEZONE, `team.working_hours`, the
working days), wherever the owner is. The owner's DM at half the window waits for the owner's
own working hours; the managers' post when it passes waits for the team's.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from bot.domain.rep_settings import is_away, muted_kinds
from bot.domain.schedule import is_working_time, parse_working_days, with_holidays, zone_for
from bot.domain.speed import (
    SpeedCheck,
    WorkingHours,
    alert_keys,
    check_speed_to_lead,
    managers_alert_key,
    owner_alert_key,
    window_of,
)
from bot.services.outbox import PRIORITY_ALERT
from bot.services.reps import RepChoice, assignable_reps
from bot.services.rhythm import (
    OwnedLead,
    RepRow,
    active_reps_by_id,
    existing_keys,
    untouched_open_leads,
)
from bot.services.roster import Roster
from bot.slack.messages.nudges import build_speed_managers_blocks, build_speed_owner_blocks
from jobs.common import Unit, message_unit, run_units
from jobs.spec import Every, JobSpec

if TYPE_CHECKING:
    from bot.deps import Deps

JOB_ID = "speed-to-lead"
BREACH_KIND = "speed-to-lead-breach"
logger = logging.getLogger("pipebot.jobs")


def lookback(deps: Deps, window: timedelta) -> timedelta:
    """How far back a lead can still be "new": long enough for the window to pass, plus a week's slack."""
    team = deps.pipeline.team
    per_day = datetime.combine(date.min, team.work_end) - datetime.combine(
        date.min, team.work_start
    )
    per_week = per_day * len(deps.pipeline.schedule.weekday_numbers)
    weeks = math.ceil(window / per_week) + 1
    return max(timedelta(days=14), timedelta(weeks=weeks))


def team_hours(deps: Deps) -> WorkingHours:
    """The team calendar the window runs on, and the managers' working hours."""
    team = deps.pipeline.team
    return WorkingHours(
        zone=deps.team_zone,
        working_days=deps.pipeline.schedule.weekday_numbers,
        start=team.work_start,
        end=team.work_end,
    )


def owner_hours(owned: OwnedLead, deps: Deps) -> WorkingHours:
    """When the owner is at their desk: their zone and working days (holidays off), the team's hours."""
    team = deps.pipeline.team
    days = parse_working_days(
        owned.owner.working_days, fallback=deps.pipeline.schedule.weekday_numbers
    )
    return WorkingHours(
        zone=zone_for(owned.owner.tz, fallback=deps.team_zone),
        working_days=with_holidays(days, deps.pipeline.holidays_for(owned.owner.id)),
        start=team.work_start,
        end=team.work_end,
    )


@dataclass(frozen=True)
class OwnerDm:
    """Where a lead's half-window DM goes: its owner, or who covers while they are away."""

    recipient: str
    hours: WorkingHours
    # The owner, when someone else gets the DM for them.
    covering_for: str | None = None
    away_until: date | None = None


def owner_dm(
    owned: OwnedLead, deps: Deps, *, now: datetime, delegate: RepRow | None
) -> OwnerDm | None:
    """Who hears about a lead at half its window, and when they are at their desk; None for nobody.

    An owner who left hears nothing; one who muted these DMs neither. While the owner is away,
    the delegate they named gets it (on the delegate's clock), else nobody.
    """
    if not owned.owner_active or JOB_ID in muted_kinds(owned.owner.muted):
        return None
    hours = owner_hours(owned, deps)
    if not is_away(owned.owner.away_until, now.astimezone(hours.zone).date()):
        return OwnerDm(owned.owner.id, hours)
    if delegate is None:
        return None
    stand_in = OwnedLead(owned.lead, delegate)
    return OwnerDm(delegate.id, owner_hours(stand_in, deps), owned.owner.id, owned.owner.away_until)


def _at_work(now: datetime, hours: WorkingHours) -> bool:
    return is_working_time(
        now,
        zone=hours.zone,
        working_days=hours.working_days,
        work_start=hours.start,
        work_end=hours.end,
    )


def _alerts(
    checks: list[tuple[SpeedCheck, OwnerDm | None]],
    *,
    sent: frozenset[str],
    channel: str | None,
    now: datetime,
    reps: Sequence[RepChoice],
    managers_at_work: bool,
) -> tuple[list[Unit], int]:
    """The owner DMs and managers' posts still to queue, and how many posts have no channel to go to."""
    units: list[Unit] = []
    unposted = 0
    for check, dm in checks:
        lead_id, owner_id = check.lead.id, check.lead.owner_id
        owner_key = owner_alert_key(lead_id, owner_id)
        managers_key = managers_alert_key(lead_id, owner_id)
        alert = partial(message_unit, f"lead {lead_id}", now=now, priority=PRIORITY_ALERT)
        # The owner (or who covers for them) hears at their desk; nobody when `dm` is None.
        if owner_key not in sent and dm is not None and _at_work(now, dm.hours):
            units.append(
                alert(
                    job_id=JOB_ID,
                    key=owner_key,
                    recipient=dm.recipient,
                    build=partial(
                        build_speed_owner_blocks,
                        check,
                        covering_for=dm.covering_for,
                        away_until=dm.away_until,
                        today=now.astimezone(dm.hours.zone).date(),
                    ),
                )
            )
        # Managers read their channel in working hours: a breach at night is posted in the morning.
        if check.breached and managers_key not in sent and managers_at_work:
            if channel is None:
                unposted += 1
            else:
                units.append(
                    alert(
                        job_id=BREACH_KIND,
                        key=managers_key,
                        recipient=channel,
                        build=partial(build_speed_managers_blocks, check, now=now, reps=reps),
                    )
                )
    return units, unposted


def run(deps: Deps, now: datetime) -> int:
    """Queue the owner's half-window DM and the managers' breach post for each waiting lead, once each."""
    window = window_of(deps.pipeline.team.speed_to_lead_hours)
    roster = Roster.of(deps.config)
    with deps.session_factory.begin() as session:
        waiting = untouched_open_leads(session, created_since=now - lookback(deps, window))
        team = team_hours(deps)
        checks: list[tuple[SpeedCheck, OwnerDm | None]] = []
        delegates = active_reps_by_id(
            session, user_ids={o.owner.away_delegate for o in waiting if o.owner.away_delegate}
        )
        for owned in waiting:
            check = check_speed_to_lead(
                owned.lead, now=now, hours=team, window=window, since=owned.assigned_at
            )
            if check is not None and check.half_due:
                delegate = delegates.get(owned.owner.away_delegate or "")
                checks.append((check, owner_dm(owned, deps, now=now, delegate=delegate)))
        if not checks:
            return 0
        keys = [
            key for check, _ in checks for key in alert_keys(check.lead.id, check.lead.owner_id)
        ]
        sent = existing_keys(session, keys=keys)
        today = now.astimezone(deps.team_zone).date()
        reps = (
            assignable_reps(session, on_roster=roster.rep_condition(), today=today)
            if any(check.breached for check, _ in checks)
            else []
        )
    units, unposted = _alerts(
        checks,
        sent=sent,
        channel=deps.config.managers_channel,
        now=now,
        reps=reps,
        managers_at_work=_at_work(now, team),
    )
    if unposted:
        logger.info(
            "%s: %d missed window(s) not posted: no managers channel is configured",
            JOB_ID,
            unposted,
        )
    return run_units(deps, units, job_id=JOB_ID)


JOB = JobSpec(JOB_ID, Every(15, second=40), "new inbound leads waiting for a first contact", run)
