"""The managers' figures at size: 200,000 open leads and 1,000,000 stage changes on SQLite.

Seeds 1,000 reps, 300,000 leads (200,000 open), their stage history, 400,000 touches and some
snoozes with bulk inserts, then times the reads and the pure computations of the daily
congestion alerts and of the weekly report, and counts the SQL statements of each read.

The team has sold for two years: leads arrive steadily, move forward in their first weeks
(sometimes a step back), and a third of them closed; the open ones include many left to go
stale, as in a pipeline that needs this bot. Touches go mostly to leads from the last six
months. Times are wall and CPU seconds of one cold run; on a shared machine, CPU is the
steadier figure.

Quick by default (a tenth of every count: 20,000 open leads, 100,000 stage changes);
`BENCH_FULL=1` seeds the full sizes. The figures go to bench/results/latest.json.
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import event

from bench.results import record
from bot.charts import weekly_report_charts
from bot.config import load_pipeline
from bot.db import make_engine, make_session_factory
from bot.domain.conditions import plan_posts
from bot.domain.congestion import evaluate_conditions
from bot.domain.report import build_weekly_report
from bot.domain.team_facts import ManagerWindow, reporting_fx
from bot.migrate import upgrade
from bot.services.manager_facts import read_congestion_facts, read_report_facts


@dataclass(frozen=True)
class Size:
    """How much the team has: reps, leads open and closed, stage changes, touches and snoozes."""

    reps: int
    open_leads: int
    closed_leads: int
    stage_changes: int
    touches: int
    snoozes: int


FULL = Size(1_000, 200_000, 100_000, 1_000_000, 400_000, 20_000)
QUICK = Size(100, 20_000, 10_000, 100_000, 40_000, 2_000)
ZONE = ZoneInfo("America/New_York")
# Monday 7 December 2026, 09:00 in New York: the weekly report's moment.
NOW = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)
KINDS = ("call", "email", "meeting", "demo", "message", "linkedin", "note", "other")


def _text(moment: datetime) -> str:
    """A UTC instant as SQLAlchemy stores it in SQLite: `2026-12-07 14:00:00.000000`."""
    return moment.isoformat(sep=" ", timespec="microseconds")[:26]


def _history(rng: random.Random, created: datetime, stages: list[str], closed: bool):  # type: ignore[no-untyped-def]
    """A lead's moves: created, then forward moves weeks apart (sometimes one step back), maybe closed."""
    moves = [(None, stages[0], created)]
    at, stage = created, 0
    while stage < len(stages) - 1 and rng.random() < 0.62:
        at += timedelta(hours=rng.randint(12, 24 * 21))
        if at >= NOW:
            break
        if stage > 0 and rng.random() < 0.12:
            moves.append((stages[stage], stages[stage - 1], at))
            at += timedelta(hours=rng.randint(12, 24 * 10))
            if at >= NOW:
                stage -= 1
                break
            moves.append((stages[stage - 1], stages[stage], at))
            continue
        moves.append((stages[stage], stages[stage + 1], at))
        stage += 1
    outcome = None
    if closed:
        outcome = rng.choice(("won", "lost", "lost", "archived"))
        close = min(NOW - timedelta(minutes=5), at + timedelta(days=rng.randint(1, 30)))
        moves.append((stages[stage], outcome, close))
    return moves, stage, at, outcome


