"""Scheduled jobs, declared in one place: a stable id, a schedule, and a `run(deps, now)`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.deps import Deps

JobRun = Callable[["Deps", datetime], object]


@dataclass(frozen=True)
class JobSpec:
    """One job: its kebab-case id, when it runs, and what runs (None until it is built)."""

    id: str
    schedule: str
    summary: str
    run: JobRun | None = None


def _spec(job_id: str, schedule: str, summary: str) -> JobSpec:
    return JobSpec(job_id, schedule, summary)


# Imported here, after JobSpec exists, so `from jobs import JOBS` brings every built job.
from jobs import (  # noqa: E402
    morning_plan,
    overdue_followups,
    pipeline_cleanup,
    refresh_profiles,
    speed_to_lead,
    stale_nudges,
)

JOBS: tuple[JobSpec, ...] = (
    JobSpec(
        "morning-plan",
        "08:30 rep-local on working days (until 12:00 if late)",
        "each rep's plan for the day",
        morning_plan.run,
    ),
    JobSpec(
        "overdue-followups",
        "14:00 rep-local on working days (until 18:00 if late)",
        "overdue follow-ups not yet acted on",
        overdue_followups.run,
    ),
    JobSpec(
        "stale-nudges",
        "10:00 rep-local on working days (until 14:00 if late)",
        "leads past their stale or stuck clock",
        stale_nudges.run,
    ),
    JobSpec(
        "speed-to-lead",
        "every 15 minutes",
        "new leads waiting for a first touch",
        speed_to_lead.run,
    ),
    _spec(
        "congestion-alerts",
        "09:00 team time on working days",
        "managers' channel: where the pipeline is congested",
    ),
    JobSpec(
        "pipeline-cleanup",
        "Fridays 15:00 rep-local (until 19:00 if late)",
        "leads past the touch cadence: last chance, archive or keep",
        pipeline_cleanup.run,
    ),
    _spec(
        "weekly-report",
        "Mondays 09:00 team time",
        "managers' channel: funnel chart and the week's numbers",
    ),
)


# Housekeeping the scheduler runs but `pipebot jobs list` does not show: it sends nothing.
MAINTENANCE: tuple[JobSpec, ...] = (
    JobSpec(
        refresh_profiles.JOB_ID,
        "every 30 minutes",
        "names and timezones from Slack",
        refresh_profiles.run,
    ),
)


def job_by_id(job_id: str) -> JobSpec | None:
    return next((job for job in JOBS if job.id == job_id), None)
