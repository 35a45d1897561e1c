"""Directories of any size for the benchmarks: Bao'an's units and persons, cycled."""

from __future__ import annotations

from schemas.directory import Person
from services.core.clock import SystemClock
from services.core.settings import Settings
from services.core.store import Store
from services.dispatch.directory_store import save_directory
from services.dispatch.domain.directory import Directory
from services.dispatch.domain.generator import generate_baoan_directory

__all__ = ["BAOAN", "directory_of", "seed_directory"]

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
