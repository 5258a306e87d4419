"""The targets beside the latest figures: `python -m bench targets` prints the table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.results import load


@dataclass(frozen=True)
class Target:
    figure: str
    target: str
    value: Callable[[dict[str, Any]], Any]
    met: Callable[[Any], bool] | None = None  # None: reported, not judged


def _get(section: str, key: str) -> Callable[[dict[str, Any]], Any]:
    return lambda data: (data.get(section) or {}).get(key)


@dataclass(frozen=True)
class Delivered:
    sent: int
    written: int
    replies: int

    @property
    def lossless(self) -> bool:
        return self.written == self.sent == self.replies

    def __str__(self) -> str:
        return f"{self.written:,} of {self.sent:,} written, {self.replies:,} replies"


def _all_answered(data: dict[str, Any]) -> Delivered | None:
    figures = data.get("throughput") or {}
    if "touches_sent" not in figures:
        return None
    return Delivered(figures["touches_sent"], figures["touches_written"], figures["replies"])


@dataclass(frozen=True)
class AtSize:
    """A figure measured at some size: judged only at the size its target names."""

    value: float
    size: int
    full: int
    unit: str
    noun: str

    @property
    def at_full_size(self) -> bool:
        return self.size >= self.full

    def __str__(self) -> str:
        return f"{self.value:,}{self.unit} at {self.size:,} {self.noun}"


def _at_size(
    section: str, key: str, size_key: str, full: int, unit: str, noun: str
) -> Callable[[dict[str, Any]], AtSize | None]:
    def value(data: dict[str, Any]) -> AtSize | None:
        figures = data.get(section) or {}
        if figures.get(key) is None or figures.get(size_key) is None:
            return None
        return AtSize(figures[key], figures[size_key], full, unit, noun)

    return value


def _cpu_both(data: dict[str, Any]) -> str | None:
    figures = data.get("managers") or {}
    alerts, report = (
        figures.get("alerts_cpu_seconds_sqlite"),
        figures.get("report_cpu_seconds_sqlite"),
    )
    if alerts is None or report is None:
        return None
    return f"alerts {alerts} s, report {report} s"


DRILLS = ("kill", "replicas", "jobs_run", "storm")


def _drills(outcome: str) -> Callable[[dict[str, Any]], int | None]:
    """`duplicates` or `lost` summed over the drills that ran; None before any did."""

    def total(data: dict[str, Any]) -> int | None:
        figures = data.get("drills") or {}
        found = [
            figures[f"{drill}_{outcome}"] for drill in DRILLS if f"{drill}_{outcome}" in figures
        ]
        return sum(found) if found else None

    return total


def _slowest(data: dict[str, Any], db: str) -> float | None:
    figures = data.get("plans") or {}
    found = [figures.get(f"{job}_seconds_{db}_5000x200") for job in ("plan", "stale", "overdue")]
    return None if None in found else max(found)


TARGETS = (
    Target("ack p99, 50 concurrent /touch (ms)", "", _get("ack", "p99_ms")),
    Target(
        "ack p99 ÷ bare Bolt app that only acks",
        "≤ 2",
        _get("ack", "ratio_bare"),
        lambda v: v <= 2,
    ),
    Target("ack p99 ÷ signature-only endpoint (floor)", "", _get("ack", "ratio_floor")),
    Target(
        "ack p99, 200 concurrent (ms)", "< 3,000", _get("ack", "p99_ms_200"), lambda v: v < 3000
    ),
    Target(
        "ack p99, 500 concurrent (ms)", "< 3,000", _get("ack", "p99_ms_500"), lambda v: v < 3000
    ),
    Target("acks over 3 s, at 50, 200 and 500", "0", _get("ack", "over_3s"), lambda v: v == 0),
    Target(
        "/touch per second, SQLite",
        "≥ 600",
        _get("throughput", "touch_per_s_sqlite"),
        lambda v: v >= 600,
    ),
    Target(
        "/touch per second, PostgreSQL",
        "≥ 400",
        _get("throughput", "touch_per_s_postgres"),
        lambda v: v >= 400,
    ),
    Target("touches written and users answered", "all", _all_answered, lambda v: v.lossless),
    Target(
        "managers: slower of alerts and report, SQLite",
        "≤ 5 s",
        _at_size("managers", "seconds_sqlite", "leads", 200_000, " s", "open leads"),
        lambda v: v.at_full_size and v.value <= 5,
    ),
    Target("managers: CPU seconds of each job, SQLite", "", _cpu_both),
    Target(
        "pipebot import, rows per second, SQLite",
        "≥ 5,000",
        _at_size("import", "rows_per_s", "rows", 100_000, "/s", "rows"),
        lambda v: v.at_full_size and v.value >= 5000,
    ),
    Target(
        "pipebot import, rows per CPU second, SQLite",
        "",
        _at_size("import", "rows_per_cpu_s", "rows", 100_000, "/s", "rows"),
    ),
    Target(
        "fan-out time ÷ floor (messages ÷ budget)",
        "≤ 1.1",
        _get("fanout", "ratio_to_floor"),
        lambda v: v <= 1.1,
    ),
    Target("fan-out duplicates", "0", _get("fanout", "duplicates"), lambda v: v == 0),
    Target("fan-out lost", "0", _get("fanout", "lost"), lambda v: v == 0),
    Target(
        "drills duplicates (kill -9, replicas, jobs run, storm)",
        "0",
        _drills("duplicates"),
        lambda v: v == 0,
    ),
    Target("drills lost", "0", _drills("lost"), lambda v: v == 0),
    Target(
        "morning-plan tick, 1,000 reps × 40 leads, SQLite (s)",
        "≤ 1.5",
        _get("plans", "plan_seconds_sqlite_1000x40"),
        lambda v: v <= 1.5,
    ),
    Target(
        "job ticks, 5,000 reps × 200 leads, SQLite (slowest, s)",
        "≤ 10",
        lambda data: _slowest(data, "sqlite"),
        lambda v: v <= 10,
    ),
    Target(
        "job ticks, 5,000 reps × 200 leads, PostgreSQL (slowest, s)",
        "≤ 10",
        lambda data: _slowest(data, "postgres"),
        lambda v: v <= 10,
    ),
    Target("job ticks' peak memory (MB)", "≤ 400", _get("plans", "peak_mb"), lambda v: v <= 400),
)


def rows(data: dict[str, Any] | None = None) -> list[tuple[str, str, str, str]]:
    """(figure, target, measured, met) for each target, from the latest results."""
    data = load() if data is None else data
    found = []
    for target in TARGETS:
        value = target.value(data)
        if value is None:
            shown, met = "not measured", ""
        else:
            shown = f"{value:,}" if isinstance(value, int | float) else str(value)
            met = "" if target.met is None else ("yes" if target.met(value) else "no")
            if isinstance(value, AtSize) and not value.at_full_size and target.met is not None:
                met = "quick run: BENCH_FULL=1 to judge"
        found.append((target.figure, target.target, shown, met))
    return found


def main() -> None:
    data = load()
    print(f"latest figures, {data.get('machine', 'machine unknown')}")
    table = rows(data)
    width = max(len(row[0]) for row in table)
    for figure, target, shown, met in table:
        print(f"  {figure:<{width}}  {target:>8}  {shown:>38}  {met}")


if __name__ == "__main__":
    main()
