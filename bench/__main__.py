"""Run every benchmark, or the ones named on the command line."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = ("ack", "throughput", "delivery", "jobs")
# Summaries that run nothing: they read bench/results/latest.json.
REPORTS = ("targets",)


def main(names: list[str]) -> int:
    selected = names or [*BENCHMARKS, *REPORTS]
    unknown = [name for name in selected if name not in (*BENCHMARKS, *REPORTS)]
    if unknown:
        print(
            f"unknown benchmark {unknown[0]!r}; choose from {', '.join((*BENCHMARKS, *REPORTS))}",
            file=sys.stderr,
        )
        return 2
    for name in selected:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"bench.{name}":
                raise
            print(f"== {name}: not available yet\n")
            continue
        print(f"== {name}")
        module.main()
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
