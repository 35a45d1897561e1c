"""The directory in the database: load the current version, or replace it with a new one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from schemas.directory import Person, Unit
from services.core import tables
from services.core.store import Store
from services.dispatch.domain.directory import Directory
from services.dispatch.domain.hazards import HazardKind

__all__ = ["current_version", "load_directory", "save_directory"]


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
