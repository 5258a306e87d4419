"""Reliability drills: what survives a killed sender, two replicas, two `jobs run`s and a Slack storm.

Each drill prints what it did and what the fake Slack holds afterwards, key by key against the
outbox: duplicates (a key stored more than once) and losses (a row not sent, or sent with nothing
stored). Quick by default, BENCH_FULL=1 for the full sizes. Everything is on loopback, every wait
is bounded, and each process started here is stopped here.

1. kill -9: a sender process is killed at a random moment of a DM run, and a new one started,
   again and again; a last one finishes. Posts caught in flight are found by the history lookup.
2. replicas: two `pipebot run` on one PostgreSQL with their schedulers on, reps due for their
   morning plan; then two `pipebot jobs run morning-plan` at once on one SQLite file.
3. storm: DMs while the fake answers posts 429, 500/503, or stores them and drops the connection.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text

from bench import results
from bench.fanout import Outcome, compare, fill, recipients, sender_deps
from bench.slackproc import Faults, FaultySlack, Limits
from bot.db import make_engine, make_session_factory, normalize_url
from bot.models import Notification
from bot.slack.sender import SenderOptions, deliver_until_settled, new_owner, service_options
from tests import support

BUDGET_PER_MINUTE = 6000
LIMITS = Limits(per_minute=BUDGET_PER_MINUTE, burst=100)
SPAWN = multiprocessing.get_context("spawn")
# Short leases so a killed sender's rows come back within seconds; the post's own timeout is
# well inside it, as the sender requires.
DRILL_OPTIONS = SenderOptions(lease_seconds=3.0, http_timeout=1, poll_seconds=0.2, concurrency=4)
MANAGERS = ["CMANAGERS", "UMANAGER1"]
# The killed senders go at half the budget, so the run lasts through every kill.
KILL_BUDGET_PER_MINUTE = 3000
PLAN_AT = "2026-12-01T13:35:00+00:00"  # 08:35 on a Tuesday in New York


def _full() -> bool:
    return os.environ.get("BENCH_FULL") == "1"


def _verdict(outcome: Outcome) -> str:
    return (
        f"{outcome.sent:,} of {outcome.rows:,} sent, duplicates {outcome.duplicates},"
        f" lost {outcome.lost}"
    )


# -- 1. kill -9 -------------------------------------------------------------------------------


def _sender(url: str, base_url: str, started: Any) -> None:
    """A sender process: deliver until settled, as the service does; killed from outside."""
    deps = sender_deps(url, base_url, KILL_BUDGET_PER_MINUTE)
    started.set()
    deliver_until_settled(
        deps, owner=new_owner("drill"), deadline_seconds=120, options=DRILL_OPTIONS
    )
    deps.engine.dispose()


def _unsent(url: str) -> tuple[int, list[str]]:
    """(rows not yet sent, keys of rows whose post was under way: `sending`, attempt started)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            open_rows = connection.scalar(select(func.count()).where(Notification.status != "sent"))
            in_flight = connection.scalars(
                select(Notification.idempotency_key).where(
                    Notification.status == "sending", Notification.attempted_at.is_not(None)
                )
            ).all()
    finally:
        engine.dispose()
    return int(open_rows or 0), list(in_flight)


