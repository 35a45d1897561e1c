"""What a run left in the store, read once at its end: the facts the invariants compare.

>>> async def demo(store: Store) -> None:  # doctest: +SKIP
...     found = await Outcome.read(store)
...     found.decisions.most_common(3)
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, true

from schemas.areas import Scope
from services.core import tables
from services.core.store import Store
from services.dispatch import tables as dispatch_tables

__all__ = ["NoticeRow", "Outcome"]

_DECISIONS = ("response.activated", "response.level_changed", "response.ended")


@dataclass(frozen=True)
class NoticeRow:
    notice_id: str
    person_id: str
    response_id: str
    scope: str
    change: str
    level: str
    acked_at: datetime | None

    @property
    def key(self) -> tuple[str, str, str, str]:
        """What the notice is about, the same in every run: scope, change, level, person."""
        return (self.scope, self.change, self.level, self.person_id)


@dataclass
class Outcome:
    """The run's decisions, notices, acks, escalations and event store."""

    decisions: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    final: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    notices: dict[str, NoticeRow] = field(default_factory=dict)
    counted_acks: Counter[str] = field(default_factory=Counter)
    sms_counted: Counter[str] = field(default_factory=Counter)
    ack_events: Counter[str] = field(default_factory=Counter)
    escalations: list[tuple[str, int, datetime]] = field(default_factory=list)
    events: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    outbox: set[str] = field(default_factory=set)
    unpublished: int = 0
    call_notice: dict[str, str] = field(default_factory=dict)
    phones: dict[str, str] = field(default_factory=dict)
    deadletters: list[str] = field(default_factory=list)

    @property
    def notice_keys(self) -> Counter[tuple[str, str, str, str]]:
        return Counter(row.key for row in self.notices.values())

    @classmethod
    async def read(cls, store: Store, *, outbox_upto: int | None = None) -> Outcome:
        """What the store holds; of the outbox, the rows up to ``outbox_upto`` (all: None)."""
        found = cls()
        r, n, a = tables.responses.c, tables.notices.c, tables.acks.c
        e, o = tables.events.c, tables.outbox.c
        async with store.read() as conn:
            scopes = {
                row.response_id: row.scope_key
                for row in await conn.execute(select(r.response_id, r.scope_key))
            }
            for row in await conn.execute(select(r.scope_key, r.level, r.state)):
                found.final[(row.scope_key, row.level, row.state)] += 1
            for row in await conn.execute(
                select(n.notice_id, n.person_id, n.response_id, n.change, n.level, n.acked_at)
            ):
                found.notices[row.notice_id] = NoticeRow(
                    row.notice_id,
                    row.person_id,
                    row.response_id,
                    scopes.get(row.response_id, f"manual:{row.response_id}"),
                    row.change,
                    row.level,
                    row.acked_at,
                )
            for row in await conn.execute(select(a.notice_id, a.person_id, a.channel, a.counted)):
                if row.counted:
                    found.counted_acks[row.notice_id] += 1
                    if row.channel == "sms":
                        found.sms_counted[row.person_id] += 1
            for row in await conn.execute(select(e.event_id, e.kind, e.payload)):
                found.events[row.event_id] += 1
                found.kinds[row.kind] += 1
                if row.kind in _DECISIONS or row.kind in ("ack", "escalation"):
                    payload = json.loads(row.payload)
                    if row.kind == "ack":
                        found.ack_events[payload["notice_id"]] += 1
                    elif row.kind == "escalation":
                        at = datetime.fromisoformat(payload["occurred_at"])
                        found.escalations.append((payload["notice_id"], int(payload["step"]), at))
                    else:
                        scope = Scope.model_validate(payload["scope"]).key
                        found.decisions[
                            (row.kind, scope, str(payload["level"]) if "level" in payload else "")
                        ] += 1
            upto = o.seq <= outbox_upto if outbox_upto is not None else true()
            for row in await conn.execute(select(o.event_id, o.published_at).where(upto)):
                found.outbox.add(row.event_id)
                found.unpublished += row.published_at is None
            t = dispatch_tables.attempts.c
            for row in await conn.execute(select(t.ref, t.notice_id).where(t.channel == "voice")):
                found.call_notice[row.ref] = row.notice_id
            p = tables.persons.c
            for row in await conn.execute(select(p.person_id, p.phone)):
                if row.phone:
                    found.phones[row.phone] = row.person_id
            d = tables.deadletters.c
            found.deadletters = [row.raw for row in await conn.execute(select(d.raw))]
        return found
