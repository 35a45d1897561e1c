"""The console's own tables: second-officer approvals, drills and manual-notice requests
(the officers' accounts, sessions and audit log are the web edge's: ``services.web.tables``).

Defined on the shared ``metadata``; migration ``0004_console`` creates them and
``0005_console_manual_ack`` adds ``ack_wanted`` to the manual-notice requests. The console
only reads the tables of rules (``responses``) and dispatch (``notices``, ``acks``, …).
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, Integer, String, Table, Text, true

from services.core.tables import Instant, metadata

__all__ = ["approvals", "drills", "manual_notices"]

approvals = Table(
    "console_approvals",
    metadata,
    Column("approval_id", String(64), primary_key=True),
    Column("action", String(32), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("payload", Text, nullable=False),
    Column("requested_by", String(32), nullable=False),
    Column("requested_at", Instant(), nullable=False),
    Column("expires_at", Instant(), nullable=False),
    Column("completed_by", String(32), nullable=True),
    Column("completed_at", Instant(), nullable=True),
    Index("ix_console_approvals_subject", "action", "subject"),
)

drills = Table(
    "console_drills",
    metadata,
    Column("drill_id", String(64), primary_key=True),
    Column("scope", Text, nullable=False),
    Column("level", String(8), nullable=False),
    Column("mode", String(16), nullable=False),
    Column("window_start", Instant(), nullable=False),
    Column("window_end", Instant(), nullable=False),
    Column("due_at", Instant(), nullable=False),
    Column("note", Text, nullable=False),
    Column("created_by", String(32), nullable=False),
    Column("created_at", Instant(), nullable=False),
    Column("fired_at", Instant(), nullable=True),
    Column("command_event_id", String(64), nullable=False),
    Index("ix_console_drills_due", "fired_at", "due_at"),
)

manual_notices = Table(
    "console_manual_notices",
    metadata,
    Column("request_id", String(64), primary_key=True),
    Column("created_by", String(32), nullable=False),
    Column("created_at", Instant(), nullable=False),
    Column("title", String(200), nullable=False),
    Column("text", Text, nullable=False),
    Column("drill", Boolean, nullable=False),
    Column("units", Text, nullable=False),
    Column("roles", Text, nullable=False),
    Column("persons", Text, nullable=False),
    Column("recipients", Text, nullable=False),
    Column("recipient_count", Integer, nullable=False),
    Column("status", String(24), nullable=False),
    Column("ack_wanted", Boolean, nullable=False, server_default=true()),  # migration 0005_console_manual_ack
)
