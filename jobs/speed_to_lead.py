"""speed-to-lead: every 15 minutes, new leads still waiting for a first touch, on the owner's working clock."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from bot.domain.schedule import is_working_time, parse_working_days, zone_for
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
from bot.services.rhythm import OwnedLead, existing_keys, untouched_open_leads
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


def _hours(owned: OwnedLead, deps: Deps) -> WorkingHours:
    team = deps.pipeline.team
    return WorkingHours(
        zone=zone_for(owned.owner.tz, fallback=deps.team_zone),
        working_days=parse_working_days(
            owned.owner.working_days, fallback=deps.pipeline.schedule.weekday_numbers
        ),
        start=team.work_start,
        end=team.work_end,
    )


def _alerts(
    checks: list[tuple[SpeedCheck, WorkingHours]],
    *,
    sent: frozenset[str],
    channel: str | None,
    now: datetime,
    reps: Sequence[RepChoice],
) -> tuple[list[Unit], int]:
    """The owner DMs and managers' posts still to queue, and how many posts have no channel to go to."""
    units: list[Unit] = []
    unposted = 0
    for check, hours in checks:
        lead_id, owner_id = check.lead.id, check.lead.owner_id
        owner_key = owner_alert_key(lead_id, owner_id)
        managers_key = managers_alert_key(lead_id, owner_id)
        alert = partial(message_unit, f"lead {lead_id}", now=now, priority=PRIORITY_ALERT)
        # The owner hears at their desk: a DM crossing the half-window while the bot was down waits for working hours.
        if owner_key not in sent and is_working_time(
            now,
            zone=hours.zone,
            working_days=hours.working_days,
            work_start=hours.start,
            work_end=hours.end,
        ):
            units.append(
                alert(
                    job_id=JOB_ID,
                    key=owner_key,
                    recipient=check.lead.owner_id,
                    build=partial(build_speed_owner_blocks, check),
                )
            )
        if check.breached and managers_key not in sent:
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
    with deps.session_factory.begin() as session:
        waiting = untouched_open_leads(session, created_since=now - lookback(deps, window))
        checks: list[tuple[SpeedCheck, WorkingHours]] = []
        for owned in waiting:
            hours = _hours(owned, deps)
            check = check_speed_to_lead(
                owned.lead, now=now, hours=hours, window=window, since=owned.assigned_at
            )
            if check is not None and check.half_due:
                checks.append((check, hours))
        if not checks:
            return 0
        keys = [
            key for check, _ in checks for key in alert_keys(check.lead.id, check.lead.owner_id)
        ]
        sent = existing_keys(session, keys=keys)
        reps = assignable_reps(session) if any(check.breached for check, _ in checks) else []
    units, unposted = _alerts(
        checks, sent=sent, channel=deps.config.managers_channel, now=now, reps=reps
    )
    if unposted:
        logger.info(
            "%s: %d missed window(s) not posted: no managers channel is configured",
            JOB_ID,
            unposted,
        )
    return run_units(deps, units, job_id=JOB_ID)


JOB = JobSpec(JOB_ID, Every(15, second=40), "new leads waiting for a first touch", run)
