"""The Kafka benchmarks (``scripts/bench --bus kafka`` and ``bench_scaleout``) at a tiny size on
the session's cluster, so that they keep working: each runs to its end and prints its figure,
floor and ratio. Figures are not asserted; results go to a temporary history file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.bench.test_bench_small import run_tiny
from tests.kafka.conftest import KafkaCluster

pytestmark = [pytest.mark.integration, pytest.mark.slow]

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
    lines = run_tiny(name, [*BUS.get(name, []), *TINY[name]], tmp_path)
    recorded = json.loads(lines[-1])
    assert "_kafka" in recorded["benchmark"], recorded
