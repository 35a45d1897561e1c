"""The directory as officers choose recipients from it: the member units and how many
responsible persons each has (the persons themselves are in their histories).

>>> async def demo(store: Store) -> None:  # doctest: +SKIP
...     units = await list_units(store)
"""

from __future__ import annotations

from sqlalchemy import func, select

from schemas.console import UnitPublic
from services.core import tables
from services.core.store import Store

__all__ = ["list_units"]


async def list_units(store: Store) -> list[UnitPublic]:
    """Every unit of the directory, by id, with its number of persons."""
    u, p = tables.units.c, tables.persons.c
    query = (
        select(u.unit_id, u.name, u.kind, u.street, func.count(p.person_id).label("persons"))
        .select_from(tables.units)
        .outerjoin(tables.persons, p.unit_id == u.unit_id)
        .group_by(u.unit_id, u.name, u.kind, u.street)
        .order_by(u.unit_id)
    )
    async with store.read() as conn:
        rows = (await conn.execute(query)).mappings().all()
    return [UnitPublic(**row) for row in rows]
