"""Manual notices: an officer writes to chosen units, roles or persons.

The console resolves the recipients against the directory, records the request (status
``awaiting_dispatch``) and audits it. Sending is dispatch's: it has no consumer of manual
notices yet, so the request waits in ``console_manual_notices`` until it does (see
docs/console.md, "Left to do").

>>> async def demo(notices: ManualNotices, caller: Caller) -> None:  # doctest: +SKIP
...     out = await notices.request(ManualNoticeIn(units=("U01",), title="…", text="…"), caller)
...     out.recipient_count
"""

from __future__ import annotations

import json

from sqlalchemy import or_, select

from schemas.envelope import new_id
from services.console import tables as console_tables
from services.console.audit import record
from services.console.auth import Caller
from services.console.bodies import ManualNoticeIn, ManualNoticeOut
from services.console.errors import Invalid
from services.core import tables
from services.core.clock import Clock
from services.core.store import Store

__all__ = ["ManualNotices"]

STATUS = "awaiting_dispatch"


class ManualNotices:
    """Resolves and records manual notices."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def request(self, body: ManualNoticeIn, caller: Caller) -> ManualNoticeOut:
        """Record a manual notice; 422 when a unit or person is unknown or nobody is chosen.

        Recipients: the persons named, plus everyone of the chosen units who has one of the
        chosen roles (units alone: everyone of those units; roles alone: those roles everywhere).
        """
        if not (body.units or body.roles or body.persons):
            raise Invalid("choose at least one unit, role or person")
        p, u = tables.persons.c, tables.units.c
        now = self._clock.now()
        async with self._store.transaction() as tx:
            known_units = set(
                (await tx.execute(select(u.unit_id).where(u.unit_id.in_(body.units)))).scalars()
            )
            known_persons = set(
                (await tx.execute(select(p.person_id).where(p.person_id.in_(body.persons)))).scalars()
            )
            unknown = sorted(set(body.units) - known_units) + sorted(set(body.persons) - known_persons)
            if unknown:
                raise Invalid(f"unknown unit(s) or person(s): {', '.join(unknown[:20])}")
            matches = [p.person_id.in_(body.persons)]
            if body.units or body.roles:
                group = select(p.person_id)
                if body.units:
                    group = group.where(p.unit_id.in_(body.units))
                if body.roles:
                    group = group.where(p.role.in_([role.value for role in body.roles]))
                matches.append(p.person_id.in_(group))
            recipients = sorted((await tx.execute(select(p.person_id).where(or_(*matches)))).scalars())
            if not recipients:
                raise Invalid("nobody in the directory matches those units and roles")
            request_id = new_id()
            await tx.execute(
                console_tables.manual_notices.insert().values(
                    request_id=request_id,
                    created_by=caller.officer.username,
                    created_at=now,
                    title=body.title,
                    text=body.text,
                    drill=body.drill,
                    units=json.dumps(body.units),
                    roles=json.dumps([role.value for role in body.roles]),
                    persons=json.dumps(body.persons),
                    recipients=json.dumps(recipients),
                    recipient_count=len(recipients),
                    status=STATUS,
                )
            )
            await record(
                tx,
                caller.actor,
                "notice.manual",
                f"notice:{request_id}",
                now,
                after={
                    "title": body.title,
                    "drill": body.drill,
                    "units": body.units,
                    "roles": [role.value for role in body.roles],
                    "persons": body.persons,
                    "recipient_count": len(recipients),
                    "status": STATUS,
                },
            )
        return ManualNoticeOut(request_id=request_id, recipient_count=len(recipients), status=STATUS)
