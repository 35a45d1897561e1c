"""Load from another process: ``wrk`` with ``burst.lua``, each request of a list sent once.

wrk keeps running for its ``-d`` whatever its threads do, so the script prints a line as
each thread has every answer, and this driver then stops wrk with SIGINT (it prints its
summary and exits). Times are ``time.monotonic()`` seconds, comparable with the caller's.

    >>> async def demo() -> None:  # doctest: +SKIP
    ...     floor = await burst(8080, 3183, bodies=None)  # GET /healthz 3,183 times
    ...     acks = await burst(8080, 3183, bodies=Path("acks.jsonl"))
"""

from __future__ import annotations

import asyncio
import json
import shutil
import signal
from pathlib import Path

__all__ = ["BurstFailed", "burst"]

SCRIPT = Path(__file__).with_name("burst.lua")
THREADS = 2
CONNECTIONS = 50


class BurstFailed(RuntimeError):
    """wrk is missing, did not finish in time, or some answers were not 2xx."""


async def burst(
    port: int, count: int, *, bodies: Path | None, connections: int = CONNECTIONS, within: float = 300
) -> dict[str, float]:
    """Send ``count`` requests (acks from ``bodies``, else ``GET /healthz``) to 127.0.0.1:``port``
    with ``connections`` open; returns wrk's summary (``started``, ``finished``, ``answered``,
    ``failed``, ``repeats``, ``requests``)."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise BurstFailed("wrk is not installed (Debian: apt-get install wrk)")
    threads = max(1, min(THREADS, count))
    connections = max(threads, min(connections, count))
    command = [wrk, "-t", str(threads), "-c", str(connections), "-d", f"{int(within)}s"]
    command += ["--timeout", "60s", "-s", str(SCRIPT), f"http://127.0.0.1:{port}"]
    command += ["--", "healthz" if bodies is None else str(bodies), str(count), str(threads)]
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    lines: list[bytes] = []
    try:
        async with asyncio.timeout(within + 30):
            done = 0
            while done < threads:
                line = await process.stdout.readline()
                if not line:
                    break
                lines.append(line)
                done += line.startswith(b"thread ")
            if process.returncode is None:
                process.send_signal(signal.SIGINT)
            rest, errors = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    text = (b"".join(lines) + rest).decode()
    summaries = [line for line in text.splitlines() if line.startswith("{")]
    if not summaries:
        raise BurstFailed(f"wrk printed no summary: {text[-500:]} {errors.decode()[-500:]}")
    summary: dict[str, float] = json.loads(summaries[-1])
    if summary["failed"] or summary["answered"] < count:
        raise BurstFailed(f"{summary['answered']:.0f} of {count} answered, {summary['failed']:.0f} not 2xx")
    return summary
