"""The in-process scheduler: each job on a UTC trigger in an in-memory store; the database remembers what was sent.

Rep-local jobs are short ticks that run every minute and find who is due (see `jobs/`), so a
process that starts late, or two replicas that both tick, still serve each rep exactly once:
the outbox's idempotency keys decide, not the scheduler.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from apscheduler.events import (
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    EVENT_JOB_SUBMITTED,
    JobEvent,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger

from bot.logs import log_context
from jobs import JOBS, MAINTENANCE, JobSpec

if TYPE_CHECKING:
    from bot.deps import Deps
    from bot.metrics import Metrics
    from bot.watch import Heartbeat

logger = logging.getLogger("pipebot.scheduler")

# APScheduler 3.x skips a run more than 1 s late by default; a busy or restarted process is later than that.
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 300}
WORKERS = 4


def trigger_for(
    job_id: str, *, team_zone: ZoneInfo, working_days: tuple[str, ...]
) -> BaseTrigger | None:
    """The trigger of a job by id, from its declared `when`; None for an unknown id."""
    spec = next((job for job in (*JOBS, *MAINTENANCE) if job.id == job_id), None)
    if spec is None:
        return None
    return spec.when.trigger(team_zone=team_zone, working_days=working_days)


def next_fire_times(
    job_id: str, *, after: datetime, count: int, team_zone: ZoneInfo, working_days: tuple[str, ...]
) -> list[datetime]:
    """The next `count` UTC fire times of a job after `after`, computed without starting a thread."""
    trigger = trigger_for(job_id, team_zone=team_zone, working_days=working_days)
    if trigger is None:
        return []
    times: list[datetime] = []
    previous: datetime | None = None
    moment = after + timedelta(microseconds=1)
    while len(times) < count:
        fire = trigger.get_next_fire_time(previous, moment)
        if fire is None:
            break
        times.append(fire.astimezone(UTC))
        previous, moment = fire, fire + timedelta(seconds=1)
    return times


def _tick(deps: Deps, spec: JobSpec, metrics: Metrics | None = None) -> Callable[[], None]:
    def tick() -> None:
        assert spec.run is not None
        started = time.perf_counter()
        ok = False
        with log_context(job_id=spec.id):
            try:
                spec.run(deps, deps.clock.now())
                ok = True
            except Exception:  # the next tick retries; the scheduler thread must live on
                # The traceback is safe to log: tokens are masked by the log filter, and the
                # engines hide SQL parameters from their error messages.
                logger.exception("job %s failed", spec.id)
            finally:
                if metrics is not None:
                    metrics.job_finished(spec.id, ok=ok, seconds=time.perf_counter() - started)

    return tick


# A tick: the scheduler's loop woke and handed a job on (or found it still running, or too late).
TICK_EVENTS = EVENT_JOB_SUBMITTED | EVENT_JOB_MAX_INSTANCES | EVENT_JOB_MISSED


def build_scheduler(
    deps: Deps, *, metrics: Metrics | None = None, heartbeat: Heartbeat | None = None
) -> BackgroundScheduler:
    """A scheduler (not started) with every built job; what they queue wakes the sender on commit.

    With `metrics`, each run's outcome and duration are recorded; with `heartbeat`, each tick.
    """
    scheduler = BackgroundScheduler(
        jobstores={"default": MemoryJobStore()},
        executors={"default": ThreadPoolExecutor(max_workers=WORKERS)},
        job_defaults=dict(JOB_DEFAULTS),
        timezone=UTC,
    )
    working_days = deps.pipeline.schedule.working_days
    for spec in (*JOBS, *MAINTENANCE):
        if spec.run is None:
            logger.info("job %s is not scheduled: it is not built yet", spec.id)
            continue
        trigger = spec.when.trigger(team_zone=deps.team_zone, working_days=working_days)
        # The defaults are repeated per job so they are visible on the job before `start()`.
        scheduler.add_job(
            _tick(deps, spec, metrics),
            trigger=trigger,
            id=spec.id,
            name=spec.id,
            replace_existing=True,
            **JOB_DEFAULTS,
        )
    if heartbeat is not None:

        def ticked(_event: JobEvent) -> None:
            heartbeat.beat()

        scheduler.add_listener(ticked, TICK_EVENTS)
    return scheduler
