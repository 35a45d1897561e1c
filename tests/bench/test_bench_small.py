"""Every benchmark at a tiny size, so that they keep working: each must run to its end and
print its figure, floor and ratio. Figures are not asserted (a shared CI box is noisy);
results go to a temporary history file, never to ``tests/bench/history.jsonl``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]

TINY = {
    "ack_burst": ["--persons", "60"],
    "warning_to_notices": ["--rounds", "1", "--persons", "60"],
    "fanout": ["--persons", "60"],
    "gauge_ingest": ["--days", "1", "--stations", "10"],
    "rules_engine": ["--days", "1"],
    "acks_sse": ["--acks", "20", "--concurrency", "4"],
    "replay": ["--persons-per-unit", "1"],
}


def run_tiny(name: str, args: list[str], tmp_path: Path) -> list[str]:
    """Run ``tests.bench.bench_NAME`` with ``args``; it must end well and print a ratio. Returns
    the history lines it wrote (to a file of the test's own)."""
    history = tmp_path / "history.jsonl"
    env = {**os.environ, "SANFANG_BENCH_HISTORY": str(history)}
    done = subprocess.run(
        [sys.executable, "-m", f"tests.bench.bench_{name}", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=540,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "ratio" in done.stdout, done.stdout
    lines = history.read_text(encoding="utf-8").strip().splitlines() if history.exists() else []
    assert lines, "nothing was recorded in the history"
    return lines


@pytest.mark.timeout(600)
@pytest.mark.parametrize("name", sorted(TINY))
def test_benchmark_runs_and_reports(name: str, tmp_path: Path) -> None:
    run_tiny(name, TINY[name], tmp_path)
