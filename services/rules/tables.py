"""The rules service's own table: every warning signal it received, and whether it was stale.

Officers read it (``GET /api/v1/warnings``) to see what came in and why a warning did or did
not act; the event store keeps the signals too, but not the rules' judgement of them.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, String, Table, Text

from services.core.tables import Instant, metadata

__all__ = ["received_warnings"]

received_warnings = Table(
    "rules_warnings",
    metadata,
    Column("event_id", String(64), primary_key=True),
    Column("signal_id", String(128), nullable=False),
    Column("source", String(64), nullable=False),
    Column("hazard", String(32), nullable=False),
    Column("colour", String(16), nullable=True),
    Column("action", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("scope", Text, nullable=False),
    Column("headline", Text, nullable=False),
    Column("issued_at", Instant(), nullable=False),
    Column("expires_at", Instant(), nullable=True),
    Column("received_at", Instant(), nullable=False),
    # Why it is stale (``expired`` / ``old``) and how officers read that; both null when fresh.
    Column("stale", String(16), nullable=True),
    Column("stale_note", Text, nullable=True),
    Column("acted", Boolean, nullable=False),
    Index("ix_rules_warnings_received", "received_at"),
)
