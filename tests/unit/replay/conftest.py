"""The demo season as a fixture: generated once per session, with a small directory."""

from __future__ import annotations

import pytest

from schemas.topics import AnyEvent
from services.demo.season.log import season_log, small_directory
from services.dispatch.domain.directory import Directory
from services.replay.domain.ledger import Ledger
from services.replay.domain.people import People


@pytest.fixture(scope="session")
def directory() -> Directory:
    """Two persons of each of the 52 units: every unit, street and role, few notices."""
    return small_directory(2)


@pytest.fixture(scope="session")
def season_events(directory: Directory) -> list[AnyEvent]:
    """Every event of the generated season for the small directory."""
    return list(season_log(directory))


@pytest.fixture(scope="session")
def season_ledger(season_events: list[AnyEvent]) -> Ledger:
    """The season's events in a ledger."""
    ledger = Ledger()
    ledger.add_all(season_events)
    return ledger


@pytest.fixture(scope="session")
def people(directory: Directory) -> People:
    """The small directory as the review's person lookup."""
    return People.from_directory(directory.units, directory.persons)
