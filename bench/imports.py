"""CSV import speed: 100,000 new leads from a file, then the same file re-imported as an export.

Each run goes through the whole `pipebot import leads` path (read, check every row, write in
short transactions). While the first import runs, another thread writes a lead every 50 ms
the way `/lead` does, and the longest it waited is printed: on SQLite an import must never
lock reps out. Prints rows/s (wall, and per CPU second of the process) on SQLite and (when
reachable) PostgreSQL, and records the SQLite figures in bench/results/latest.json.

Quick by default (10,000 rows); `BENCH_FULL=1` imports the full 100,000.
"""

from __future__ import annotations

import csv
import os
import random
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.results import record
from bot.db import make_engine
from bot.deps import Deps
from bot.domain.access import Actor
from bot.flows import create_lead
from bot.flows.imports import import_leads
from bot.migrate import upgrade
from bot.services.export import write_csv
from bot.services.leads import NewLead
from tests import support

ROWS = 100_000
QUICK_ROWS = 10_000
OWNERS = 50
MOMENT = datetime(2026, 12, 1, 13, 35, tzinfo=UTC)
COLUMNS = ("company", "contact", "email", "phone", "value", "currency", "stage", "status",
           "owner", "source", "created_at", "next_follow_up", "touches")  # fmt: skip


def write_file(path: Path, rows: int = ROWS) -> None:
    """A CSV of `rows` new leads that a CRM export might look like."""
    rng = random.Random(rows)
    stages = ("prospecting", "qualification", "connecting", "proposal", "closing")
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        for i in range(rows):
            created = MOMENT - timedelta(minutes=rng.randint(0, 500_000))
            writer.writerow((
                f"Company {i} Ltd", f"Contact {i}", f"buyer{i}@company{i}.test",
                f"+1 415 555 {i % 10_000:04d}", f"{rng.randint(1, 900) * 100}.00", "USD",
                rng.choice(stages), "open", f"UBENCH{i % OWNERS:04d}", "csv",
                created.strftime("%Y-%m-%dT%H:%M:%SZ"),
                (MOMENT + timedelta(days=rng.randint(-5, 30))).date().isoformat(),
                rng.randint(0, 9),
            ))  # fmt: skip


class _Writer(threading.Thread):
    """A rep adding a lead every 50 ms; records the longest wait and any failure."""

    def __init__(self, deps: Deps) -> None:
        super().__init__(daemon=True)
        self.deps = deps
        self.stop = threading.Event()
        self.longest = 0.0
        self.writes = 0
        self.failures = 0

    def run(self) -> None:
        while not self.stop.is_set():
            began = time.perf_counter()
            try:
                create_lead(self.deps, by=Actor("UREP00001"), now=MOMENT,
                            new=NewLead(company=f"Walk-in {self.writes}", owner_id="UREP00001",
                                        stage="prospecting"))  # fmt: skip
                self.writes += 1
            except Exception:
                self.failures += 1
            self.longest = max(self.longest, time.perf_counter() - began)
            self.stop.wait(0.05)


def _measure(url: str, source: Path, scratch: Path, rows_in_file: int) -> dict[str, float]:
    engine = make_engine(url)
    try:
        upgrade(engine)
        deps = support.make_deps(engine, support.make_config(url), support.TestClock(MOMENT))
        writer = _Writer(deps)
        writer.start()
        began, cpu = time.perf_counter(), time.process_time()
        with source.open(encoding="utf-8", newline="") as rows:
            result = import_leads(deps, source=rows, default_owner="", now=MOMENT)
        took, cpu = time.perf_counter() - began, time.process_time() - cpu
        writer.stop.set()
        writer.join()
        assert not result.errors and result.created == rows_in_file, result.errors[:3]
        name = engine.dialect.name
        print(f"{name:<12}{'new leads':<20}{rows_in_file:>8}{took:>9.2f}{rows_in_file / took:>10,.0f}"
              f"{rows_in_file / cpu:>12,.0f}   a rep's /lead: {writer.writes} written, "
              f"{writer.failures} failed, longest wait {writer.longest * 1000:.0f} ms")  # fmt: skip
        exported = scratch / f"export-{name}.csv"
        with deps.session_factory() as session, exported.open("w", newline="") as out:
            count = write_csv(session, what="leads", out=out)
        began, again_cpu = time.perf_counter(), time.process_time()
        with exported.open(encoding="utf-8", newline="") as rows:
            again = import_leads(deps, source=rows, default_owner="", now=MOMENT)
        again_took = time.perf_counter() - began
        again_cpu = time.process_time() - again_cpu
        assert not again.errors and again.unchanged == count, again.errors[:3]
        print(f"{name:<12}{'export re-imported':<20}{count:>8}{again_took:>9.2f}"
              f"{count / again_took:>10,.0f}{count / again_cpu:>12,.0f}")  # fmt: skip
        return {
            "rows_per_s": round(rows_in_file / took),
            "rows_per_cpu_s": round(rows_in_file / cpu),
            "longest_rep_wait_ms": round(writer.longest * 1000),
            "rep_writes_failed": writer.failures,
            "reimport_rows_per_s": round(count / again_took),
        }
    finally:
        engine.dispose()


def main() -> None:
    rows_in_file = ROWS if os.environ.get("BENCH_FULL") == "1" else QUICK_ROWS
    print(f"pipebot import leads, {rows_in_file:,} rows, all or nothing")
    print(f"{'database':<12}{'file':<20}{'rows':>8}{'seconds':>9}{'rows/s':>10}{'rows/cpu s':>12}")
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        source = scratch / "leads.csv"
        write_file(source, rows_in_file)
        sqlite = _measure(f"sqlite:///{scratch / 'bench.db'}", source, scratch, rows_in_file)
        postgres = None
        pg = support.run_pg_url()
        if support.postgres_problem(pg) is None:
            support.drop_database(pg)
            support.postgres_problem(pg)
            try:
                postgres = _measure(pg, source, scratch, rows_in_file)
            finally:
                support.drop_database(pg)
    record(
        "import",
        {
            "rows": rows_in_file,
            **sqlite,
            "rows_per_s_postgres": postgres["rows_per_s"] if postgres else None,
        },
    )


if __name__ == "__main__":
    main()
