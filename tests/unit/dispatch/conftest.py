"""Shared fixtures for the dispatch domain tests: the Bao'an directory and response events."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from schemas.areas import Scope
from schemas.envelope import derived_id
from schemas.responses import Explanation, Level, ResponseActivated, ResponseEnded, ResponseLevelChanged
from services.demo.directory.generator import generate_baoan_directory
from services.dispatch.domain.directory import Directory

# 2024-05-04 06:45 Beijing time: the orange rainstorm signal of mission.md.
SIGNAL_AT = datetime(2024, 5, 3, 22, 45, tzinfo=UTC)
EXPLANATION = Explanation(rules_id="baoan", rules_version="2024.1", rule="rainstorm-orange")


@pytest.fixture(scope="session")
def baoan() -> Directory:
    """The default Bao'an directory, made once: it is immutable."""
    return generate_baoan_directory()


def activated(scope: Scope, level: Level = Level.IV, *, drill: bool = False) -> ResponseActivated:
    """An activation as the rules would publish it."""
    return ResponseActivated(
        event_id=derived_id("test-activation", scope.key, level),
        occurred_at=SIGNAL_AT,
        correlation_id="44030041600000_20240504064500",
        response_id="resp-1",
        scope=scope,
        drill=drill,
        level=level,
        explanation=EXPLANATION,
    )


def changed(scope: Scope, previous: Level, level: Level) -> ResponseLevelChanged:
    """A level change of ``resp-1``."""
    return ResponseLevelChanged(
        event_id=derived_id("test-change", scope.key, previous, level),
        occurred_at=SIGNAL_AT,
        correlation_id="44030041600000_20240504064500",
        response_id="resp-1",
        scope=scope,
        previous_level=previous,
        level=level,
        explanation=EXPLANATION,
    )


def ended(scope: Scope, previous: Level, *, drill: bool = False) -> ResponseEnded:
    """The end of ``resp-1``."""
    return ResponseEnded(
        event_id=derived_id("test-end", scope.key, previous),
        occurred_at=SIGNAL_AT,
        correlation_id="44030041600000_20240504064500",
        response_id="resp-1",
        scope=scope,
        drill=drill,
        previous_level=previous,
        explanation=EXPLANATION,
    )
