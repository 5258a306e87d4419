"""Keep every rep's name and timezone fresh from Slack, at least daily, even if they never type."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.deps import Deps
from bot.services import reps
from bot.slack.profiles import fetch_profile
from jobs.spec import Every, JobSpec

JOB_ID = "refresh-profiles"
# users.info is Tier 4 (100+ a minute); a tick every 30 minutes takes a small share of that.
BATCH = 40

logger = logging.getLogger(__name__)


def run(deps: Deps, now: datetime) -> int:
    """Refresh up to BATCH stale profiles; returns how many messages it queued (none: it only reads Slack)."""
    if deps.slack is None:
        return 0
    with deps.session_factory() as session:
        due = reps.reps_due_for_refresh(session, now=now, limit=BATCH)
    refreshed = 0
    for user_id in due:
        profile = fetch_profile(deps.slack, user_id=user_id)
        if profile is None:
            continue
        with deps.session_factory.begin() as session:
            if profile.active:
                reps.update_profile(
                    session, user_id=user_id, name=profile.name, tz=profile.tz, now=now
                )
            else:
                reps.deactivate(session, user_id=user_id, now=now)
        refreshed += 1
    if refreshed:
        logger.info("refreshed %d rep profiles", refreshed)
    return 0


JOB = JobSpec(JOB_ID, Every(30, second=50, offset=5), "names and timezones from Slack", run)
