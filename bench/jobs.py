"""Job cost as the team grows: one morning-plan tick for 100 and 1,000 reps with 40 leads each.

Reads are aggregate queries whose count does not grow with the team; each rep's plan is one
small write transaction. Prints wall time and SQL statements per tick, on SQLite and (when
reachable) PostgreSQL.
"""

from __future__ import annotations

import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import event, insert

from bot.db import make_engine
from bot.domain.leads import company_key
from bot.migrate import upgrade
from bot.models import Lead, Rep
from jobs import morning_plan
from tests import support

LEADS_PER_REP = 40
TEAMS = (100, 1000)
# 08:35 on a Tuesday in New York: every rep's plan is due.
MOMENT = datetime(2026, 12, 1, 13, 35, tzinfo=UTC)


def _seed(engine, reps: int) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(reps)
    stages = ("prospecting", "qualification", "connecting", "proposal", "closing")
    past = MOMENT - timedelta(days=20)
    with engine.begin() as connection:
        connection.execute(insert(Rep), [
            {"id": f"UBENCH{i:05d}", "name": f"Rep {i}", "tz": "America/New_York", "role": "rep",
             "is_active": True, "created_at": past, "profile_refreshed_at": MOMENT}
            for i in range(reps)
        ])  # fmt: skip
        rows = []
        for i in range(reps):
            for j in range(LEADS_PER_REP):
                created = past + timedelta(hours=rng.randint(0, 400))
                rows.append({
                    "company": f"Company {i}-{j}", "company_key": company_key(f"Company {i}-{j}"),
                    "value": Decimal(rng.randint(1, 90) * 1000), "currency": "USD", "owner_id": f"UBENCH{i:05d}",
                    "stage": rng.choice(stages), "status": "open", "created_at": created, "updated_at": created,
                    "stage_changed_at": created, "last_touch_at": created + timedelta(days=1),
                    "next_follow_up": (MOMENT + timedelta(days=rng.randint(-5, 10))).date(),
                    "touch_count": rng.randint(0, 8), "close_pushes": 0,
                })  # fmt: skip
        connection.execute(insert(Lead), rows)


def _measure(url: str, reps: int) -> tuple[float, int]:
    engine = make_engine(url)
    try:
        upgrade(engine)
        _seed(engine, reps)
        config = support.make_config(url)
        deps = support.make_deps(engine, config, support.TestClock(MOMENT))
        statements = 0

        def count(*_args) -> None:  # type: ignore[no-untyped-def]
            nonlocal statements
            statements += 1

        event.listen(engine, "before_cursor_execute", count)
        started = time.perf_counter()
        morning_plan.run(deps, MOMENT)
        elapsed = time.perf_counter() - started
        event.remove(engine, "before_cursor_execute", count)
        return elapsed, statements
    finally:
        engine.dispose()


def main() -> None:
    print(f"one morning-plan tick, {LEADS_PER_REP} open leads per rep, every rep due")
    print(f"{'database':<12}{'reps':>6}{'seconds':>10}{'statements':>12}{'per rep':>9}")
    backends = [("sqlite", None)]
    pg_base = support.run_pg_url()
    if support.postgres_problem(pg_base) is None:
        backends.append(("postgresql", pg_base))
    for name, base in backends:
        for reps in TEAMS:
            if base is None:
                with tempfile.TemporaryDirectory() as scratch:
                    elapsed, statements = _measure(f"sqlite:///{Path(scratch) / 'bench.db'}", reps)
            else:
                support.drop_database(base)
                support.postgres_problem(base)
                elapsed, statements = _measure(base, reps)
            print(f"{name:<12}{reps:>6}{elapsed:>10.2f}{statements:>12}{statements / reps:>9.2f}")
        if base is not None:
            support.drop_database(base)


if __name__ == "__main__":
    main()