def kill_drill() -> dict[str, Any]:
    count, kills = (1000, 20) if _full() else (300, 5)
    users = recipients(count)
    rng = random.Random(7)
    print(
        f"kill -9: {count:,} DMs at {KILL_BUDGET_PER_MINUTE // 60}/s; a sender (4 posts in flight,"
        " 3 s leases) killed at a random"
        f" moment {kills} times, a new one started after each"
    )
    done_kills = in_flight = reached = 0
    with tempfile.TemporaryDirectory() as scratch, FaultySlack(users, LIMITS) as slack:
        url = f"sqlite:///{Path(scratch) / 'kill.db'}"
        fill(url, users, "kill")
        for _ in range(kills):
            if _unsent(url)[0] == 0:
                break
            started = SPAWN.Event()
            process = SPAWN.Process(target=_sender, args=(url, slack.base_url, started))
            process.start()
            try:
                if not started.wait(timeout=60):
                    raise RuntimeError("a drill sender never started")
                time.sleep(rng.uniform(0.2, 1.2))
            finally:
                os.kill(process.pid, signal.SIGKILL)
                process.join(timeout=10)
            done_kills += 1
            keys = _unsent(url)[1]
            stored = slack.received(users)
            in_flight += len(keys)
            reached += sum(1 for key in keys if stored[key])
        print(
            f"  {done_kills} kills; {in_flight} posts were under way at a kill, {reached} of them"
            " already stored by Slack but not recorded as sent"
        )
        deps = sender_deps(url, slack.base_url, BUDGET_PER_MINUTE)
        settled = deliver_until_settled(
            deps, owner=new_owner("drill-last"), deadline_seconds=120, options=DRILL_OPTIONS
        )
        deps.engine.dispose()
        outcome = compare(url, slack, users)
    print(
        f"  the next senders looked each of those up before posting again; a last one settled"
        f" the rest ({settled.delivery.sent} sent): {_verdict(outcome)}"
    )
    return {
        "kill_messages": count,
        "kills": done_kills,
        "kill_in_flight": in_flight,
        "kill_stored_unrecorded": reached,
        "kill_duplicates": outcome.duplicates,
        "kill_lost": outcome.lost,
    }


# -- 2. replicas and jobs run -----------------------------------------------------------------


def _seed_team(url: str, users: Sequence[str], zone: str, now: datetime) -> None:
    """Reps in `zone`, each with one open lead whose follow-up was due yesterday."""
    from bot.migrate import upgrade
    from bot.services import leads, reps

    engine = make_engine(url)
    try:
        upgrade(engine)
        factory = make_session_factory(engine)
        with factory.begin() as session:
            for user in users:
                reps.ensure_rep(session, user_id=user, now=now)
                reps.update_profile(session, user_id=user, name=user, tz=zone, now=now)
                new = leads.NewLead(
                    company=f"{user} Co",
                    owner_id=user,
                    stage="proposal",
                    value=Decimal(1000),
                    next_follow_up=(now - timedelta(days=1)).date(),
                )
                leads.create_lead(session, new=new, created_by=user, now=now)
    finally:
        engine.dispose()


def _environment(url: str, base_url: str, **extra: str) -> dict[str, str]:
    env = {**os.environ, **support.app_env(url, SLACK_API_URL=base_url), **extra}
    env.pop("PIPEBOT_CONFIG", None)
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _morning_zone(now: datetime) -> str:
    """A fixed-offset zone where it is about 10:00 now: the morning plan's window is open there."""
    offset = 10 - now.hour
    if offset < -12:
        offset += 24
    if offset > 14:
        offset -= 24
    # Etc/GMT names count the other way round: Etc/GMT+9 is nine hours behind UTC.
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


def _drill_database() -> str | None:
    """A fresh PostgreSQL database for the replicas, or None when PIPEBOT_TEST_PG_URL is unset."""
    if not os.environ.get("PIPEBOT_TEST_PG_URL"):
        return None
    url = normalize_url(support.pg_url()).set(database="pipebot_drill")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql('DROP DATABASE IF EXISTS "pipebot_drill" WITH (FORCE)')
            connection.exec_driver_sql('CREATE DATABASE "pipebot_drill"')
    finally:
        admin.dispose()
    return url.render_as_string(hide_password=False)


def _settled(url: str, expected: int) -> bool:
    engine = create_engine(normalize_url(url))
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT count(*), count(*) FILTER (WHERE status = 'sent') FROM notifications")
            ).one()
    finally:
        engine.dispose()
    return rows[0] >= expected and rows[0] == rows[1]


