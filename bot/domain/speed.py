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
    lead: LeadFacts,
    *,
    now: datetime,
    hours: WorkingHours,
    window: timedelta,
    since: datetime | None = None,
) -> SpeedCheck | None:
    """The wait of a lead still awaiting its first touch; None once it has been touched.

    The wait runs from `since` (when its current owner got it, if after it came in), else from
    when the lead came in: handing a waiting lead to someone else restarts their window.
    """
    if not lead.awaiting_first_touch:
        return None
    waited = working_hours_between(
        max(since, lead.created_at) if since else lead.created_at,
        now,
        zone=hours.zone,
        working_days=hours.working_days,
        work_start=hours.start,
        work_end=hours.end,
    )
    return SpeedCheck(
        lead, waited, window, half_due=waited * 2 >= window, breached=waited >= window
    )


def owner_alert_key(lead_id: int, owner_id: str) -> str:
    """The outbox key of a lead's half-window DM to its owner (a new owner gets their own)."""
    return f"speed-to-lead:owner:{lead_id}:{owner_id}"


def managers_alert_key(lead_id: int, owner_id: str) -> str:
    """The outbox key of the managers'-channel post when an owner's window passes."""
    return f"speed-to-lead:managers:{lead_id}:{owner_id}"


def alert_keys(lead_id: int, owner_id: str) -> list[str]:
    """Both speed-to-lead keys of one lead and owner: what a touch or a handover withdraws."""
    return [owner_alert_key(lead_id, owner_id), managers_alert_key(lead_id, owner_id)]
