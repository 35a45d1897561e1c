"""The directory in the database: load the current version, or replace it with a new one.

Dispatch starts only with an imported directory (``sanfang directory import``); the demo and
the tests may ask for an invented one instead (``SANFANG_DEMO_DIRECTORY=true``), which the
process that runs dispatch hands it (``services/runtime.py``: the demo's Bao'an directory).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from schemas.directory import Person, Unit
from services.core import tables
from services.core.errors import ConfigError
from services.core.store import Store
from services.dispatch.domain.directory import Directory
from services.dispatch.domain.hazards import HazardKind

__all__ = [
    "NO_DIRECTORY",
    "InventedDirectory",
    "current_version",
    "directory_to_start",
    "load_directory",
    "save_directory",
]

log = logging.getLogger(__name__)

#: Why dispatch will not start without a directory, and what to do about it.
NO_DIRECTORY = (
    "no directory of units and persons has been imported, so dispatch has no one to notify: "
    "import yours with 'sanfang directory import units.csv persons.csv' (check them first with "
    "'sanfang directory check units.csv persons.csv'; the format is in docs/dispatch.md), "
    "or for a demo or a trial set SANFANG_DEMO_DIRECTORY=true to use the invented Bao'an directory"
)


class InventedDirectory(NamedTuple):
    """A directory nobody imported, for a demo or a trial: how to make it, and the source its
    version is stored under (so notices and the console name it)."""

    source: str
    make: Callable[[], Directory]


async def current_version(conn: AsyncConnection) -> str | None:
    """The version of the current directory, or None when none was loaded yet."""
    v = tables.directory_versions.c
    return (await conn.execute(select(v.version).where(v.current.is_(True)))).scalar_one_or_none()


async def load_directory(store: Store) -> Directory | None:
    """The directory in the database, or None when none was loaded yet."""
    async with store.read() as conn:
        unit_rows = (await conn.execute(select(tables.units))).mappings().all()
        person_rows = (await conn.execute(select(tables.persons))).mappings().all()
    if not unit_rows:
        return None
    units = [Unit.model_validate(dict(row)) for row in unit_rows]
    persons: list[Person] = []
    kinds: dict[str, HazardKind] = {}
    for row in person_rows:
        data = dict(row)
        kind = data.pop("hazard_kind")
        if kind:
            kinds[data["person_id"]] = HazardKind(kind)
        persons.append(Person.model_validate(data))
    return Directory.build(units, persons, kinds)


async def save_directory(store: Store, directory: Directory, *, source: str, now: datetime) -> bool:
    """Make ``directory`` the current one; returns False when that version is already current."""
    async with store.transaction() as tx:
        v = tables.directory_versions.c
        if await current_version(tx) == directory.version:
            return False
        await tx.execute(delete(tables.persons))
        await tx.execute(delete(tables.units))
        await tx.execute(tables.units.insert(), [unit.model_dump(mode="json") for unit in directory.units])
        rows = []
        for person in directory.persons:
            row = person.model_dump(mode="json")
            kind = directory.hazard_kinds.get(person.person_id)
            row["hazard_kind"] = kind.value if kind else None
            rows.append(row)
        for start in range(0, len(rows), 1000):
            await tx.execute(tables.persons.insert(), rows[start : start + 1000])
        await tx.execute(update(tables.directory_versions).values(current=False))
        await tx.execute(delete(tables.directory_versions).where(v.version == directory.version))
        await tx.execute(
            tables.directory_versions.insert().values(
                version=directory.version,
                source=source,
                units=len(directory.units),
                persons=len(directory.persons),
                loaded_at=now,
                current=True,
            )
        )
    return True


async def directory_to_start(
    store: Store,
    *,
    demo: bool,
    production: bool,
    now: datetime,
    invented: InventedDirectory | None = None,
) -> Directory:
    """The directory dispatch starts with: the imported one; with none, the ``invented`` one when
    ``demo`` asks for it (stored as a version, so notices name it); else ConfigError.

    >>> async def start(store: Store, settings: Settings) -> Directory:  # doctest: +SKIP
    ...     return await directory_to_start(store, demo=settings.demo_directory,
    ...                                     production=settings.environment == "production", now=now,
    ...                                     invented=InventedDirectory("generated", make))
    """
    if demo and production:
        raise ConfigError(
            "SANFANG_DEMO_DIRECTORY=true is refused in production: its 3,183 persons are invented; "
            "import the real directory with 'sanfang directory import units.csv persons.csv'"
        )
    directory = await load_directory(store)
    if directory is not None:
        return directory
    if not demo:
        raise ConfigError(NO_DIRECTORY)
    if invented is None:
        raise ConfigError(
            "SANFANG_DEMO_DIRECTORY=true, but this process has no invented directory to use; "
            "import one with 'sanfang directory import units.csv persons.csv'"
        )
    directory = invented.make()
    await save_directory(store, directory, source=invented.source, now=now)
    log.warning(
        "no directory imported: using the invented directory '%s' (%d units, %d persons) "
        "because SANFANG_DEMO_DIRECTORY=true",
        invented.source,
        len(directory.units),
        len(directory.persons),
    )
    return directory
