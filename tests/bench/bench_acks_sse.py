"""Benchmark: acknowledgements per second through ``POST /api/v1/acks`` while a duty
officer's board is open on its Server-Sent Events stream, beside a bare FastAPI endpoint
that does nothing, served the same way and driven by the same client in the same run.

    .venv/bin/python -m tests.bench.bench_acks_sse [--acks 2000] [--concurrency 32]

Sanfang runs whole (embedded broker, SQLite, Mosquitto on 127.0.0.1:1883); a typhoon blue
signal notifies all 3,183 persons, then ``--acks`` of them acknowledge at once, each with
the ack token their app was pushed (read from dispatch's stored pushes); the bare endpoint
gets the same bodies. Also reported: how long until the board (SSE) showed every one of
them acknowledged.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from schemas.console import AccountIn, Role
from services.core.broker import free_port
from services.core.settings import Settings
from services.runtime import ALL_SERVICES, Runtime
from services.web.audit import Actor
from tests.bench.report import Figure, report
from tests.integration.helpers import app_tokens

PASSWORD = "Typhoon-Watch-2024!"


async def _fire(
    client: httpx.AsyncClient, path: str, bodies: list[dict[str, Any]], concurrency: int
) -> float:
    """POST every body with ``concurrency`` requests in flight; returns requests per second."""
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)

    async def worker() -> None:
        while not queue.empty():
            body = queue.get_nowait()
            answer = await client.post(path, json=body)
            if answer.status_code >= 300:
                raise RuntimeError(f"{path}: {answer.status_code} {answer.text}")

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return len(bodies) / (time.perf_counter() - started)


async def _baseline(bodies: list[dict[str, Any]], concurrency: int) -> float:
    """Requests per second of a FastAPI endpoint that does nothing, under uvicorn like Sanfang."""
    app = FastAPI()

    @app.post("/noop", status_code=202)
    async def noop(body: dict[str, Any]) -> dict[str, str]:
        return {"ok": "yes"}

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", access_log=False
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
        await asyncio.sleep(0.05)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            await _fire(client, "/noop", bodies[:200], concurrency)  # warm-up
            return await _fire(client, "/noop", bodies, concurrency)
    finally:
        server.should_exit = True
        await task


async def run(acks: int, concurrency: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp),
            port=free_port(),
            topic_prefix=f"bench{uuid.uuid4().hex[:8]}.",
            mqtt_topic_root=f"bench-{uuid.uuid4().hex[:8]}",
            console_board_poll_ms=250,
            log_level="WARNING",
            demo_directory=True,
        )
        runtime = Runtime(settings, ALL_SERVICES)
        stop = asyncio.Event()
        task = asyncio.create_task(runtime.run(stop))
        await runtime.ready.wait()
        try:
            await _measure(runtime, settings, acks, concurrency)
        finally:
            stop.set()
            await task


async def _measure(runtime: Runtime, settings: Settings, acks: int, concurrency: int) -> None:
    console = runtime.components["console"].handle
    cli = Actor("bench", "bench", "administrator", "local")
    await console.accounts.add(
        AccountIn(username="bench", display_name="压测", role=Role.VIEWER, password=PASSWORD), by=cli
    )
    base = f"http://127.0.0.1:{settings.port}"
    limits = httpx.Limits(max_connections=concurrency + 4)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as http:
        token = (
            await http.post("/api/v1/auth/login", json={"username": "bench", "password": PASSWORD})
        ).json()["token"]
        http.cookies.clear()
        officer = {"Authorization": f"Bearer {token}"}
        issued = datetime.now(UTC).replace(microsecond=0)
        warning = {
            "id": f"44030041600000_{issued.strftime('%Y%m%d%H%M%S')}",
            "hazard": "typhoon",
            "colour": "blue",
            "issued_at": issued.isoformat(),
        }
        assert (await http.post("/api/v1/warnings", json=warning)).status_code == 202
        response_id = ""
        for _ in range(600):
            found = (await http.get("/api/v1/responses", params={"state": "active"})).json()
            if found and found[0]["counts"]["delivered"] == 3183:
                response_id = found[0]["response_id"]
                break
            await asyncio.sleep(0.2)
        if not response_id:
            raise RuntimeError("the activation did not reach 3,183 persons")
        pending: list[str] = []
        for offset in range(0, 3183, 1000):
            page = await http.get(
                f"/api/v1/responses/{response_id}/pending",
                params={"offset": offset, "limit": 1000},
                headers=officer,
            )
            pending += [p["notice_id"] for p in page.json()]
        chosen = pending[:acks]
        tokens = await app_tokens(settings.database_url_effective, chosen)
        bodies: list[dict[str, Any]] = [
            {"notice_id": n, "token": tokens[n], "channel": "app"} for n in chosen
        ]

        frames: list[tuple[float, int]] = []

        async def listen() -> None:
            url = f"/api/v1/responses/{response_id}/board/stream"
            async with http.stream("GET", url, headers=officer) as stream:
                async for line in stream.aiter_lines():
                    if line.startswith("data: "):
                        frames.append((time.perf_counter(), json.loads(line[6:])["totals"]["acknowledged"]))

        listener = asyncio.create_task(listen())
        while not frames:  # noqa: ASYNC110 - polls what the listener task collected
            await asyncio.sleep(0.05)
        started = time.perf_counter()
        rate = await _fire(http, "/api/v1/acks", bodies, concurrency)
        while frames[-1][1] < len(chosen):
            await asyncio.sleep(0.05)
            if time.perf_counter() - started > 300:
                raise RuntimeError(f"the board shows {frames[-1][1]} of {len(chosen)} acks after 300 s")
        all_on_board = frames[-1][0] - started
        listener.cancel()
    baseline = await _baseline(bodies, concurrency)
    report(
        "acks_sse",
        Figure("acks accepted by POST /api/v1/acks, board SSE open", rate, "acks/s", True),
        Figure("bare FastAPI endpoint doing nothing", baseline, "req/s", True),
        acks=float(len(chosen)),
        concurrency=float(concurrency),
        seconds_until_board_shows_all=all_on_board,
        board_frames=float(len(frames)),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--acks", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    asyncio.run(run(args.acks, args.concurrency))


if __name__ == "__main__":
    main()
