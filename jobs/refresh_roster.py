"""Keep the roster current: the reps listed in pipeline.toml get records, the user group's members are read from Slack."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.deps import Deps
from bot.services.roster import Roster, record_group_members, record_listed_reps
from bot.slack.profiles import fetch_group_members
from jobs.spec import Every, JobSpec

JOB_ID = "refresh-roster"

logger = logging.getLogger(__name__)


def run(deps: Deps, now: datetime) -> int:
    """Record the listed reps and the user group's members as Slack has them now; sends nothing."""
    roster = Roster.of(deps.config)
    if not roster.configured:
        return 0
    with deps.session_factory.begin() as session:
        record_listed_reps(session, roster=roster, now=now)
    usergroup = deps.pipeline.team.reps_usergroup
    if not usergroup or deps.slack is None:
        return 0
    members = fetch_group_members(deps.slack, usergroup_id=usergroup)
    if members is None:  # Slack could not say: keep the roster as it was last read
        return 0
    with deps.session_factory.begin() as session:
        joined, left = record_group_members(session, member_ids=members, now=now)
    if joined or left:
        logger.info(
            "roster: %d joined and %d left the reps' user group %s", joined, left, usergroup
        )
    return 0


JOB = JobSpec(JOB_ID, Every(10, second=20, offset=3), "the reps' roster from Slack", run)
