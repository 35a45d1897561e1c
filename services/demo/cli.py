"""The options of ``sanfang demo`` and which scenario they run.

sanfang demo [--speed X] [--start DATE] [--days N] [--persons-per-unit N] [--exit-when-done]
    the season (default): H1 2024 in Bao'an played live on an accelerated clock, then reviewed
sanfang demo --scenario warning [--speed X] [--exit-when-done]
    one typhoon blue warning, 3,183 notices, the persons acknowledging
sanfang demo --scenario generated
    the season generated straight into the store (no playback), reviewed and served

>>> import argparse
>>> parser = argparse.ArgumentParser()
>>> add_arguments(parser)
>>> parser.parse_args(["--days", "3", "--start", "2024-05-04"]).days
3
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import date, datetime, timedelta

from services.core.clock import BEIJING, SystemClock
from services.core.settings import Settings
from services.demo.live.player import DemoError, Playback
from services.demo.season.calendar import SEASON_END, SEASON_START

__all__ = ["add_arguments", "run_demo_command"]

_SEASON_SPEED = Playback().speed


def add_arguments(demo: argparse.ArgumentParser) -> None:
    """Add the demo's own options to its subcommand."""
    demo.add_argument(
        "--scenario",
        choices=["season", "warning", "generated"],
        default="season",
        help="season: H1 2024 played live (default); warning: one typhoon signal; "
        "generated: the season written straight to the store and reviewed",
    )
    demo.add_argument(
        "--speed",
        type=float,
        default=None,
        help=f"season: simulated seconds per real second while busy (default {_SEASON_SPEED:g}); "
        "warning: how much faster the persons answer (default 1)",
    )
    demo.add_argument(
        "--start", type=date.fromisoformat, help="season: first day played (default 2024-01-01)"
    )
    demo.add_argument("--days", type=int, help="season: how many days to play (default: to 2024-07-01)")
    demo.add_argument(
        "--persons-per-unit",
        type=int,
        default=Playback().persons_per_unit,
        help="season: persons of each of the 52 units who take part; 0: all 3,183 (much slower)",
    )
    demo.add_argument("--seed", type=int, default=2024, help="the season generator's seed")
    demo.add_argument(
        "--exit-when-done",
        action="store_true",
        help="stop when the scenario is over (season: after the report; warning: once 75 %% acknowledged)",
    )


def run_demo_command(args: argparse.Namespace, settings: Settings) -> int:
    """Run the scenario the options name; returns the exit status."""
    if args.scenario == "warning":
        from services.demo.scenarios.warning import run_warning

        warning = run_warning(
            settings, exit_when_done=args.exit_when_done, speed=args.speed or 1.0, clock=SystemClock()
        )
        return asyncio.run(warning)
    if args.scenario == "generated":
        from services.demo.scenarios.generated import run_generated

        generated = run_generated(
            settings, seed=args.seed, exit_when_done=args.exit_when_done, clock=SystemClock()
        )
        return asyncio.run(generated)
    from services.demo.scenarios.season import run_season

    return asyncio.run(run_season(settings, playback(args), exit_when_done=args.exit_when_done))


def playback(args: argparse.Namespace) -> Playback:
    """The season window and pace the options ask for."""
    start = SEASON_START
    if args.start is not None:
        start = datetime.combine(args.start, datetime.min.time(), tzinfo=BEIJING)
    end = SEASON_END if args.days is None else min(SEASON_END, start + timedelta(days=args.days))
    if not SEASON_START <= start < end:
        raise DemoError("the window must lie within 2024-01-01 … 2024-07-01")
    return Playback(
        seed=args.seed,
        start=start,
        end=end,
        speed=args.speed or _SEASON_SPEED,
        persons_per_unit=args.persons_per_unit,
    )
