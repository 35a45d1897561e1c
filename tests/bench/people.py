"""Directories of any size for the benchmarks: Bao'an's units and persons, cycled."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from schemas.directory import Person
from services.core.clock import SystemClock
from services.core.settings import Settings
from services.core.store import Store
from services.demo.directory.generator import generate_baoan_directory
from services.dispatch.directory_store import save_directory
from services.dispatch.domain.directory import Directory

__all__ = ["BAOAN", "directory_of", "seed_directory", "seed_elsewhere"]

BAOAN = 3183


def directory_of(persons: int) -> Directory:
    """Bao'an's units, and ``persons`` persons shaped like Bao'an's (cycled), without deputies."""
    baoan = generate_baoan_directory()
    if persons == len(baoan.persons):
        return baoan
    people = [
        Person(
            person_id=f"P{i:06d}",
            name=template.name,
            unit_id=template.unit_id,
            role=template.role,
            street=template.street,
            phone=f"100{i:08d}",
            app_id=f"yjt-{i:010x}",
        )
        for i, template in ((i, baoan.persons[i % len(baoan.persons)]) for i in range(persons))
    ]
    return Directory.build(baoan.units, people)


async def seed_directory(settings: Settings, persons: int) -> None:
    """Migrate the settings' database and import a directory of ``persons`` into it."""
    async with Store(settings.database_url_effective) as store:
        await store.migrate()
        await save_directory(store, directory_of(persons), source="bench", now=SystemClock().now())


def seed_elsewhere(data_dir: Path, persons: int) -> None:
    """:func:`seed_directory` for ``Settings(data_dir=data_dir)`` in a process of its own, so
    that building a province's directory does not count in the measured process's peak memory
    (at 100,000 persons it peaks at about 250 MB by itself)."""
    command = [sys.executable, "-m", "tests.bench.people", str(data_dir), str(persons)]
    subprocess.run(command, check=True, timeout=900)


if __name__ == "__main__":
    asyncio.run(seed_directory(Settings(data_dir=Path(sys.argv[1])), int(sys.argv[2])))
