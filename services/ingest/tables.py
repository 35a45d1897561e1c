"""Ingest's own tables: warnings held until what they reference has arrived, and each
station's newest reading (for ``GET /api/v1/stations`` and the silent-station check)."""

from __future__ import annotations

from sqlalchemy import Column, Float, Index, Integer, String, Table, Text

from services.core.tables import Instant, metadata

__all__ = ["held_warnings", "station_latest"]

held_warnings = Table(
    "ingest_held_warnings",
    metadata,
    Column("event_id", String(64), primary_key=True),
    Column("signal_id", String(128), nullable=False),
    # The signal ids it waits for, space separated ("references" is an SQL keyword).
    Column("awaiting", Text, nullable=False),
    Column("issued_at", Instant(), nullable=False),
    Column("payload", Text, nullable=False),
    Column("held_at", Instant(), nullable=False),
    Column("release_by", Instant(), nullable=False),
    Column("released_at", Instant(), nullable=True),
    Column("outcome", String(16), nullable=True),
    Index("ix_ingest_held_pending", "released_at", "release_by"),
)

station_latest = Table(
    "ingest_station_latest",
    metadata,
    Column("station_id", String(64), primary_key=True),
    Column("event_id", String(64), nullable=False),
    Column("observed_at", Instant(), nullable=False),
    Column("interval_minutes", Integer, nullable=False),
    Column("rainfall_mm", Float, nullable=False),
    Column("received_at", Instant(), nullable=False),
)