def _seed(engine, size: Size = FULL) -> None:  # type: ignore[no-untyped-def]
    """Leads created steadily over two years; most of a lead's moves come in its first weeks."""
    rng = random.Random(7)
    stages = [stage.key for stage in load_pipeline(None).stages]
    reps = [f"UBENCH{i:05d}" for i in range(size.reps)]
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        # A throwaway database: no need to survive a power cut while seeding, and indexes are
        # built once at the end rather than row by row.
        cursor.execute("PRAGMA synchronous = OFF")
        indexes = cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        ).fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.executemany(
            "INSERT INTO reps (id, name, role, is_active, tz, created_at) VALUES (?, ?, 'rep', ?, ?, ?)",
            [(rep, rep, int(i % 97 != 0), "America/New_York", _text(NOW - timedelta(days=800)))
             for i, rep in enumerate(reps)],
        )  # fmt: skip
        leads, moves, young = [], [], []
        for lead_id in range(1, size.open_leads + size.closed_leads + 1):
            closed = lead_id > size.open_leads
            created = NOW - timedelta(minutes=rng.randint(60, 60 * 24 * 730))
            history, stage, moved, outcome = _history(rng, created, stages, closed)
            moves.extend((lead_id, source, target, _text(at)) for source, target, at in history)
            if created > NOW - timedelta(days=180) and not closed:
                young.append(lead_id)
            value = None if rng.random() < 0.1 else rng.randint(1, 200) * 500
            touched = min(NOW, moved + timedelta(days=rng.randint(0, 10)))
            leads.append((
                lead_id, f"Company {lead_id}", f"company {lead_id}", value,
                "EUR" if rng.random() < 0.15 else "USD", rng.choice(("inbound", "referral", "outbound")),
                reps[lead_id % size.reps], stages[stage], outcome or "open", _text(created), _text(moved),
                _text(moved), _text(touched) if rng.random() < 0.9 else None,
                (NOW + timedelta(days=rng.randint(-10, 20))).date().isoformat() if rng.random() < 0.6 else None,
                (NOW + timedelta(days=rng.randint(1, 60))).date().isoformat() if rng.random() < 0.03 else None,
                (NOW + timedelta(days=rng.randint(-20, 120))).date().isoformat() if rng.random() < 0.4 else None,
                rng.randint(0, 100) if rng.random() < 0.3 else None,
                "unqualified" if outcome == "lost" and rng.random() < 0.3 else None,
                _text(history[-1][2]) if closed else None, rng.randint(0, 8),
            ))  # fmt: skip
        # Up to a million: a step back and forward again between a lead's first and last moves.
        while len(moves) < size.stage_changes - 1:
            lead_id = rng.randint(1, size.open_leads + size.closed_leads)
            first = datetime.fromisoformat(leads[lead_id - 1][9] + "+00:00")
            last = datetime.fromisoformat(leads[lead_id - 1][11] + "+00:00")
            if last - first < timedelta(days=2):
                continue
            at = first + (last - first) * rng.random() * 0.9
            moves.append((lead_id, stages[1], stages[0], _text(at)))
            moves.append((lead_id, stages[0], stages[1], _text(at + timedelta(hours=12))))
        cursor.executemany(
            "INSERT INTO leads (id, company, company_key, value, currency, source, owner_id, stage,"
            " status, created_at, updated_at, stage_changed_at, last_touch_at, next_follow_up,"
            " snoozed_until, expected_close, qualification_score, lost_category, closed_at,"
            " touch_count, close_pushes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
            " ?, ?, ?, 0)",
            leads,
        )
        cursor.executemany(
            "INSERT INTO stage_changes (lead_id, from_stage, to_stage, changed_at) VALUES (?, ?, ?, ?)",
            moves,
        )
        # Touches go mostly to leads from the last six months, as a working team's would.
        cursor.executemany(
            "INSERT INTO touchpoints (lead_id, kind, note, occurred_at, author_id, created_at)"
            " VALUES (?, ?, '', ?, ?, ?)",
            [(lead_id, rng.choice(KINDS), stamp, reps[lead_id % size.reps], stamp)
             for lead_id, stamp in (
                 (rng.choice(young) if rng.random() < 0.8 else rng.randint(1, size.open_leads),
                  _text(NOW - timedelta(minutes=rng.randint(1, 60 * 24 * 90))))
                 for _ in range(size.touches))],
        )  # fmt: skip
        cursor.executemany(
            "INSERT INTO lead_events (lead_id, kind, actor_id, at) VALUES (?, 'snoozed', ?, ?)",
            [(lead_id, reps[lead_id % size.reps], _text(NOW - timedelta(minutes=rng.randint(1, 60 * 24 * 40))))
             for lead_id in (rng.randint(1, size.open_leads) for _ in range(size.snoozes))],
        )  # fmt: skip
        for _, sql in indexes:
            cursor.execute(sql)
        raw.commit()
        cursor.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()


