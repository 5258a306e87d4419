"""weekly-report: Mondays 09:00 team time, the last week's report and its chart in the managers' channel.

Run at any other moment (`pipebot jobs run weekly-report --at …`) it reports the last complete
week before that moment; either way a week's report is queued once, under its key. It posts
nothing on a team holiday: the scheduler ticks on the working days after Monday too, so a week
whose Monday is a holiday gets its report on the next working day.
"""

from __future__ import annotations

import logging
from datetime import datetime, time
from typing import TYPE_CHECKING

from bot.domain.team_facts import ManagerWindow
from bot.flows.reports import Post, post_weekly_report
from bot.services.outbox import PRIORITY_DIGEST
from bot.slack.messages.report import WEEKLY_FOOTER
from jobs.spec import JobSpec, TeamTime

if TYPE_CHECKING:
    from bot.deps import Deps

JOB_ID = "weekly-report"
logger = logging.getLogger("pipebot.jobs")


def report_key(window: ManagerWindow) -> str:
    """The key of a week's report: the team-local date of the Monday the week began."""
    return f"{JOB_ID}:{window.week_start.astimezone(window.zone).date().isoformat()}"


def run(deps: Deps, now: datetime) -> int:
    """Queue the last complete week's report and one chart per reporting currency, once per week."""
    channel = deps.config.managers_channel
    if channel is None:
        logger.info("%s: not posted: no managers channel is configured", JOB_ID)
        return 0
    window = ManagerWindow.at(now, zone=deps.team_zone, rules=deps.pipeline.team_rules)
    if window.today in deps.pipeline.team_holidays:
        logger.info(
            "%s: %s is a team holiday; the report waits for the next working day",
            JOB_ID,
            window.today,
        )
        return 0
    post = Post(report_key(window), JOB_ID, channel, PRIORITY_DIGEST, WEEKLY_FOOTER)
    return post_weekly_report(deps, post, now=now)


JOB = JobSpec(
    JOB_ID,
    TeamTime(time(9, 0), weekday="mon", or_later=True),
    "managers' channel: the week's report, its recommendation and a funnel chart",
    run,
)
