"""Run every benchmark, or the ones named on the command line."""

from __future__ import annotations

import importlib
import sys

# Name on the command line -> module in bench/.
BENCHMARKS = {
    "ack": "ack",
    "throughput": "throughput",
    "delivery": "delivery",
    "jobs": "jobs",
    "import": "imports",
    "managers": "managers",
}
# Summaries that run nothing: they read bench/results/latest.json.
REPORTS = {"targets": "targets"}


def main(names: list[str]) -> int:
    modules = {**BENCHMARKS, **REPORTS}
    selected = names or list(modules)
    unknown = [name for name in selected if name not in modules]
    if unknown:
        print(
            f"unknown benchmark {unknown[0]!r}; choose from {', '.join(modules)}",
            file=sys.stderr,
        )
        return 2
    for name in selected:
        try:
            module = importlib.import_module(f"bench.{modules[name]}")
        except ModuleNotFoundError as exc:
            if exc.name != f"bench.{modules[name]}":
                raise
            print(f"== {name}: not available yet\n")
            continue
        print(f"== {name}")
        module.main()
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
