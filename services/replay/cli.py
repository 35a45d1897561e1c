"""``sanfang replay``: rebuild the timeline and metrics of a window, with what-ifs, into a report.

    sanfang replay --from 2024-01-01 --to 2024-07-01 --rules rules/strict.yaml \\
        --report review.html --json review.json
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import datetime
from pathlib import Path

__all__ = ["register"]


def _moment(text: str) -> datetime:
    """An ISO date or time; without a zone it is Beijing time (the bureau's clock)."""
    from services.core.clock import BEIJING

    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO date or time") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=BEIJING)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``sanfang replay``."""
    replay = commands.add_parser("replay", help="timeline, metrics and what-if of recorded events")
    replay.add_argument("--from", dest="start", type=_moment, help="start (ISO; Beijing time if no zone)")
    replay.add_argument("--to", dest="end", type=_moment, help="end, exclusive")
    replay.add_argument("--source", choices=["store", "kafka"], default="store")
    replay.add_argument("--bootstrap", help="Kafka bootstrap for --source kafka (default: the settings')")
    replay.add_argument(
        "--rules", type=Path, action="append", default=[], help="a rules file for a what-if (repeatable)"
    )
    replay.add_argument("--report", type=Path, help="write the HTML report here")
    replay.add_argument("--json", type=Path, help="write the JSON twin here")
    replay.add_argument("--data-dir", type=Path, help="where SQLite lives (default ./var)")
    replay.set_defaults(handler=_replay)


def _replay(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from services.core.settings import Settings
    from services.core.store import Store
    from services.replay.run import replay, write_report
    from services.rules.service import read_rules_file

    settings = Settings(**({"data_dir": args.data_dir} if args.data_dir else {}))
    rules = [read_rules_file(path) for path in args.rules]
    console = Console(stderr=True)

    async def run() -> int:
        columns = (TextColumn("replaying"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console) as bar:
            task = bar.add_task("events", total=None)

            def progress(done: int, total: int | None) -> None:
                bar.update(task, completed=done, total=total)

            async with Store(settings.database_url_effective) as store:
                review = await replay(
                    store,
                    settings,
                    source=args.source,
                    start=args.start,
                    end=args.end,
                    rules=rules,
                    bootstrap=args.bootstrap,
                    progress=progress,
                )
        write_report(review, html=args.report, json=args.json)
        _summary(console, review)
        for path in (args.report, args.json):
            if path:
                console.print(f"written: {path}")
        return 0

    return asyncio.run(run())


def _summary(console: object, review: object) -> None:
    from rich.console import Console
    from rich.table import Table

    from services.replay.domain.review import Review

    if not isinstance(console, Console) or not isinstance(review, Review):
        return
    table = Table(title=review.title)
    table.add_column("")
    table.add_column("real", justify="right")
    table.add_column("drill", justify="right")
    for name in (
        "signals_issued",
        "activations",
        "pre_emptive",
        "responses",
        "proposals",
        "notices",
        "escalations",
    ):
        table.add_row(name, str(getattr(review.real.counts, name)), str(getattr(review.drill.counts, name)))
    rate = review.real.ack_rate
    table.add_row("ack rate", "" if rate is None else f"{rate:.1%}", "")
    console.print(table)
    for w in review.what_ifs:
        console.print(
            f"what-if {w.rules_id}: activations {w.recorded_activations} → {w.what_if_activations}, "
            f"gained {len(w.gained)}, lost {len(w.lost)}, earlier {w.earlier}, later {w.later}, "
            f"higher {w.higher}, lower {w.lower}"
        )
