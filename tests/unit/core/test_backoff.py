"""The one backoff: ceilings that double up to the cap, and waits spread over the whole window."""

from __future__ import annotations

import asyncio
import random

import pytest

from services.core.backoff import Backoff


def test_the_ceiling_doubles_from_the_base_up_to_the_cap_and_starts_again_after_a_reset() -> None:
    backoff = Backoff(base=10, cap=100, draw=lambda: 1.0)  # the top of every window
    assert [backoff.next_delay() for _ in range(6)] == [10, 20, 40, 80, 100, 100]
    backoff.reset()
    assert backoff.next_delay() == 10


def test_a_draw_of_zero_retries_at_once_whatever_the_attempt() -> None:
    backoff = Backoff(base=10, cap=100, draw=lambda: 0.0)
    assert [backoff.next_delay() for _ in range(4)] == [0, 0, 0, 0]


def test_every_wait_lies_between_zero_and_its_ceiling() -> None:
    backoff = Backoff(base=0.2, cap=15, draw=random.Random(13).random)
    for attempt in range(200):
        ceiling = min(15, 0.2 * 2**attempt)
        assert backoff.ceiling == ceiling
        assert 0 <= backoff.next_delay() <= ceiling


def test_the_jitter_is_full_waits_spread_over_the_whole_window_not_only_its_upper_half() -> None:
    backoff = Backoff(base=1, cap=8, draw=random.Random(7).random)
    for _ in range(4):
        backoff.next_delay()  # up to the cap
    waits = [backoff.next_delay() for _ in range(2000)]
    assert min(waits) < 0.4  # an "equal jitter" backoff never waits less than 4 s here
    assert max(waits) > 7.6
    assert sum(w < 4 for w in waits) == pytest.approx(1000, rel=0.1)  # uniform: half below the middle
    assert len(set(waits)) == len(waits)  # drawn, not a fixed schedule


def test_a_dependency_away_for_very_long_keeps_the_cap() -> None:
    backoff = Backoff(base=0.2, cap=15, draw=lambda: 0.5)
    for _ in range(5000):
        delay = backoff.next_delay()
    assert delay == 7.5


@pytest.mark.parametrize(("base", "cap"), [(0, 15), (-1, 15), (0.2, 0)])
def test_a_backoff_needs_a_positive_base_and_cap(base: float, cap: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        Backoff(base, cap)


async def test_wait_sleeps_for_the_drawn_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(asyncio, "sleep", sleep)
    backoff = Backoff(base=2, cap=5, draw=lambda: 0.25)
    for _ in range(3):
        await backoff.wait()
    assert slept == [0.5, 1.0, 1.25]
