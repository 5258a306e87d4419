"""congestion-alerts: 09:00 team time on working days, where the pipeline is congested and why."""

from __future__ import annotations

from datetime import time

from jobs.spec import JobSpec, TeamTime

JOB_ID = "congestion-alerts"

JOB = JobSpec(JOB_ID, TeamTime(time(9, 0)), "managers' channel: where the pipeline is congested")
