"""The local Apache Kafka cluster of ``scripts/kafka`` from Python, for what runs outside a
pytest session (the benchmarks, the fault suite): start it or find it running, and each node's
process.

>>> node_pids(Path("/nonexistent"))
{}
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

__all__ = ["ROOT", "STATE", "node_pids", "start_cluster"]

ROOT = Path(__file__).resolve().parents[2]
STATE = ROOT / "var" / "kafka"


def start_cluster() -> str:
    """The bootstrap list of the cluster, started by ``scripts/kafka start`` when it (or one of
    its nodes) is not running; a cluster already up is left as it is. Stop it with
    ``scripts/kafka stop``."""
    done = subprocess.run(
        [str(ROOT / "scripts" / "kafka"), "start"], capture_output=True, text=True, check=False, cwd=ROOT
    )
    if done.returncode != 0:
        raise RuntimeError(f"scripts/kafka start failed:\n{done.stdout}\n{done.stderr}")
    last = done.stdout.strip().splitlines()[-1]
    name, _, value = last.partition("=")
    if name != "SANFANG_KAFKA_BOOTSTRAP" or not value:
        raise RuntimeError(f"scripts/kafka start printed no bootstrap list: {last!r}")
    return value


def node_pids(state: Path = STATE) -> dict[int, int]:
    """Node number → pid of each node running now."""
    found = {}
    for pid_file in sorted(state.glob("node-*/pid")):
        try:
            pid = int(pid_file.read_text().strip())
            os.kill(pid, 0)
        except (ValueError, OSError):
            continue
        found[int(pid_file.parent.name.removeprefix("node-"))] = pid
    return found
