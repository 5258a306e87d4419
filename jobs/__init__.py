"""Scheduled jobs, declared in one place: each module ends with its `JOB = JobSpec(...)`."""

from __future__ import annotations

from jobs import (
    congestion_alerts,
    morning_plan,
    overdue_followups,
    owed_replies,
    pipeline_cleanup,
    refresh_profiles,
    refresh_roster,
    speed_to_lead,
    stale_nudges,
    weekly_report,
)
from jobs.spec import JobSpec

__all__ = ["JOBS", "MAINTENANCE", "JobSpec", "job_by_id"]

# In the order `pipebot jobs list` shows them.
JOBS: tuple[JobSpec, ...] = (
    morning_plan.JOB,
    overdue_followups.JOB,
    stale_nudges.JOB,
    speed_to_lead.JOB,
    congestion_alerts.JOB,
    pipeline_cleanup.JOB,
    weekly_report.JOB,
)

# Housekeeping the scheduler runs but `pipebot jobs list` does not show: it sends nothing.
MAINTENANCE: tuple[JobSpec, ...] = (refresh_profiles.JOB, refresh_roster.JOB, owed_replies.JOB)


def job_by_id(job_id: str) -> JobSpec | None:
    return next((job for job in JOBS if job.id == job_id), None)
