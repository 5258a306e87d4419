"""Readiness: which part is blamed, and when a heartbeat or a tick counts as stale."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.scheduler import build_scheduler, next_fire_times
from bot.watch import (
    SCHEDULER_STALE_SECONDS,
    SENDER_STALE_SECONDS,
    Heartbeat,
    SlackAccess,
    Watch,
    readiness,
)
from jobs import JOBS, MAINTENANCE


class Ticking:
    """A monotonic clock moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_fresh_process_is_ready_and_lists_every_check() -> None:
    watch = Watch(sender=Heartbeat(), scheduler=Heartbeat())
    ready = readiness(watch, database_answers=True)
    assert ready.ready and ready.status == "ok"
    assert ready.checks == {"database": "ok", "slack": "ok", "sender": "ok", "scheduler": "ok"}


def test_parts_that_do_not_run_are_not_checked() -> None:
    assert readiness(Watch(), database_answers=True).checks == {"database": "ok", "slack": "ok"}


def test_a_silent_sender_or_scheduler_makes_the_process_not_ready() -> None:
    clock = Ticking()
    sender, scheduler = Heartbeat(clock), Heartbeat(clock)
    watch = Watch(sender=sender, scheduler=scheduler)
    clock.now += SENDER_STALE_SECONDS + 1
    scheduler.beat()
    ready = readiness(watch, database_answers=True)
    assert not ready.ready and ready.status == "sender thread silent for 61s"
    sender.beat()
    clock.now += SCHEDULER_STALE_SECONDS - 1
    sender.beat()
    assert readiness(watch, database_answers=True).ready
    clock.now += 2
    assert readiness(watch, database_answers=True).checks["scheduler"] == (
        "scheduler has not ticked for 301s"
    )


def test_the_database_is_blamed_first_then_slack_access() -> None:
    watch = Watch(sender=Heartbeat())
    watch.slack.close("the bot token was revoked (tokens_revoked); sending paused")
    ready = readiness(watch, database_answers=False)
    assert ready.status == "database unavailable"  # what /healthz has always said
    assert ready.checks["slack"].startswith("the bot token was revoked")
    assert readiness(watch, database_answers=True).status.startswith("the bot token was revoked")


def test_slack_access_closes_once_and_keeps_its_first_reason() -> None:
    access = SlackAccess()
    assert access.close("first") and not access.close("second")
    assert access.closed_because == "first" and access.is_closed


def test_some_job_ticks_well_within_the_scheduler_stale_window() -> None:
    """Readiness expects a tick every few minutes; the rep-local jobs give one every minute."""
    after = datetime(2026, 11, 28, 0, 0, tzinfo=UTC)  # a Saturday: weekends must tick too
    times = sorted(
        moment
        for spec in (*JOBS, *MAINTENANCE)
        for moment in next_fire_times(spec.id, after=after, count=60 * 24, team_zone=ZoneInfo("UTC"),
                                      working_days=("mon", "tue", "wed", "thu", "fri"))
        if moment < after + timedelta(hours=23)
    )  # fmt: skip
    gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    assert max(gaps) <= timedelta(seconds=SCHEDULER_STALE_SECONDS / 3)


def test_the_scheduler_beats_its_heartbeat_on_each_tick(deps, monkeypatch) -> None:
    monkeypatch.setattr("bot.scheduler.JOBS", ())
    monkeypatch.setattr("bot.scheduler.MAINTENANCE", ())
    clock = Ticking()
    heartbeat = Heartbeat(clock)
    scheduler = build_scheduler(deps, heartbeat=heartbeat)
    clock.now += 120
    scheduler.add_job(lambda: None, next_run_time=datetime.now(UTC), id="now")
    scheduler.start()
    try:
        deadline = time.monotonic() + 10
        while heartbeat.age() > 0 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        scheduler.shutdown(wait=True)
    assert heartbeat.age() == 0
