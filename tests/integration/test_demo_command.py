"""`sanfang demo` as `scripts/demo` runs it: the one-warning scenario and a day of the season,
each to its end (``--exit-when-done``), on the embedded broker and SQLite."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from services.core.broker import free_port
from services.core.clock import SystemClock
from services.core.settings import Settings
from services.core.store import Store
from services.web.sessions import Sessions
from tests.conftest import MQTT_HOST, MQTT_PORT, unique

# The command itself may take up to 600 s (its subprocess timeout) on a loaded box.
pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(700)]

SANFANG = str(Path(sys.executable).with_name("sanfang"))


def _demo(tmp_path: Path, *options: str) -> str:
    """Run ``sanfang demo OPTIONS --exit-when-done``; its output (it must exit 0)."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SANFANG_")},
        "SANFANG_MQTT_HOST": MQTT_HOST,
        "SANFANG_MQTT_PORT": str(MQTT_PORT),
        "SANFANG_MQTT_TOPIC_ROOT": unique("demo-"),
        "SANFANG_DATA_DIR": str(tmp_path / "var"),
        "SANFANG_PORT": str(free_port()),
        "COLUMNS": "200",
    }
    done = subprocess.run(
        [SANFANG, "demo", *options, "--exit-when-done"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    return done.stdout


async def _logs_in(tmp_path: Path, shown: str) -> bool:
    """Whether the login the demo printed opens a console session on its database."""
    found = re.search(r"Console login: (\S+) / (\S+) \(a commander", shown)
    assert found, "the demo prints a console login"
    username, password = found.groups()
    settings = Settings(data_dir=tmp_path / "var" / "demo")  # the demo keeps its data apart
    async with Store(settings.database_url_effective) as store:
        sessions = Sessions.from_settings(store, SystemClock(), settings)
        session = await sessions.login(username, password, source_ip="127.0.0.1")
    return bool(session.token)


async def test_the_warning_scenario_reaches_everyone_and_most_acknowledge(tmp_path: Path) -> None:
    shown = await asyncio.to_thread(_demo, tmp_path, "--scenario", "warning", "--speed", "10")
    assert "→ 202" in shown
    assert await _logs_in(tmp_path, shown)
    counts = {
        name: int(value)
        for name, value in re.findall(
            r"(notified \(store\)|delivered \(MQTT PUBACK\)|received by the apps|acknowledged)\s*│\s*(\d+)",
            shown,
        )
    }
    assert counts["notified (store)"] == counts["delivered (MQTT PUBACK)"] == 3183
    assert counts["received by the apps"] == 3183
    assert counts["acknowledged"] >= 0.75 * 3183  # it exits once three in four have answered


def test_a_day_of_the_season_plays_and_writes_its_review(tmp_path: Path) -> None:
    shown = _demo(tmp_path, "--start", "2024-05-04", "--days", "1")
    assert "Played" in shown
    review = json.loads((tmp_path / "var" / "demo" / "season-review.json").read_text(encoding="utf-8"))
    counts = review["real"]["counts"]
    assert counts["activations"] >= 1
    assert counts["acknowledged"] > 0
    assert counts["escalations"] >= 1
    assert "<svg" in (tmp_path / "var" / "demo" / "season-review.html").read_text(encoding="utf-8")
