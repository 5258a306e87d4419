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


JOBS: tuple[JobSpec, ...] = (
    _spec("morning-plan", "08:30 rep-local on working days (until 12:00 if late)", "each rep's plan for the day"),
    _spec("overdue-followups", "14:00 rep-local on working days", "overdue follow-ups not yet acted on"),
    _spec("stale-nudges", "10:00 rep-local on working days", "leads past their stale or stuck clock"),
    _spec("speed-to-lead", "every 15 minutes", "new leads waiting for a first touch"),
    _spec("congestion-alerts", "09:00 team time on working days", "managers' channel: where the pipeline is congested"),
    _spec("pipeline-cleanup", "Fridays 15:00 rep-local", "leads past the touch cadence: last chance, archive or keep"),
    _spec("weekly-report", "Mondays 09:00 team time", "managers' channel: funnel chart and the week's numbers"),
)


def job_by_id(job_id: str) -> JobSpec | None:
    return next((job for job in JOBS if job.id == job_id), None)
