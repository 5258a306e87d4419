"""One place every benchmark writes its figures: `bench/results/latest.json`, merged, never replaced.

Each benchmark owns a section (`ack`, `throughput`, …) and calls `record(section, figures)`; the
keys it does not write, and every other section, stay as they were. `machine` is rewritten on each
record, so the file always says where its latest figures came from.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import platform
import sqlite3
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results" / "latest.json"


def record(section: str, figures: Mapping[str, Any], *, path: Path = RESULTS) -> None:
    """Merge `figures` into `section` of the results file, keeping everything else in it.

    A quick run's figures (without `BENCH_FULL=1`) go under the section's `quick` key: they are
    worth keeping, but never in place of the last full run's, which the README quotes.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with _locked(path):
        data = load(path)
        current = data.get(section)
        merged = dict(current) if isinstance(current, dict) else {}
        if os.environ.get("BENCH_FULL") == "1":
            merged.update(figures)
        else:
            quick = merged.get("quick")
            merged["quick"] = {**(quick if isinstance(quick, dict) else {}), **figures}
        data[section] = merged
        data["machine"] = machine()
        scratch = path.with_suffix(".json.tmp")
        scratch.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
        os.replace(scratch, path)


def load(path: Path = RESULTS) -> dict[str, Any]:
    """The results recorded so far; empty when there are none (or the file is unreadable)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Benchmarks run in parallel must not lose each other's sections."""
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:12]
    with open(Path(tempfile.gettempdir()) / f"pipebot-bench-{digest}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def machine() -> str:
    """One line: cores, memory, Python, SQLite and PostgreSQL versions."""
    return (
        f"{os.cpu_count()} cores, {_memory_gb():.1f} GB, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, PostgreSQL {postgres_version() or 'not reachable'}"
    )


def _memory_gb() -> float:
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")) / 1024**3


def postgres_version() -> str | None:
    """The server version of the PostgreSQL the tests use, or None when it is not reachable."""
    from sqlalchemy import create_engine

    from bot.db import normalize_url
    from tests import support

    try:
        engine = create_engine(normalize_url(support.pg_url()).set(database="postgres"))
        with engine.connect() as connection:
            version = connection.exec_driver_sql("SHOW server_version").scalar()
        engine.dispose()
    except Exception:  # unreachable: the line says so instead
        return None
    return str(version).split()[0]
