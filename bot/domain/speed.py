"""Speed to lead: how long a new lead has waited for its first touch, in working hours. Pure."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.domain.rhythm import LeadFacts
from bot.domain.schedule import working_hours_between


@dataclass(frozen=True)
class WorkingHours:
    """Whose clock the wait runs on: the owner's zone, working days and hours."""

    zone: ZoneInfo
    working_days: Collection[int]
    start: time
    end: time


@dataclass(frozen=True)
class SpeedCheck:
    """A new lead's wait so far and which of the two alarms it has reached."""

    lead: LeadFacts
    waited: timedelta
    window: timedelta
    half_due: bool
    breached: bool


def window_of(hours: Decimal) -> timedelta:
    """The speed-to-lead window as a duration, to the second."""
    return timedelta(seconds=int(hours * 3600))


def check_speed_to_lead(
    lead: LeadFacts, *, now: datetime, hours: WorkingHours, window: timedelta
) -> SpeedCheck | None:
    """The wait of a lead still awaiting its first touch; None once it has been touched."""
    if not lead.awaiting_first_touch:
        return None
    waited = working_hours_between(
        lead.created_at,
        now,
        zone=hours.zone,
        working_days=hours.working_days,
        work_start=hours.start,
        work_end=hours.end,
    )
    return SpeedCheck(
        lead, waited, window, half_due=waited * 2 >= window, breached=waited >= window
    )


def owner_alert_key(lead_id: int) -> str:
    """The outbox key of a lead's half-window DM to its owner."""
    return f"speed-to-lead:owner:{lead_id}"


def managers_alert_key(lead_id: int) -> str:
    """The outbox key of a lead's managers'-channel post when the window passes."""
    return f"speed-to-lead:managers:{lead_id}"
