"""``sanfang run`` takes every service the runtime knows, replay included (its ``/review`` served
by a process of its own is in ``test_topology.py``), and refuses an unknown one at once."""

from __future__ import annotations

import subprocess

from services.cli import RUNNABLE
from services.runtime import BUILDERS
from tests.kafka.topology import SANFANG


def test_sanfang_run_offers_every_service_replay_included() -> None:
    assert set(RUNNABLE) == set(BUILDERS)
    shown = subprocess.run([SANFANG, "run", "--help"], capture_output=True, text=True, timeout=60, check=True)
    assert all(name in shown.stdout for name in BUILDERS), shown.stdout


def test_sanfang_run_refuses_an_unknown_service_with_exit_code_2() -> None:
    # No broker or database is needed to be told: nothing is read or connected first.
    done = subprocess.run(
        [SANFANG, "run", "dispatch", "dispatcher"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2
    assert "no service named dispatcher" in done.stderr
    assert "console, dispatch, ingest, recorder, replay, rules" in done.stderr
