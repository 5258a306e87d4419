"""weekly-report: Mondays 09:00 team time, the funnel chart and the week's numbers."""

from __future__ import annotations

from datetime import time

from jobs.spec import JobSpec, TeamTime

JOB_ID = "weekly-report"

JOB = JobSpec(
    JOB_ID,
    TeamTime(time(9, 0), weekday="mon"),
    "managers' channel: funnel chart and the week's numbers",
)
