"""The ``faults`` marker, and whether the default test run includes the suite.

The suite is skipped by default until it shows 0 violations on ``main`` (the durability of
issue 10 is landing); ``scripts/faults`` and ``SANFANG_FAULTS=1`` run it. To make it part of
every run, set ``ON_BY_DEFAULT`` to True.
"""

from __future__ import annotations

import os

import pytest

ON_BY_DEFAULT = False


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "faults: the fault-injection suite (minutes; scripts/faults)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if ON_BY_DEFAULT or os.environ.get("SANFANG_FAULTS") == "1":
        return
    skip = pytest.mark.skip(
        reason="the fault suite is off by default for now; SANFANG_FAULTS=1 or scripts/faults"
    )
    for item in items:
        if item.get_closest_marker("faults") is not None:
            item.add_marker(skip)
