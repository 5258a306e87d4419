"""Job ticks as the team grows: `morning-plan`, `stale-nudges` and `overdue-followups`, every rep due.

Each size is seeded with bulk Core inserts (not timed), then each job's tick runs in a fresh
child process of its own, so its peak memory is that process's peak resident set (`VmHWM`:
the interpreter and its imports included, the seeding not).
Besides wall seconds it reports the tick process's CPU seconds, which another load on the
machine moves less (on PostgreSQL the server's own CPU is not in them). The three ticks run on one database
in the order of a working day — the plans at 08:35, the nudges at 10:05, the follow-ups at
14:05, which read back the plans — and each is measured from its first SQL statement to its last
write: wall seconds, SQL statements, messages queued.

Quick by default (1,000 reps × 40 leads, and 500 × 200), `BENCH_FULL=1` for the issue's sizes
(1,000 × 40 on SQLite; 5,000 × 200, a million open leads, on SQLite and on PostgreSQL).
PostgreSQL runs when `PIPEBOT_TEST_PG_URL` is reachable, in a database of the benchmark's own.
"""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert

from bench.results import record
from bot.db import make_engine
from bot.domain.leads import company_key
from bot.migrate import upgrade
from bot.models import Lead, Rep

# A Tuesday; every rep is in New York, so every rep is due at each of these moments.
DAY = date(2026, 12, 1)
MOMENTS = {
    "morning-plan": datetime(2026, 12, 1, 13, 35, tzinfo=UTC),  # 08:35 in New York
    "stale-nudges": datetime(2026, 12, 1, 15, 5, tzinfo=UTC),  # 10:05
    "overdue-followups": datetime(2026, 12, 1, 19, 5, tzinfo=UTC),  # 14:05
}
SHORT = {"morning-plan": "plan", "stale-nudges": "stale", "overdue-followups": "overdue"}
QUICK = ((1000, 40, ("sqlite", "postgresql")), (500, 200, ("sqlite", "postgresql")))
FULL = ((1000, 40, ("sqlite", "postgresql")), (5000, 200, ("sqlite", "postgresql")))
# A funnel: most leads early, a fifth in the two late stages (proposal, closing).
STAGE_WEIGHTS = {
    "prospecting": 40,
    "qualification": 25,
    "connecting": 15,
    "proposal": 12,
    "closing": 8,
}
SEED_CHUNK = 20_000


@dataclass(frozen=True)
class Tick:
    job: str
    seconds: float
    cpu_seconds: float
    statements: int
    queued: int
    peak_mb: float
    base_mb: float


def _lead_rows(reps: int, per_rep: int) -> Iterator[dict[str, Any]]:
    """Open leads as a working pipeline has them: most touched lately with a follow-up ahead, about
    a fifth of the follow-ups due or overdue, a few never touched, without a next step or snoozed."""
    rng = random.Random(reps * 1000 + per_rep)
    now = MOMENTS["morning-plan"]
    stages, weights = list(STAGE_WEIGHTS), list(STAGE_WEIGHTS.values())
    for i in range(reps):
        owner = f"UBENCH{i:05d}"
        for j in range(per_rep):
            created = now - timedelta(days=rng.randint(1, 120), minutes=rng.randint(0, 1439))
            moved = min(now, created + timedelta(days=rng.randint(0, 60)))
            roll = rng.random()
            touched = (
                None
                if roll < 0.04
                else min(now, now - timedelta(days=rng.randint(0, 13 if roll < 0.8 else 40)))
            )
            touched = max(touched, created) if touched else None
            follow = rng.random()
            company = f"Company {i}-{j}"
            stage = rng.choices(stages, weights)[0]
            yield {
                "company": company,
                "company_key": company_key(company),
                "contact": f"Contact {j}" if j % 3 else None,
                "value": Decimal(rng.randint(1, 400) * 250) if rng.random() < 0.9 else None,
                "currency": "USD" if rng.random() < 0.9 else "EUR",
                "owner_id": owner,
                "stage": stage,
                "status": "open",
                "created_at": created,
                "updated_at": touched or created,
                "stage_changed_at": moved,
                "last_touch_at": touched,
                "first_touch_at": (touched - timedelta(days=rng.randint(0, 20)))
                if touched
                else None,
                "touch_count": rng.randint(1, 8) if touched else 0,
                "next_follow_up": None
                if follow < 0.05
                else DAY + timedelta(days=rng.randint(-6, 27)),
                "snoozed_until": DAY + timedelta(days=rng.randint(1, 7))
                if rng.random() < 0.03
                else None,
                "expected_close": DAY + timedelta(days=rng.randint(-10, 40))
                if stage in ("proposal", "closing")
                else None,
                "close_pushes": 0,
            }


def seed(engine: Engine, reps: int, per_rep: int) -> float:
    """Migrate and add `reps` reps with `per_rep` open leads each; returns the seconds it took."""
    started = time.perf_counter()
    upgrade(engine)
    past = MOMENTS["morning-plan"] - timedelta(days=200)
    with engine.begin() as connection:
        connection.execute(insert(Rep), [
            {"id": f"UBENCH{i:05d}", "name": f"Rep {i}", "tz": "America/New_York", "role": "rep",
             "is_active": True, "created_at": past, "profile_refreshed_at": MOMENTS["morning-plan"]}
            for i in range(reps)
        ])  # fmt: skip
        chunk: list[dict[str, Any]] = []
        for row in _lead_rows(reps, per_rep):
            chunk.append(row)
            if len(chunk) == SEED_CHUNK:
                connection.execute(insert(Lead), chunk)
                chunk = []
        if chunk:
            connection.execute(insert(Lead), chunk)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    else:
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
    return time.perf_counter() - started


