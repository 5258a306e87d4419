"""A job's reads do not grow with the number of reps: the same SELECTs for 3 reps and for 30."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

import pytest

from jobs import morning_plan, overdue_followups, pipeline_cleanup, speed_to_lead, stale_nudges
from tests.jobs.factories import add_lead, add_rep, add_touches, days, utc
from tests.seeding import StatementCounter

MON_0830 = utc("2026-11-30T13:30:00")
MON_0900 = utc("2026-11-30T14:00:00")
MON_1000 = utc("2026-11-30T15:00:00")
MON_1400 = utc("2026-11-30T19:00:00")
FRI_1500 = utc("2026-12-04T20:00:00")


@dataclass(frozen=True)
class Counts:
    selects: int
    writes: int
    queued: int


def seed(session, rep_id: str) -> None:
    """Every kind of lead each job looks for, for one rep."""
    add_rep(session, rep_id)
    old = MON_0830 - days(40)
    add_lead(session, owner=rep_id, created_at=old, next_follow_up=date(2026, 11, 25))
    add_lead(
        session, owner=rep_id, created_at=old, next_follow_up=date(2026, 11, 30), last_touch_at=old
    )
    # Seven unanswered calls and no move since: stale, and past the cleanup's cadence.
    tried = add_lead(session, owner=rep_id, created_at=old, stage="qualification")
    add_touches(session, tried, at=[old + days(n) for n in range(1, 8)])
    # A web lead waiting for its first contact: speed to lead.
    add_lead(session, owner=rep_id, created_at=MON_0900, inbound=True)


def measure(
    deps,
    engine,
    reps: int,
    job: Callable[..., int],
    now: datetime,
    before: list[tuple[Callable[..., int], datetime]],
) -> Counts:
    with deps.session_factory.begin() as session:
        for index in range(reps):
            seed(session, f"U{reps:02d}REP{index:03d}")
    for earlier, at in before:
        earlier(deps, at)
    with StatementCounter(engine) as counter:
        queued = job(deps, now)
    selects = counter.count("SELECT")
    return Counts(selects, len(counter.statements) - selects, queued)


CASES = {
    "morning-plan": (morning_plan.run, MON_0830, []),
    "overdue-followups": (overdue_followups.run, MON_1400, [(morning_plan.run, MON_0830)]),
    "stale-nudges": (stale_nudges.run, MON_1000, []),
    "speed-to-lead": (speed_to_lead.run, MON_1400, []),
    "pipeline-cleanup": (pipeline_cleanup.run, FRI_1500, []),
}


@pytest.mark.parametrize("job_id", list(CASES))
def test_reads_are_constant_in_the_number_of_reps(job_id, make_deps, engine, backend):
    from tests import support

    job, now, before = CASES[job_id]
    deps = make_deps()
    small = measure(deps, engine, 3, job, now, before)
    if backend == "postgresql":
        support.reset_postgres(engine)
    else:
        _empty_sqlite(engine)
    large = measure(deps, engine, 30, job, now, before)

    assert small.queued > 0 and large.queued > small.queued
    assert large.selects == small.selects, (small, large)
    # Writes are the messages themselves: the same few statements per queued message, plus a constant.
    per_message = (large.writes - small.writes) / (large.queued - small.queued)
    assert per_message == int(per_message) and per_message <= 3, (small, large)
    assert small.writes - per_message * small.queued == large.writes - per_message * large.queued
    print(f"{job_id} [{backend}]: 3 reps {small}, 30 reps {large}")


def _empty_sqlite(engine) -> None:
    from bot.models import Base

    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.mark.parametrize("job_id", ["morning-plan", "stale-nudges", "overdue-followups"])
def test_a_team_larger_than_a_read_batch_is_read_a_batch_at_a_time(
    job_id, make_deps, engine, monkeypatch
):
    from jobs import common

    job, now, before = CASES[job_id]
    deps = make_deps()
    whole = measure(deps, engine, 5, job, now, before)
    monkeypatch.setattr(common, "READ_BATCH", 2)
    with deps.session_factory.begin() as session:
        for index in range(5):
            seed(session, f"UBATCH{index:03d}")
    for earlier, at in before:
        earlier(deps, at)
    with StatementCounter(engine) as counter:
        queued = job(deps, now)
    # Each rep gets their message once; the reads run once per batch of two reps.
    assert queued == whole.queued
    assert counter.count("SELECT") > whole.selects
