"""The scheduler's shape and schedule, checked without starting its thread."""

from __future__ import annotations

from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.jobstores.memory import MemoryJobStore

from bot.scheduler import JOB_DEFAULTS, build_scheduler, next_fire_times
from bot.services.outbox import enqueue, wake_after_commit
from bot.slack.kit import SlackMessage
from jobs import JOBS, JobSpec
from jobs.spec import Every
from tests.jobs.factories import utc

NY = ZoneInfo("America/New_York")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
REP_JOBS = (
    "morning-plan",
    "overdue-followups",
    "stale-nudges",
    "speed-to-lead",
    "pipeline-cleanup",
)


def fires(job_id: str, after: str, count: int = 3) -> list[str]:
    times = next_fire_times(
        job_id, after=utc(after), count=count, team_zone=NY, working_days=WEEKDAYS
    )
    return [moment.strftime("%a %Y-%m-%d %H:%M:%S") for moment in times]


def test_every_rep_job_is_built_and_scheduled_with_safe_defaults(deps):
    scheduler = build_scheduler(deps)
    assert not scheduler.running
    scheduled = {job.id for job in scheduler.get_jobs()}
    assert set(REP_JOBS) <= scheduled
    assert all(spec.run is not None for spec in JOBS if spec.id in REP_JOBS)
    assert isinstance(scheduler._lookup_jobstore("default"), MemoryJobStore)
    for job in scheduler.get_jobs():
        assert job.coalesce is True
        assert job.max_instances == 1
        assert job.misfire_grace_time == 300
    assert JOB_DEFAULTS == {"coalesce": True, "max_instances": 1, "misfire_grace_time": 300}


def test_rep_local_jobs_tick_every_minute_in_utc():
    assert fires("morning-plan", "2026-03-08T06:58:30") == [
        "Sun 2026-03-08 06:59:00",
        "Sun 2026-03-08 07:00:00",
        "Sun 2026-03-08 07:01:00",
    ]
    assert fires("stale-nudges", "2026-11-01T05:59:59", 2) == [
        "Sun 2026-11-01 06:00:10",
        "Sun 2026-11-01 06:01:10",
    ]


def test_speed_to_lead_runs_every_quarter_hour_around_the_clock():
    assert fires("speed-to-lead", "2026-11-27T23:50:00", 4) == [
        "Sat 2026-11-28 00:00:40",
        "Sat 2026-11-28 00:15:40",
        "Sat 2026-11-28 00:30:40",
        "Sat 2026-11-28 00:45:40",
    ]


def test_team_time_jobs_follow_the_team_zone_across_dst_and_weekends():
    # 09:00 New York: 14:00 UTC before spring-forward, 13:00 after; nothing on the weekend.
    assert fires("congestion-alerts", "2026-03-06T12:00:00") == [
        "Fri 2026-03-06 14:00:00",
        "Mon 2026-03-09 13:00:00",
        "Tue 2026-03-10 13:00:00",
    ]
    # Every working day: the report itself goes out once a week, Monday unless it is a holiday.
    assert fires("weekly-report", "2026-10-30T00:00:00", 2) == [
        "Fri 2026-10-30 13:00:00",
        "Mon 2026-11-02 14:00:00",
    ]


def test_a_tick_runs_the_job_with_the_clock_and_wakes_the_sender(deps, clock, monkeypatch):
    calls: list[object] = []
    woken: list[bool] = []

    def fake_run(job_deps, now):
        calls.append(now)
        with job_deps.session_factory.begin() as session:
            enqueue(
                session,
                key="k",
                kind="test",
                recipient="UREP00001",
                message=SlackMessage("hi"),
                now=now,
            )
        return 1

    monkeypatch.setattr(
        "bot.scheduler.JOBS", (JobSpec("morning-plan", Every(15, second=0), "", fake_run),)
    )

    monkeypatch.setattr("bot.scheduler.MAINTENANCE", ())
    wake_after_commit(deps.session_factory, lambda: woken.append(True))
    scheduler = build_scheduler(deps)
    [job] = scheduler.get_jobs()
    clock.set(utc("2026-11-30T13:30:00"))
    job.func()
    assert calls == [utc("2026-11-30T13:30:00")] and woken == [True]


def test_a_failing_tick_logs_its_traceback_at_error_and_does_not_raise(deps, monkeypatch, caplog):
    def broken(job_deps, now):
        raise RuntimeError("boom")

    monkeypatch.setattr(
        "bot.scheduler.JOBS", (JobSpec("stale-nudges", Every(15, second=0), "", broken),)
    )

    monkeypatch.setattr("bot.scheduler.MAINTENANCE", ())
    [job] = build_scheduler(deps).get_jobs()
    job.func()
    [record] = [record for record in caplog.records if record.levelname == "ERROR"]
    assert "stale-nudges" in record.getMessage() and record.exc_info is not None
    assert "RuntimeError: boom" in caplog.text and "in broken" in caplog.text


@pytest.mark.parametrize("job_id", REP_JOBS)
def test_next_fire_times_are_strictly_increasing_utc(job_id):
    times = next_fire_times(
        job_id, after=utc("2026-11-01T05:00:00"), count=5, team_zone=NY, working_days=WEEKDAYS
    )
    assert len(times) == 5
    assert all(moment.tzinfo is UTC for moment in times)
    assert all(
        later - earlier >= timedelta(minutes=1)
        for earlier, later in zip(times, times[1:], strict=False)
    )
