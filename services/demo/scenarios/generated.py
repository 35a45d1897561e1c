"""``sanfang demo --scenario generated``: the first half of 2024 in Bao'an, and its review.

Generates the season (deterministic from ``--seed``) into the demo's event store as the
recorder would have kept it, all 3,183 persons, writes the season's review report (with the
strict and loose what-ifs) under the data directory, then starts Sanfang so the console
serves it at ``/review``. The season is generated, not played through the services: the
default scenario, ``season``, plays it live (see ``docs/demo.md``).
"""

from __future__ import annotations

from rich.console import Console
from rich.progress import Progress

from services.core.clock import Clock
from services.core.settings import Settings
from services.core.store import Store
from services.demo.directory.generator import generate_baoan_directory
from services.demo.process import demo_logging, demo_login, login_line, start_sanfang
from services.demo.season.calendar import SEASON_END, SEASON_START
from services.demo.season.store import write_season
from services.replay.run import replay, write_report
from services.rules.component import default_rules_file
from services.rules.service import read_rules_file

__all__ = ["run_generated"]

console = Console()


async def run_generated(settings: Settings, *, seed: int, exit_when_done: bool, clock: Clock) -> int:
    """Generate, review and serve the season; returns 0 when the report was written."""
    demo_logging()
    for leftover in settings.data_dir.glob("sanfang.db*"):
        leftover.unlink()
    rules_dir = default_rules_file().parent
    what_ifs = [read_rules_file(rules_dir / name) for name in ("strict.yaml", "loose.yaml")]
    html, json = settings.data_dir / "season-review.html", settings.data_dir / "season-review.json"
    async with Store(settings.database_url_effective) as store:
        await store.migrate()
        with Progress(console=console) as bar:
            task = bar.add_task("generating the season", total=None)
            count = await write_season(
                store,
                generate_baoan_directory(seed),
                seed=seed,
                clock=clock,
                progress=lambda n: bar.update(task, completed=n),
            )
            bar.update(task, completed=count, total=count)
            task = bar.add_task("replaying it", total=count)

            def progress(done: int, total: int | None) -> None:
                bar.update(task, completed=done, total=total)

            review = await replay(
                store,
                settings,
                source="store",
                start=SEASON_START,
                end=SEASON_END,
                rules=what_ifs,
                progress=progress,
            )
    write_report(review, html=html, json=json)
    real = review.real.counts
    console.print(
        f"season 2024 H1: {real.signals_issued} signals, {real.activations} activations "
        f"({real.pre_emptive} pre-emptive), {review.drill.counts.activations} drill, {count:,} events; "
        f"district mean rainfall {review.district_mean_mm} mm"
    )
    console.print(f"review report: [bold]{html}[/bold] (JSON: {json})")
    if exit_when_done:
        return 0
    started = await start_sanfang(settings, clock)
    if started is None:
        return 1
    url = settings.public_url_effective
    console.print(f"Console: {url}/review?from=2024-01-01&to=2024-07-01&rules=strict  (Ctrl-C stops)")
    console.print(login_line(await demo_login(started.runtime)))
    await started.service
    return 0