def replicas_drill() -> dict[str, Any]:
    reps = 40 if _full() else 12
    figures: dict[str, Any] = {}
    url = _drill_database()
    if url is None:
        print(
            "replicas: skipped, PIPEBOT_TEST_PG_URL is not set (two `pipebot run` need PostgreSQL)"
        )
    else:
        now = datetime.now(UTC)
        zone = _morning_zone(now)
        users = [f"UREPL{n:04d}" for n in range(reps)]
        print(
            f"replicas: two `pipebot run --mode http` on one PostgreSQL, schedulers on, {reps} reps"
            f" in {zone} whose morning plan is due now"
        )
        with FaultySlack([*users, MANAGERS[1]], LIMITS) as slack:
            _seed_team(url, users, zone, now - timedelta(days=3))
            env = _environment(url, slack.base_url, PIPEBOT_SCHEDULER="on")
            processes = [
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "bot.cli",
                        "run",
                        "--mode",
                        "http",
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(_free_port()),
                    ],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )  # fmt: skip
                for _ in range(2)
            ]
            started = time.monotonic()
            try:
                # Rep-local jobs tick once a minute; give both replicas two ticks and their sends.
                while time.monotonic() - started < 150:
                    time.sleep(2)
                    if time.monotonic() - started > 70 and _settled(url, reps):
                        break
            finally:
                for process in processes:
                    process.send_signal(signal.SIGTERM)
                for process in processes:
                    try:
                        process.wait(timeout=30)
                    except subprocess.TimeoutExpired:
                        process.kill()
                        process.wait(timeout=10)
            outcome = compare(url, slack, [*users, *MANAGERS])
        seconds = time.monotonic() - started
        print(f"  after {seconds:.0f} s, both stopped: {_verdict(outcome)}")
        figures.update(
            replicas_notifications=outcome.rows,
            replicas_duplicates=outcome.duplicates,
            replicas_lost=outcome.lost,
        )
    users = [f"UJOBS{n:04d}" for n in range(reps)]
    print(f"jobs run: two `pipebot jobs run morning-plan` at once on one SQLite file, {reps} reps")
    with (
        tempfile.TemporaryDirectory() as scratch,
        FaultySlack([*users, MANAGERS[1]], LIMITS) as slack,
    ):
        url = f"sqlite:///{Path(scratch) / 'jobs.db'}"
        _seed_team(url, users, "America/New_York", datetime(2026, 11, 20, 15, tzinfo=UTC))
        env = _environment(url, slack.base_url)
        command = [sys.executable, "-m", "bot.cli", "jobs", "run", "morning-plan", "--at", PLAN_AT]
        processes = [
            subprocess.Popen(
                command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            for _ in range(2)
        ]
        codes = []
        for process in processes:
            try:
                process.communicate(timeout=180)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate(timeout=10)
            codes.append(process.returncode)
        outcome = compare(url, slack, [*users, *MANAGERS])
    print(f"  exit codes {codes}: {_verdict(outcome)}")
    figures.update(
        jobs_run_notifications=outcome.rows,
        jobs_run_duplicates=outcome.duplicates,
        jobs_run_lost=outcome.lost,
    )
    return figures


# -- 3. storm ---------------------------------------------------------------------------------


def storm_drill() -> dict[str, Any]:
    count = 1000 if _full() else 300
    users = recipients(count)
    faults = Faults(rate_limited=0.05, server_error=0.05, dropped=0.02, retry_after=1, seed=3)
    print(
        f"storm: {count:,} DMs while the fake answers 5% of posts 429, 5% 500/503 and drops the"
        " connection after storing 2%"
    )
    with tempfile.TemporaryDirectory() as scratch, FaultySlack(users, LIMITS, faults) as slack:
        url = f"sqlite:///{Path(scratch) / 'storm.db'}"
        fill(url, users, "storm")
        deps = sender_deps(url, slack.base_url, BUDGET_PER_MINUTE)
        started = time.perf_counter()
        settled = deliver_until_settled(
            deps, owner=new_owner("storm"), deadline_seconds=300, options=service_options()
        )
        seconds = time.perf_counter() - started
        deps.engine.dispose()
        outcome = compare(url, slack, users)
        injected = slack.injected()
    report = settled.delivery
    print(
        f"  faults answered: {injected.get('429', 0)} × 429, {injected.get('5xx', 0)} × 5xx,"
        f" {injected.get('dropped', 0)} dropped; {report.reconciled} found in Slack by the lookup,"
        f" {report.retried} retried, {report.deferred} deferred, in {seconds:.1f} s"
    )
    print(f"  {_verdict(outcome)}")
    return {
        "storm_messages": count,
        "storm_faults": sum(injected.get(kind, 0) for kind in ("429", "5xx", "dropped")),
        "storm_duplicates": outcome.duplicates,
        "storm_lost": outcome.lost,
    }


def main() -> None:
    figures: dict[str, Any] = {}
    for drill in (kill_drill, replicas_drill, storm_drill):
        figures.update(drill())
    results.record("drills", figures)


if __name__ == "__main__":
    main()
