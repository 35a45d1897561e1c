"""The Kafka benchmarks (``scripts/bench --bus kafka`` and ``bench_scaleout``) at a tiny size on
the session's cluster, so that they keep working: each runs to its end and prints its figure,
floor and ratio. Figures are not asserted; results go to a temporary history file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.kafka.conftest import KafkaCluster

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]

TINY = {
    "warning_to_notices": ["--rounds", "1", "--persons", "60"],
    "fanout": ["--persons", "60"],
    "ack_burst": ["--persons", "60"],
    "scaleout": ["--persons", "300", "--processes", "1", "--processes", "2"],
}
#: The benchmarks that also run on the embedded broker are told the bus; scaleout is Kafka's own.
BUS = {name: ["--bus", "kafka"] for name in ("warning_to_notices", "fanout", "ack_burst")}


@pytest.mark.timeout(600)
@pytest.mark.parametrize("name", sorted(TINY))
def test_benchmark_runs_on_the_kafka_cluster(name: str, kafka: KafkaCluster, tmp_path: Path) -> None:
    history = tmp_path / "history.jsonl"
    env = {**os.environ, "SANFANG_BENCH_HISTORY": str(history)}
    done = subprocess.run(
        [sys.executable, "-m", f"tests.bench.bench_{name}", *BUS.get(name, []), *TINY[name]],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=540,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "ratio" in done.stdout, done.stdout
    recorded = json.loads(history.read_text(encoding="utf-8").strip().splitlines()[-1])
    assert "_kafka" in recorded["benchmark"], recorded
