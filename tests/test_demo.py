"""`pipebot demo` works with no Slack and no network, and shows every built job's messages."""

import subprocess
import sys
from pathlib import Path

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
    assert (tmp_path / "out" / "pipeline-funnel.png").read_bytes().startswith(b"\x89PNG")
    assert not list(tmp_path.glob("*.db"))
