"""Shared fixtures for the ingest format tests: the samples corpus and the station registry."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.ingest.formats.stations import StationRegistry, load_stations_csv

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
NOW = datetime(2024, 9, 30, tzinfo=UTC)
"""After every sample's observation time, so only the future-time sample is in the future."""


def sample(relative: str) -> bytes:
    """The raw bytes of one sample file."""
    return (SAMPLES / relative).read_bytes()


@pytest.fixture(scope="session")
def stations() -> StationRegistry:
    """The Bao'an station registry from the samples corpus."""
    return load_stations_csv(sample("stations.csv"))
