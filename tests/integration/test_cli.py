"""`sanfang up` as a user runs it: starts everything, prints masked settings, stops cleanly."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from services.core.broker import free_port
from tests.conftest import MQTT_HOST, MQTT_PORT, unique

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SANFANG = str(Path(sys.executable).with_name("sanfang"))


def _wait_ready(url: str, process: subprocess.Popen[str], within: float = 60) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"sanfang exited early with {process.returncode}")
        try:
            if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("sanfang up did not become ready")


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_up_runs_everything_and_stops_cleanly(tmp_path: Path, stop_signal: signal.Signals) -> None:
    port = free_port()
    env = {
        **os.environ,
        "SANFANG_MQTT_HOST": MQTT_HOST,
        "SANFANG_MQTT_PORT": str(MQTT_PORT),
        "SANFANG_MQTT_TOPIC_ROOT": unique("cli-"),
        "SANFANG_MQTT_USERNAME": "sanfang",
        "SANFANG_MQTT_PASSWORD": "hunter2-not-shown",
        "SANFANG_SECRET_KEY": "a-secret-that-must-never-be-printed-0123456789",
        "SANFANG_DEMO_DIRECTORY": "true",
    }
    process = subprocess.Popen(
        [SANFANG, "up", "--port", str(port), "--data-dir", str(tmp_path / "var")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_ready(f"http://127.0.0.1:{port}", process)
        posted = httpx.post(
            f"http://127.0.0.1:{port}/api/v1/warnings",
            json={
                "id": "cli-1",
                "hazard": "typhoon",
                "colour": "blue",
                "issued_at": "2024-06-01T08:00:00+08:00",
            },
        )
        assert posted.status_code == 202
        process.send_signal(stop_signal)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, output
    assert "hunter2-not-shown" not in output
    assert "a-secret-that-must-never-be-printed" not in output
    assert "**********" in output
    assert "(embedded broker)" in output
    assert "sanfang stopped" in output
    assert (tmp_path / "var" / "sanfang.db").exists()
    # The embedded broker went with it: nothing answers on its port any more.
    broker_log = (tmp_path / "var" / "broker.log").read_text()
    broker_port = int(re.search(r"listening on: tcp://127.0.0.1:(\d+)", broker_log).group(1))  # type: ignore[union-attr]
    with (
        pytest.raises(ConnectionRefusedError),
        socket.create_connection(("127.0.0.1", broker_port), timeout=1),
    ):
        pass


def test_an_unknown_setting_value_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    env = {**os.environ, "SANFANG_ENVIRONMENT": "production", "SANFANG_SECRET_KEY": "changeme-short-XYZ"}
    result = subprocess.run(
        [SANFANG, "up", "--data-dir", str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "SANFANG_SECRET_KEY must be set" in result.stderr
    assert "changeme-short-XYZ" not in result.stderr, "a refused secret is never echoed"


async def test_without_mosquitto_an_embedded_mqtt_broker_carries_the_notices(
    broker, settings_factory
) -> None:
    from tests.integration.helpers import NoticeWatcher, running, wait_until

    port = free_port()  # nothing listens here: Sanfang must start its own MQTT broker on it
    settings = settings_factory(mqtt_port=port)
    async with running(settings, broker.bootstrap) as sanfang:
        watcher = NoticeWatcher("127.0.0.1", port, settings.mqtt_topic_root)
        async with watcher.watching():
            posted = await sanfang.http.post(
                "/api/v1/warnings",
                json={
                    "id": "emb-1",
                    "hazard": "typhoon",
                    "colour": "blue",
                    # Now: a warning issued hours ago would be stale and notify nobody.
                    "issued_at": datetime.now(UTC).isoformat(),
                },
            )
            assert posted.status_code == 202
            await wait_until(lambda: len(watcher.notices) >= 3183, within=120, what="notices over amqtt")
    assert watcher.duplicates == 0
