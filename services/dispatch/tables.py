"""Dispatch's own tables: every send attempt on every channel, and the escalation deadlines.

Defined on the shared ``metadata``; migration ``0003_dispatch`` creates them. The
directory, notices, acks and deliveries tables (also dispatch's) are in
``services/core/tables.py``.

``attempts`` is a durable job queue and the record that makes sends crash-safe: a row is
written (``pending``) in the transaction that decides the send, claimed (``sending``,
with an owner) in a committed transaction *before* the channel is called, and closed
(``sent`` / ``failed`` / ``cancelled``) after. A row found ``sending`` under a dead
owner is *in doubt*: the channel is asked whether it has it before anything is resent.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Integer, String, Table, Text

from services.core import tables as core
from services.core.tables import Instant, metadata

__all__ = ["attempts", "escalations", "pending_attempt"]

attempts = Table(
    "dispatch_attempts",
    metadata,
    Column("ref", String(64), primary_key=True),
    Column("notice_id", String(64), nullable=False, index=True),
    Column("person_id", String(32), nullable=False),
    Column("target_person_id", String(32), nullable=True),
    Column("channel", String(16), nullable=False),
    Column("action", String(16), nullable=False),
    Column("address", String(500), nullable=False),
    Column("body", Text, nullable=False),
    Column("step", Integer, nullable=False),
    Column("state", String(16), nullable=False),
    Column("tries", Integer, nullable=False),
    Column("next_at", Instant(), nullable=False),
    Column("owner", String(64), nullable=True),
    Column("claimed_at", Instant(), nullable=True),
    Column("detail", Text, nullable=False),
    Index("ix_dispatch_attempts_due", "channel", "state", "next_at"),
)

escalations = Table(
    "dispatch_escalations",
    metadata,
    Column("notice_id", String(64), primary_key=True),
    Column("person_id", String(32), nullable=False),
    Column("response_id", String(64), nullable=False),
    Column("started_at", Instant(), nullable=False),
    Column("step", Integer, nullable=False),
    Column("due_at", Instant(), nullable=False),
    Column("state", String(16), nullable=False),
    Column("updated_at", Instant(), nullable=False),
    Index("ix_dispatch_escalations_due", "state", "due_at"),
    Index("ix_dispatch_escalations_person", "response_id", "person_id"),
)

# Indexes on dispatch's tables in services/core/tables.py, added by 0003_dispatch: the SMS
# reply looks a person up by phone, then their latest unacknowledged notice.
Index("ix_notices_person", core.notices.c.person_id, core.notices.c.acked_at)
Index("ix_persons_phone", core.persons.c.phone)


def pending_attempt(
    ref: str,
    notice_id: str,
    person_id: str,
    *,
    target_person_id: str,
    channel: str,
    action: str,
    address: str,
    body: str,
    step: int,
    now: datetime,
) -> dict[str, object]:
    """An ``attempts`` row for a message to send as soon as a courier gets to it."""
    return {
        "ref": ref,
        "notice_id": notice_id,
        "person_id": person_id,
        "target_person_id": target_person_id,
        "channel": channel,
        "action": action,
        "address": address,
        "body": body,
        "step": step,
        "state": "pending",
        "tries": 0,
        "next_at": now,
        "owner": None,
        "claimed_at": None,
        "detail": "",
    }
