"""A whole wet season of rain-gauge readings through the rules engine.

200 stations (20 in each of the ten streets) report every 5 minutes for 181 days
(1 April to 28 September): 10,425,600 readings through the default rules file, twice: one by
one with ``apply``, and with ``apply_all`` in batches of 500 as the rules service takes them
off the bus (a consumer batch). The baseline loop iterates the same reading objects in the
same run and touches each one, so the ratio is the engine's cost over bare iteration.

The rain is made up but shaped like the real thing and fully deterministic (a seeded PRNG
per day): most slots are dry; about one day in three has a rainy spell of one to nine hours
over some streets, with bursts heavy enough to cross the 1 h, 3 h and 24 h thresholds now
and then, so proposals do happen.

    .venv/bin/python -m tests.bench.bench_rules_engine            # the whole season
    .venv/bin/python -m tests.bench.bench_rules_engine --days 7   # a quick look
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from schemas.areas import Street
from schemas.rainfall import GaugeReading
from services.rules.component import default_rules_file
from services.rules.domain import RulesState, apply, apply_all
from services.rules.service import read_rules_file
from tests.bench.report import Figure, report

STATIONS_PER_STREET = 20
SLOT_MINUTES = 5
SLOTS_PER_DAY = 24 * 60 // SLOT_MINUTES
SEASON_START = datetime(2024, 4, 1, tzinfo=UTC)
SEED = 20240401
BATCH = 500  # the rules consumer's largest batch

STATIONS: tuple[tuple[str, Street], ...] = tuple(
    (f"G{index * STATIONS_PER_STREET + n + 1:03d}", street)
    for index, street in enumerate(Street)
    for n in range(STATIONS_PER_STREET)
)


def _spells(rng: random.Random) -> dict[Street, list[tuple[int, int, float]]]:
    """The day's rainy spells per street: (first slot, last slot, peak mm per 5 minutes)."""
    spells: dict[Street, list[tuple[int, int, float]]] = {}
    if rng.random() > 0.35:
        return spells  # a dry day
    start = rng.randrange(SLOTS_PER_DAY)
    length = rng.randrange(12, 9 * 12)
    peak = rng.choice((1.0, 2.0, 3.0, 5.0, 8.0, 12.0))
    for street in Street:
        if rng.random() < 0.6:  # the cell passes over some streets only
            shift = rng.randrange(-6, 7)
            spells[street] = [(start + shift, start + shift + length, peak * rng.uniform(0.5, 1.2))]
    return spells


def day_readings(day: int) -> list[GaugeReading]:
    """Every reading of one day, in time order (all stations for a slot, then the next slot)."""
    rng = random.Random(SEED * 1000 + day)
    spells = _spells(rng)
    base = SEASON_START + timedelta(days=day)
    readings: list[GaugeReading] = []
    construct = GaugeReading.model_construct
    for slot in range(SLOTS_PER_DAY):
        at = base + timedelta(minutes=SLOT_MINUTES * (slot + 1))
        stamp = at.strftime("%Y%m%d%H%M")
        for station_id, street in STATIONS:
            mm = 0.0
            for first, last, peak in spells.get(street, ()):
                if first <= slot <= last:
                    # A burst in the middle of the spell, drizzle at its edges, gauge to gauge noise.
                    middle = (first + last) / 2
                    shape = max(0.0, 1.0 - abs(slot - middle) / ((last - first) / 2 + 1))
                    mm = round(peak * shape * rng.uniform(0.3, 1.3), 1)
            readings.append(
                construct(
                    event_id=f"{station_id}-{stamp}",
                    occurred_at=at,
                    station_id=station_id,
                    street=street,
                    observed_at=at,
                    interval_minutes=SLOT_MINUTES,
                    rainfall_mm=mm,
                    correlation_id=None,
                    causation_id=None,
                    corrects=None,
                )
            )
    return readings


def season(days: int) -> Iterator[list[GaugeReading]]:
    """The readings of ``days`` days, a day at a time (a day is 57,600 readings)."""
    for day in range(days):
        yield day_readings(day)


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and report readings per second, baseline and ratio."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=181, help="days of readings (default 181)")
    args = parser.parse_args(argv)
    rules = read_rules_file(default_rules_file())
    state = batched = RulesState.empty()
    one_seconds = batch_seconds = baseline_seconds = 0.0
    readings = rainy = decisions = batch_decisions = 0
    for day in season(args.days):
        # The day's readings stay alive for the three loops; keep the collector off them so it
        # does not walk 57,600 readings at every collection (it would slow all three).
        gc.collect()
        gc.freeze()
        started = time.perf_counter()
        touched = 0.0
        for item in day:
            touched += item.rainfall_mm
        baseline_seconds += time.perf_counter() - started

        started = time.perf_counter()
        for item in day:
            state, events = apply(state, item, rules)
            decisions += len(events)
        one_seconds += time.perf_counter() - started

        started = time.perf_counter()
        for first in range(0, len(day), BATCH):
            batched, events = apply_all(batched, day[first : first + BATCH], rules)
            batch_decisions += len(events)
        batch_seconds += time.perf_counter() - started
        gc.unfreeze()

        readings += len(day)
        rainy += sum(1 for item in day if item.rainfall_mm > 0)
    if batched != state or batch_decisions != decisions:
        raise SystemExit("apply_all in batches decided differently from apply one by one")
    baseline = Figure("iterate only", readings / baseline_seconds, "readings/s", higher_is_better=True)
    common: dict[str, float | str] = {
        "readings": str(readings),
        "rainy_share": rainy / readings,
        "decisions": str(decisions),
    }
    report(
        "rules_engine",
        Figure("engine apply, one by one", readings / one_seconds, "readings/s", higher_is_better=True),
        baseline,
        **common,
        engine_seconds=one_seconds,
    )
    report(
        "rules_engine_batches",
        Figure(f"engine apply_all, batches of {BATCH}", readings / batch_seconds, "readings/s", True),
        baseline,
        **common,
        engine_seconds=batch_seconds,
    )


if __name__ == "__main__":
    main(sys.argv[1:])