class _Clock:
    """Wall and CPU seconds per step, summed per job."""

    def __init__(self) -> None:
        self.totals: dict[str, list[float]] = {}

    def run(self, job: str, step: str, action):  # type: ignore[no-untyped-def]
        wall, cpu = time.perf_counter(), time.process_time()
        result = action()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"  {job + ': ' + step:<34}{wall:>8.2f}{cpu:>8.2f}")
        total = self.totals.setdefault(job, [0.0, 0.0])
        total[0] += wall
        total[1] += cpu
        return result


def _measure(engine, rules) -> dict[str, float]:  # type: ignore[no-untyped-def]
    statements = 0

    def count(*_args) -> None:  # type: ignore[no-untyped-def]
        nonlocal statements
        statements += 1

    clock = _Clock()
    window = ManagerWindow.at(NOW, zone=ZONE, rules=rules)
    print(f"  {'step':<34}{'wall s':>8}{'cpu s':>8}")
    event.listen(engine, "before_cursor_execute", count)
    with make_session_factory(engine)() as session:
        alerts = "daily alerts"
        facts = clock.run(alerts, "read", lambda: read_congestion_facts(session, window=window))
        alert_reads, statements = statements, 0
        fx = reporting_fx(facts.open_leads, currency=None, rates={"EUR": Decimal("1.08")})
        found = clock.run(
            alerts,
            "compute",
            lambda: plan_posts(
                {}, evaluate_conditions(facts, rules=rules, fx=fx).conditions, today=window.today
            ),
        )
        weekly = "weekly report"
        report_facts = clock.run(
            weekly, "read", lambda: read_report_facts(session, window=window, rules=rules)
        )
        report_reads = statements
        report = clock.run(
            weekly, "compute", lambda: build_weekly_report(report_facts, rules=rules, fx=fx)
        )
    event.remove(engine, "before_cursor_execute", count)
    for job, (wall, cpu) in clock.totals.items():
        print(f"  {job + ': total':<34}{wall:>8.2f}{cpu:>8.2f}")
    both = [sum(pair) for pair in zip(*clock.totals.values(), strict=True)]
    print(f"  {'both jobs':<34}{both[0]:>8.2f}{both[1]:>8.2f}")
    started = time.perf_counter()
    charts = weekly_report_charts(report)
    print(
        f"  charts: {len(charts)} PNG in {time.perf_counter() - started:.2f} s (not in the totals)"
    )
    print(
        f"  {len(report_facts.moves):,} moves of leads that moved in the windows and"
        f" {len(report_facts.open_leads):,} open leads read; {alert_reads} statements for the"
        f" alerts, {report_reads} for the report; {len(found.posts)} conditions to post;"
        f" recommendation: {report.recommendation.action}"
    )
    (alerts_wall, alerts_cpu), (report_wall, report_cpu) = clock.totals.values()
    return {
        "seconds_sqlite": round(max(alerts_wall, report_wall), 2),
        "alerts_seconds_sqlite": round(alerts_wall, 2),
        "alerts_cpu_seconds_sqlite": round(alerts_cpu, 2),
        "report_seconds_sqlite": round(report_wall, 2),
        "report_cpu_seconds_sqlite": round(report_cpu, 2),
        "alerts_statements": alert_reads,
        "report_statements": report_reads,
    }


def main() -> None:
    size = FULL if os.environ.get("BENCH_FULL") == "1" else QUICK
    rules = load_pipeline(None).team_rules
    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(f"sqlite:///{Path(scratch) / 'managers.db'}")
        try:
            upgrade(engine)
            started = time.perf_counter()
            _seed(engine, size)
            print(
                f"seeded {size.open_leads:,} open and {size.closed_leads:,} closed leads,"
                f" {size.stage_changes:,} stage changes, {size.touches:,} touches in"
                f" {time.perf_counter() - started:.1f} s (SQLite)"
            )
            figures = _measure(engine, rules)
        finally:
            engine.dispose()
    record(
        "managers",
        {"leads": size.open_leads, "stage_changes": size.stage_changes, **figures},
    )


if __name__ == "__main__":
    main()
