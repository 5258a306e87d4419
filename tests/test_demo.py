"""`pipebot demo` works with no Slack and no network, and shows every built job's messages."""

import re
import subprocess
import sys
from pathlib import Path

from bot.services.export import EVENT_COLUMNS, LEAD_COLUMNS, STAGE_CHANGE_COLUMNS, TOUCH_COLUMNS
from jobs import JOBS


def test_demo_prints_the_pipeline_and_a_day_of_messages(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "demo", "--out", str(tmp_path / "out")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Team pipeline" in out and "Prospecting" in out
    for job in JOBS:
        if job.run is not None:
            assert f"─ {job.id} →" in out, job.id
    assert "#sales-managers" in out
    assert "<!" not in out and "<@" not in out
    # The weekly report's activity and trend count the same week the same way.
    report = re.sub(r"\s*\n│\s*", " ", out.split("the weekly report", 1)[1])
    team = re.search(r"Team · [^│]*? (\d+) advanced · (\d+) won", report)
    assert team is not None and int(team[2]) > 0
    assert re.search(r"Advances: (\d+)", report)[1] == team[1]
    assert re.search(r"Wins: (\d+)", report)[1] == team[2]
    assert (tmp_path / "out" / "pipeline-funnel.png").read_bytes().startswith(b"\x89PNG")
    # The sample pipeline as `pipebot export` writes it.
    for what, first_line in (
        ("leads", ",".join(LEAD_COLUMNS)), ("touches", ",".join(TOUCH_COLUMNS)),
        ("stage-changes", ",".join(STAGE_CHANGE_COLUMNS)), ("events", ",".join(EVENT_COLUMNS)),
    ):  # fmt: skip
        lines = (tmp_path / "out" / f"{what}.csv").read_text(encoding="utf-8").splitlines()
        assert lines[0] == first_line and len(lines) > 1, what
    assert not list(tmp_path.glob("*.db"))
