"""Every job DM in the corpus (`tests/jobs/layouts.py`) is byte for byte what it was when pinned.

The builders may change how they build (plain dicts, lazy rows), never what they build. After an
intended change of layout, regenerate the pinned file with
`python -m tests.jobs.test_job_layouts` and review the diff.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.fakeslack.blockkit import message_problem
from tests.jobs.layouts import as_json, cases

PINNED = Path(__file__).with_name("golden") / "job_messages.jsonl"


def _pinned() -> dict[str, str]:
    lines = PINNED.read_text(encoding="utf-8").splitlines()
    return dict(line.split("\t", 1) for line in lines)


@pytest.mark.parametrize("name", sorted(cases()))
def test_message_is_byte_for_byte_as_pinned(name):
    message = cases()[name]()
    assert as_json(message) == _pinned()[name]


def test_the_pinned_corpus_is_complete_and_slack_accepts_it():
    pinned = _pinned()
    assert sorted(pinned) == sorted(cases())
    for name, text in pinned.items():
        assert message_problem(json.loads(text)) is None, name


def _write() -> None:
    PINNED.write_text(
        "".join(f"{name}\t{as_json(build())}\n" for name, build in sorted(cases().items())),
        encoding="utf-8",
    )


if __name__ == "__main__":
    _write()
    sys.exit(0)