def _tick_in_child(url: str, job: str) -> Tick:
    """One tick of `job` in a fresh process: its figures and that process's peak memory."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.jobs", "--tick", url, job],
        check=True,
        capture_output=True,
        text=True,
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return Tick(job=job, **figures)


def _peak_resident_mb() -> float:
    """This process's own peak resident set since it started (VmHWM).

    Not `ru_maxrss`: Linux carries that across fork and exec, so a child started by a parent that
    had just seeded a million rows would report the parent's size as its own.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run_tick(url: str, job: str) -> dict[str, Any]:
    """The child's side: run one tick and say what it cost."""
    from sqlalchemy import event

    from jobs import morning_plan, overdue_followups, stale_nudges
    from tests import support

    runs = {
        "morning-plan": morning_plan.run,
        "stale-nudges": stale_nudges.run,
        "overdue-followups": overdue_followups.run,
    }
    engine = make_engine(url)
    moment = MOMENTS[job]
    deps = support.make_deps(engine, support.make_config(url), support.TestClock(moment))
    statements = 0

    def count(*_args: object) -> None:
        nonlocal statements
        statements += 1

    base_mb = _peak_resident_mb()
    event.listen(engine, "before_cursor_execute", count)
    started, cpu = time.perf_counter(), time.process_time()
    queued = runs[job](deps, moment)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    event.remove(engine, "before_cursor_execute", count)
    engine.dispose()
    peak_mb = _peak_resident_mb()
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "statements": statements,
        "queued": queued,
        "peak_mb": round(peak_mb),
        "base_mb": round(base_mb),
    }


def _measure(url: str, reps: int, per_rep: int) -> tuple[float, list[Tick]]:
    engine = make_engine(url)
    try:
        seeded = seed(engine, reps, per_rep)
    finally:
        engine.dispose()
    return seeded, [_tick_in_child(url, job) for job in MOMENTS]


def _postgres_base() -> str | None:
    from tests import support

    base = support.run_pg_url()
    return base if support.postgres_problem(base) is None else None


def main() -> None:
    full = os.environ.get("BENCH_FULL") == "1"
    sizes = FULL if full else QUICK
    pg_base = _postgres_base()
    load = os.getloadavg()
    print(
        f"job ticks, every rep due, {'full' if full else 'quick'} sizes; peak = the tick's own "
        f"process's max RSS; load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
    )
    print(
        f"{'database':<11}{'reps':>6}{'leads':>10}  {'job':<18}{'seconds':>8}{'cpu s':>7}{'statements':>11}"
        f"{'queued':>8}{'peak MB':>9}{'seed s':>8}"
    )
    results: list[tuple[str, int, int, list[Tick]]] = []
    for reps, per_rep, backends in sizes:
        for backend in backends:
            if backend == "postgresql" and pg_base is None:
                print(f"{backend:<11}{reps:>6}{reps * per_rep:>10}  PostgreSQL not reachable")
                continue
            if backend == "sqlite":
                with tempfile.TemporaryDirectory() as scratch:
                    seeded, ticks = _measure(
                        f"sqlite:///{Path(scratch) / 'bench.db'}", reps, per_rep
                    )
            else:
                from tests import support

                assert pg_base is not None
                support.drop_database(pg_base)
                support.postgres_problem(pg_base)
                try:
                    seeded, ticks = _measure(pg_base, reps, per_rep)
                finally:
                    support.drop_database(pg_base)
            for tick in ticks:
                print(
                    f"{backend:<11}{reps:>6}{reps * per_rep:>10,}  {tick.job:<18}{tick.seconds:>8.2f}"
                    f"{tick.cpu_seconds:>7.2f}"
                    f"{tick.statements:>11}{tick.queued:>8}{tick.peak_mb:>9.0f}{seeded:>8.1f}"
                )
            results.append((backend, reps, per_rep, ticks))
    load = os.getloadavg()
    figures = summarize(results)
    figures["load_average"] = round(load[0], 1)
    print(f"load average after: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    record("plans", figures)


def summarize(results: list[tuple[str, int, int, list[Tick]]]) -> dict[str, Any]:
    """Every size's figures under keys that name it, and the largest size's under the issue's keys
    (`seconds_sqlite`, `seconds_postgres`, `statements` and `peak_mb` are the morning plan's, peak
    over all three jobs)."""
    figures: dict[str, Any] = {}
    leads = max((reps * per_rep for _db, reps, per_rep, _ticks in results), default=0)
    figures["seconds_postgres"] = None
    for backend, reps, per_rep, ticks in results:
        db = "sqlite" if backend == "sqlite" else "postgres"
        size = f"{reps}x{per_rep}"
        for tick in ticks:
            short = SHORT[tick.job]
            figures[f"{short}_seconds_{db}_{size}"] = tick.seconds
            figures[f"{short}_cpu_seconds_{db}_{size}"] = tick.cpu_seconds
            figures[f"{short}_statements_{db}_{size}"] = tick.statements
            figures[f"{short}_peak_mb_{db}_{size}"] = tick.peak_mb
            if reps * per_rep == leads:
                prefix = "" if short == "plan" else f"{short}_"
                figures[f"{prefix}seconds_{db}"] = tick.seconds
                figures[f"{prefix}statements_{db}"] = tick.statements
                if short == "plan":
                    figures["statements"] = max(figures.get("statements", 0), tick.statements)
                figures["peak_mb"] = max(figures.get("peak_mb", 0), tick.peak_mb)
                figures["reps"], figures["leads"] = reps, leads
    return figures


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--tick":
        print(json.dumps(_run_tick(sys.argv[2], sys.argv[3])))
    else:
        main()
