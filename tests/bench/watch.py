"""The phones' side of a benchmark, in a process of its own: subscribes to ``{root}/notices/#``
on 127.0.0.1 and counts distinct notice topics until ``--count`` of them have arrived.

Keeping the observer out of the measured process is what makes a figure honest: the server's
process does not pay for parsing what it sent, and its peak memory is its own. The observer
holds one topic string per notice, and with ``--tokens`` the ack body of each (what an ack
load generator then sends), nothing else.

    .venv/bin/python -m tests.bench.watch --port 1883 --root bench-x --count 3183 [--tokens FILE]

It prints ``ready`` once subscribed, then one JSON line: ``last_at`` (``time.monotonic()``,
the same clock in every process of the machine), ``received`` and ``duplicates``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiomqtt

HOST = "127.0.0.1"


async def watch(port: int, root: str, count: int, within: float, tokens: Path | None) -> dict[str, float]:
    seen: set[str] = set()
    duplicates = 0
    last_at = 0.0
    bodies: list[str] = []
    # QoS 0 for the observer: one wildcard subscriber stands for thousands of phones.
    async with aiomqtt.Client(HOST, port, max_queued_incoming_messages=0) as client:
        await client.subscribe(f"{root}/notices/#", qos=0)
        sys.stdout.write("ready\n")
        sys.stdout.flush()
        async with asyncio.timeout(within):
            async for message in client.messages:
                topic = message.topic.value
                if topic in seen:
                    duplicates += 1
                    continue
                seen.add(topic)
                last_at = time.monotonic()
                if tokens is not None:
                    notice = json.loads(bytes(message.payload))
                    if notice.get("ack_token"):
                        ack = {"notice_id": notice["event_id"], "token": notice["ack_token"]}
                        bodies.append(json.dumps(ack))
                if len(seen) >= count:
                    break
        # A duplicate arriving just after the last new notice still counts.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(0.3):
                async for message in client.messages:
                    duplicates += message.topic.value in seen
    if tokens is not None:
        # After the count: no notice is waiting to be read any more.
        tokens.write_text("\n".join(bodies) + "\n", encoding="utf-8")  # noqa: ASYNC240
    return {"last_at": last_at, "received": len(seen), "duplicates": duplicates}


@dataclass
class Watching:
    """A running observer process (see :func:`watching`)."""

    process: asyncio.subprocess.Process

    async def result(self, within: float) -> dict[str, float]:
        """Its one JSON line, once it counted every notice; fails when it could not."""
        assert self.process.stdout is not None
        async with asyncio.timeout(within):
            line = await self.process.stdout.readline()
            await self.process.wait()
        if self.process.returncode != 0 or not line:
            raise RuntimeError(f"the notice observer failed (exit {self.process.returncode})")
        result: dict[str, float] = json.loads(line)
        if result["duplicates"]:
            raise AssertionError(f"{result['duplicates']} duplicate notices")
        return result


@contextlib.asynccontextmanager
async def watching(
    port: int, root: str, count: int, *, within: float = 3600, tokens: Path | None = None
) -> AsyncIterator[Watching]:
    """Start an observer process and wait until it is subscribed.

    >>> async def demo() -> None:  # doctest: +SKIP
    ...     async with watching(1883, "bench-x", 3183) as phones:
    ...         ...  # cause the notices
    ...         last_at = (await phones.result(within=300))["last_at"]
    """
    command = [sys.executable, "-m", "tests.bench.watch", "--port", str(port), "--root", root]
    command += ["--count", str(count), "--within", str(within)]
    if tokens is not None:
        command += ["--tokens", str(tokens)]
    process = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE)
    try:
        assert process.stdout is not None
        async with asyncio.timeout(30):
            ready = await process.stdout.readline()
        if ready.strip() != b"ready":
            raise RuntimeError("the notice observer did not subscribe")
        yield Watching(process)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--root", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--within", type=float, default=3600)
    parser.add_argument("--tokens", type=Path)
    args = parser.parse_args()
    result = asyncio.run(watch(args.port, args.root, args.count, args.within, args.tokens))
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
