"""``sanfang demo`` (``--scenario season``): the first half of 2024 in Bao'an, played live.

Starts every service on an accelerated clock with the sandbox SMS/voice gateway, posts the
generated season's warnings and gauge readings to the ingest API as their time comes, and
lets the simulated persons and duty officer answer over the real channels; a live view shows
the simulated date, the signals, the responses, notices, acks and escalations. At the end it
writes the season's review report from the recorded events, prints the console URL, and
keeps serving until Ctrl-C (or stops with ``--exit-when-done``).

>>> async def demo() -> None:  # doctest: +SKIP
...     await run_season(Settings(data_dir="var/demo"), Playback(), exit_when_done=True)
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Coroutine
from typing import Any

from rich.console import Console
from rich.live import Live

from services.core.settings import Settings
from services.demo.live.player import Playback, Played, SeasonPlayer
from services.demo.live.view import Snapshot, render
from services.demo.process import demo_logging, demo_login, login_line

__all__ = ["run_season"]

console = Console()


async def run_season(settings: Settings, playback: Playback, *, exit_when_done: bool) -> int:
    """Play the window, review it and serve the console; 0 when the season played through."""
    demo_logging()
    # A fresh store every time: the review must be this playback's, not an earlier one's.
    for leftover in settings.data_dir.glob("sanfang.db*"):
        leftover.unlink()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    player = SeasonPlayer(settings, playback)
    persons = "all 3,183" if playback.persons_per_unit <= 0 else f"{playback.persons_per_unit} per unit"
    console.print(
        f"Playing {playback.start:%Y-%m-%d} → {playback.end:%Y-%m-%d} at {playback.speed:g}× "
        f"(quiet stretches skipped), {persons} persons"
    )
    async with player.running(stop):
        console.print(f"Sanfang is up. Console and API: [bold]{player.url}[/bold]")
        console.print(login_line(await demo_login(player.runtime)))
        with Live(console=console, refresh_per_second=4, transient=False) as live:

            def show(frame: Snapshot) -> None:
                live.update(render(frame, speed=playback.speed))

            played = await _until_stopped(player.play(show), stop)
        if played is None:
            return 1
        _summary(played)
        html, json = settings.data_dir / "season-review.html", settings.data_dir / "season-review.json"
        await player.review(html, json)
        window = f"from={playback.start:%Y-%m-%d}&to={playback.end:%Y-%m-%d}"
        console.print(f"review report: [bold]{html}[/bold] (JSON: {json})")
        console.print(f"Console: [bold]{player.url}[/bold]   Review: {player.url}/review?{window}")
        if not exit_when_done:
            console.print("Sanfang keeps serving (now in real time); Ctrl-C stops.")
            await stop.wait()
    return 0


async def _until_stopped(play: Coroutine[Any, Any, Played], stop: asyncio.Event) -> Played | None:
    """The playback's result, or None when Ctrl-C came first."""
    task = asyncio.create_task(play)
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait([task, stopper], return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    if not task.done():
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return None
    return task.result()


def _summary(played: Played) -> None:
    k = played.kinds
    console.print(
        f"Played {played.cues} cues in {played.seconds:.0f} s ({played.skips} quiet stretches skipped): "
        f"{k['warning.signal']} warning messages, {k['response.activated']} activations, "
        f"{k['notice']} notices, {k['ack']} acks, {k['escalation']} escalation steps"
    )
