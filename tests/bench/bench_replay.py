"""Benchmark: replay of the whole demo season's event log to the report.

The season (36 signals, 33 activations, every notice, delivery, ack and escalation of the
3,183 persons: about a million events) is generated deterministically straight into a
SQLite event store, as the recorder would have kept it (cached under ``var/bench`` by seed).
Measured in the same run: the replay from the store to the HTML report and JSON twin
(events/s), and a raw read of the same rows (``SELECT payload … ORDER BY seq``, no parsing),
and their ratio.

    .venv/bin/python -m tests.bench.bench_replay [--fresh] [--seed 2024]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from services.core import tables
from services.core.settings import Settings
from services.core.store import Store
from services.demo.season.calendar import SEASON_END, SEASON_START
from services.demo.season.store import write_season
from services.dispatch.domain.generator import generate_baoan_directory
from services.replay.run import replay, write_report
from tests.bench.report import Figure, report

_CACHE = Path(__file__).resolve().parents[2] / "var" / "bench"
_BATCH = 5000


async def _generate(store: Store, seed: int) -> int:
    return await write_season(store, generate_baoan_directory(seed), seed=seed)


async def _raw_read(store: Store) -> int:
    count = 0
    async with store.read() as conn:
        result = await conn.stream(select(tables.events.c.payload).order_by(tables.events.c.seq))
        async for rows in result.partitions(_BATCH):
            count += len(rows)
    return count


async def main(seed: int, fresh: bool) -> None:
    _CACHE.mkdir(parents=True, exist_ok=True)
    path = _CACHE / f"replay-season-{seed}.db"
    if fresh:
        for old in _CACHE.glob(f"replay-season-{seed}.db*"):
            old.unlink()
    settings = Settings(data_dir=_CACHE, database_url=f"sqlite+aiosqlite:///{path}")
    async with Store(settings.database_url_effective) as store:
        await store.migrate()
        async with store.read() as conn:
            have = int((await conn.execute(select(func.count()).select_from(tables.events))).scalar_one())
        if have == 0:
            began = time.perf_counter()
            have = await _generate(store, seed)
            took = time.perf_counter() - began
            sys.stdout.write(f"generated {have:,} events into {path} in {took:.0f} s\n")
        began = time.perf_counter()
        raw = await _raw_read(store)
        raw_seconds = time.perf_counter() - began
        began = time.perf_counter()
        review = await replay(store, settings, source="store", start=SEASON_START, end=SEASON_END)
        with tempfile.TemporaryDirectory() as out:
            write_report(review, html=Path(out) / "season.html", json=Path(out) / "season.json")
            size = (Path(out) / "season.html").stat().st_size
        replay_seconds = time.perf_counter() - began
    if raw != review.events:
        raise SystemExit(f"the replay read {review.events} events, the raw read {raw}")
    report(
        "replay_season",
        Figure("replay to report", review.events / replay_seconds, "events/s", higher_is_better=True),
        Figure("raw read of the rows", raw / raw_seconds, "events/s", higher_is_better=True),
        events=float(raw),
        replay_seconds=replay_seconds,
        raw_seconds=raw_seconds,
        report_kib=size / 1024,
        activations=float(review.real.counts.activations),
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--fresh", action="store_true", help="generate the event store again")
    args = parser.parse_args()
    asyncio.run(main(args.seed, args.fresh))
