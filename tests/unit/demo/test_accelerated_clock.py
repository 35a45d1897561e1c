"""The demo season's clock: faster than real time, skipping ahead, never going back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.core.clock import AcceleratedClock

T0 = datetime(2024, 5, 4, 6, 45, tzinfo=UTC)


class FakeMonotonic:
    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


def test_it_runs_speed_times_faster_than_real_time() -> None:
    real = FakeMonotonic()
    clock = AcceleratedClock(T0, speed=600, monotonic=real)
    real.value += 1.5
    assert clock.now() == T0 + timedelta(minutes=15)


def test_a_jump_skips_ahead_and_time_goes_on_from_there() -> None:
    real = FakeMonotonic()
    clock = AcceleratedClock(T0, speed=60, monotonic=real)
    assert clock.jump_to(T0 + timedelta(days=3)) == T0 + timedelta(days=3)
    real.value += 2
    assert clock.now() == T0 + timedelta(days=3, minutes=2)


def test_it_never_goes_back() -> None:
    real = FakeMonotonic()
    clock = AcceleratedClock(T0, speed=60, monotonic=real)
    real.value += 10
    assert clock.jump_to(T0) == T0 + timedelta(minutes=10)


def test_a_change_of_speed_keeps_the_time_reached() -> None:
    real = FakeMonotonic()
    clock = AcceleratedClock(T0, speed=600, monotonic=real)
    real.value += 1
    clock.run_at(1.0)
    real.value += 30
    assert clock.now() == T0 + timedelta(minutes=10, seconds=30)
    assert clock.speed == 1.0


def test_naive_times_and_stopped_clocks_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        AcceleratedClock(datetime(2024, 5, 4))  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="positive"):
        AcceleratedClock(T0, speed=0)
