"""Fixtures shared by every test: the embedded broker, databases, MQTT, a running Sanfang."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.core.broker import EmbeddedBroker, free_port
from services.core.settings import Settings

POSTGRES_ADMIN_URL = os.environ.get("SANFANG_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
MQTT_HOST = os.environ.get("SANFANG_TEST_MQTT_HOST", "127.0.0.1")
MQTT_PORT = int(os.environ.get("SANFANG_TEST_MQTT_PORT", "1883"))


def unique(prefix: str) -> str:
    """A name no other test uses: for topics, groups, databases, MQTT roots."""
    return f"{prefix}{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBroker]:
    """One embedded Tansu broker for the test session; tests isolate by topic prefix."""
    log_file = tmp_path_factory.mktemp("broker") / "tansu.log"
    instance = EmbeddedBroker(log_file=log_file)
    asyncio.run(instance.start())
    yield instance
    asyncio.run(instance.stop())


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def mqtt_server() -> tuple[str, int]:
    """The Mosquitto server the tests publish to (``.ci/run`` starts it when it is down)."""
    if not _reachable(MQTT_HOST, MQTT_PORT):
        pytest.fail(f"no MQTT server on {MQTT_HOST}:{MQTT_PORT}; start Mosquitto (see .ci/run)")
    return MQTT_HOST, MQTT_PORT


def _admin(statement: str) -> None:
    import asyncpg

    async def run() -> None:
        connection = await asyncpg.connect(POSTGRES_ADMIN_URL)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(run())


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    name = unique("sanfang_t")
    _admin(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    yield f"{base}/{name}"
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database: the test runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'sanfang.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def settings_factory(tmp_path: Path, mqtt_server: tuple[str, int]):  # type: ignore[no-untyped-def]
    """Settings isolated for one test: own topic prefix, data dir and MQTT root; dispatch
    uses the generated Bao'an directory (``demo_directory``) unless a test imports its own."""

    def make(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "data_dir": tmp_path / "var",
            "topic_prefix": unique("t") + ".",
            "topic_partitions": 2,
            "mqtt_host": mqtt_server[0],
            "mqtt_port": mqtt_server[1],
            "mqtt_topic_root": unique("sanfang-test-"),
            "port": free_port(),
            # The invented Bao'an directory: dispatch refuses to start without one otherwise.
            "demo_directory": True,
        }
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]

    return make
