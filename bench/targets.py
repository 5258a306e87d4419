"""The interactive targets beside the latest figures: `python -m bench targets` prints the table."""

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
