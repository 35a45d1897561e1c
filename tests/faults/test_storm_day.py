"""The CI form of the fault-injection suite: the storm day under every kind of fault, 0 violations."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.faults.suite import run_suite

pytestmark = [pytest.mark.faults, pytest.mark.integration, pytest.mark.slow, pytest.mark.postgres]


@pytest.mark.timeout(1200)
async def test_storm_day_under_faults_breaks_no_invariant(tmp_path: Path) -> None:
    reports = await run_suite("short", tmp_path)
    tables = "\n\n".join(report.table() for report in reports)
    sys.stdout.write(tables + "\n")
    assert sum(report.violations for report in reports) == 0, tables
