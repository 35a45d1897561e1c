"""Rolling rain totals: the same rain gives the same totals whatever order it arrived in."""

from __future__ import annotations

import random

from services.rules.domain.windows import leaves_at, measure, totals


def test_totals_do_not_depend_on_the_order_buckets_arrived_in() -> None:
    rng = random.Random(7)
    rain = {minute: round(rng.uniform(0.1, 9.9), 1) for minute in range(0, 24 * 60, 5)}
    shuffled = list(rain.items())
    rng.shuffle(shuffled)
    assert measure(dict(shuffled), {}, at=24 * 60) == measure(rain, {}, at=24 * 60)


def test_windows_count_rain_younger_than_their_length_and_corrections_win() -> None:
    buckets = {0: 10.0, 60: 5.0, 120: 2.5, 200: 1.0}
    assert totals(buckets, {60: 7.0}, at=120) == {1: 2.5, 3: 19.5, 6: 19.5, 24: 19.5}
    # Rain after ``at`` is not counted yet; rain leaves the 1 h window an hour after it fell.
    assert leaves_at(buckets, {}, at=120, hours=1) == 180
    assert leaves_at({}, {}, at=120, hours=1) is None
    # A correction to zero removes the rain from the windows.
    assert measure(buckets, {120: 0.0}, at=120) == (
        {1: 0.0, 3: 15.0, 6: 15.0, 24: 15.0},
        {1: None, 3: 180, 6: 360, 24: 1440},
    )
