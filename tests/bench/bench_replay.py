"""Benchmark: replay of the whole demo season's event log to the report.

The season (36 signals, 33 activations, every notice, delivery, ack and escalation of the
3,183 persons: about half a million events) is generated deterministically straight into a
SQLite event store, as the recorder would have kept it (cached under ``var/bench`` by seed
and size). Measured in the same run, each in a child process of its own started the same
way (so that its time and peak memory are its own): the replay from the store to the HTML
report and JSON twin (events/s), and its floor, a raw read of the same rows through the same
store (``SELECT payload … ORDER BY seq`` in chunks, no parsing); and their ratio.

    .venv/bin/python -m tests.bench.bench_replay [--fresh] [--seed 2024] [--persons-per-unit 0]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from services.core import tables
from services.core.clock import SystemClock
from services.core.settings import Settings
from services.core.store import Store
from services.demo.directory.generator import generate_baoan_directory
from services.demo.season.calendar import SEASON_END, SEASON_START
from services.demo.season.log import small_directory
from services.demo.season.store import write_season
from services.replay.run import replay, write_report
from services.replay.sources import CHUNK
from tests.bench.report import Figure, report

_CACHE = Path(__file__).resolve().parents[2] / "var" / "bench"


def _settings(path: Path) -> Settings:
    return Settings(data_dir=path.parent, database_url=f"sqlite+aiosqlite:///{path}")


async def prepare(path: Path, seed: int, per_unit: int) -> int:
    """The season's events in the store at ``path``, generated if it holds none; how many."""
    async with Store(_settings(path).database_url_effective) as store:
        await store.migrate()
        async with store.read() as conn:
            have = int((await conn.execute(select(func.count()).select_from(tables.events))).scalar_one())
        if have == 0:
            directory = generate_baoan_directory(seed) if per_unit <= 0 else small_directory(per_unit, seed)
            began = time.perf_counter()
            have = await write_season(store, directory, seed=seed, clock=SystemClock())
            took = time.perf_counter() - began
            sys.stdout.write(f"generated {have:,} events into {path.name} in {took:.0f} s\n")
    return have


async def raw_read(path: Path) -> dict[str, float]:
    """The floor: every row's payload read through the store as the replay reads them, in
    chunks of the replay's size, nothing parsed."""
    count = 0
    async with Store(_settings(path).database_url_effective) as store:
        began = time.perf_counter()
        async with store.read() as conn:
            query = select(tables.events.c.payload).order_by(tables.events.c.seq)
            result = await conn.stream_scalars(query.execution_options(yield_per=CHUNK))
            async for rows in result.partitions(CHUNK):
                count += len(rows)
        seconds = time.perf_counter() - began
    return {"seconds": seconds, "events": count}


async def replay_to_report(path: Path) -> dict[str, float]:
    """The product: the season replayed from the store to the HTML report and its JSON twin."""
    settings = _settings(path)
    async with Store(settings.database_url_effective) as store:
        began = time.perf_counter()
        review = await replay(store, settings, source="store", start=SEASON_START, end=SEASON_END)
        with tempfile.TemporaryDirectory() as out:
            write_report(review, html=Path(out) / "season.html", json=Path(out) / "season.json")
            size = (Path(out) / "season.html").stat().st_size
        seconds = time.perf_counter() - began
    return {
        "seconds": seconds,
        "events": review.events,
        "report_kib": size / 1024,
        "activations": review.real.counts.activations,
    }


def child(side: str, path: Path) -> None:
    """Run one side in this process and print its figures and peak memory as JSON."""
    result = asyncio.run(replay_to_report(path) if side == "product" else raw_read(path))
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sys.stdout.write(json.dumps(result) + "\n")


def run_child(side: str, path: Path) -> dict[str, float]:
    command = [sys.executable, "-m", "tests.bench.bench_replay", "--child", side, "--db", str(path)]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def main(seed: int, fresh: bool, per_unit: int) -> None:
    _CACHE.mkdir(parents=True, exist_ok=True)
    size = "all" if per_unit <= 0 else f"{per_unit}pu"
    path = _CACHE / f"replay-season-{seed}-{size}.db"
    if fresh:
        for old in _CACHE.glob(f"{path.name}*"):
            old.unlink()
    asyncio.run(prepare(path, seed, per_unit))
    base = run_child("floor", path)
    made = run_child("product", path)
    if base["events"] != made["events"]:
        raise SystemExit(f"the replay read {made['events']:.0f} events, the raw read {base['events']:.0f}")
    events = made["events"]
    report(
        "replay_season" if per_unit <= 0 else f"replay_season_{size}",
        Figure("replay to report", events / made["seconds"], "events/s", higher_is_better=True),
        Figure("raw read of the rows", events / base["seconds"], "events/s", higher_is_better=True),
        events=float(events),
        replay_seconds=made["seconds"],
        raw_seconds=base["seconds"],
        product_peak_mb=made["peak_mb"],
        floor_peak_mb=base["peak_mb"],
        report_kib=made["report_kib"],
        activations=float(made["activations"]),
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--fresh", action="store_true", help="generate the event store again")
    parser.add_argument(
        "--persons-per-unit", type=int, default=0, help="a smaller directory (0: all 3,183 persons)"
    )
    parser.add_argument("--child", choices=["product", "floor"], help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.db)
    else:
        main(args.seed, args.fresh, args.persons_per_unit)
