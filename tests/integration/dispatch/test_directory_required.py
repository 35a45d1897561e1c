"""Dispatch refuses to start without an imported directory, and says in one line how to import
one; after ``sanfang directory import`` it starts with that directory. The invented Bao'an
directory is only used when asked for (``SANFANG_DEMO_DIRECTORY``), and never in production."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from services.core import tables
from services.core.broker import EmbeddedBroker
from services.core.clock import SystemClock
from services.core.errors import ConfigError
from services.core.store import Store
from services.demo.directory.generator import generate_baoan_directory
from services.dispatch.directory_store import InventedDirectory, directory_to_start, load_directory
from services.dispatch.domain.directory_csv import persons_csv, units_csv
from tests.integration.dispatch.helpers import ROOT, dispatch_env, dispatch_process, dispatch_running
from tests.integration.helpers import wait_until

pytestmark = [pytest.mark.integration]


def _sanfang(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def _ready(port: int) -> bool:
    try:
        async with httpx.AsyncClient(timeout=1) as http:
            return (await http.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200
    except httpx.HTTPError:
        return False


async def test_without_a_directory_dispatch_refuses_to_start_and_says_how_to_import_one(
    broker: EmbeddedBroker, settings_factory, tmp_path: Path
) -> None:
    settings = settings_factory(demo_directory=False)
    env = dispatch_env(settings, broker.bootstrap, COLUMNS="1000")  # the error unwrapped, as in a log

    refused = await asyncio.to_thread(_sanfang, env, "run", "dispatch")

    assert refused.returncode == 1, refused.stdout + refused.stderr
    said = [line for line in refused.stderr.splitlines() if "no directory" in line]
    assert len(said) == 1, refused.stderr
    assert "sanfang directory import units.csv persons.csv" in said[0]
    assert "SANFANG_DEMO_DIRECTORY" in said[0]
    assert "Traceback" not in refused.stderr
    async with Store(settings.database_url_effective) as store:
        assert await load_directory(store) is None, "nothing was invented in its place"

    # Imported as an operator would, from the two CSV files: then dispatch starts with it.
    directory = generate_baoan_directory(7)
    (tmp_path / "units.csv").write_text(units_csv(directory), encoding="utf-8")
    (tmp_path / "persons.csv").write_text(persons_csv(directory), encoding="utf-8")
    imported = await asyncio.to_thread(
        _sanfang, env, "directory", "import", str(tmp_path / "units.csv"), str(tmp_path / "persons.csv")
    )
    assert imported.returncode == 0, imported.stdout + imported.stderr
    with dispatch_process(env, tmp_path / "dispatch.log") as process:
        await wait_until(lambda: _ready(settings.port), within=60, what="dispatch to start")
        assert process.poll() is None
    async with Store(settings.database_url_effective) as store:
        loaded = await load_directory(store)
    assert loaded is not None
    assert loaded.version == directory.version


async def test_the_invented_directory_is_used_only_when_asked_for(
    broker: EmbeddedBroker, settings_factory
) -> None:
    settings = settings_factory(demo_directory=True)
    async with dispatch_running(settings, broker.bootstrap, clock=SystemClock()) as sanfang:
        dispatch = sanfang.runtime.components["dispatch"].handle.dispatch
        assert len(dispatch.directory.persons) == 3183
        assert dispatch.directory.version == generate_baoan_directory().version


async def test_the_invented_directory_is_refused_in_production(database_url: str) -> None:
    async with Store(database_url) as store:
        await store.migrate()
        with pytest.raises(ConfigError, match="refused in production"):
            await directory_to_start(store, demo=True, production=True, now=SystemClock().now())
        assert await load_directory(store) is None


async def test_asked_for_an_invented_directory_none_handed_in_dispatch_says_so(database_url: str) -> None:
    async with Store(database_url) as store:
        await store.migrate()
        with pytest.raises(ConfigError, match="no invented directory"):
            await directory_to_start(store, demo=True, production=False, now=SystemClock().now())
        assert await load_directory(store) is None


async def test_the_invented_directory_handed_in_is_stored_under_its_source(database_url: str) -> None:
    invented = InventedDirectory("generated: a trial", lambda: generate_baoan_directory(7))
    async with Store(database_url) as store:
        await store.migrate()
        started = await directory_to_start(
            store, demo=True, production=False, now=SystemClock().now(), invented=invented
        )
        async with store.read() as conn:
            source = (await conn.execute(select(tables.directory_versions.c.source))).scalar_one()
    assert started.version == generate_baoan_directory(7).version
    assert source == "generated: a trial"
