"""The database tables, as SQLAlchemy Core metadata. Alembic migrations create them.

Each table has one owner: the plumbing (events, processed, outbox, deadletters), rules
(responses, rules_state), dispatch (directory, notices, acks, deliveries). The console
only reads the owners' tables.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

__all__ = [
    "acks",
    "deadletters",
    "deliveries",
    "directory_versions",
    "events",
    "metadata",
    "notices",
    "outbox",
    "persons",
    "processed",
    "responses",
    "rules_state",
    "units",
    "watermarks",
]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
Serial = BigInteger().with_variant(Integer(), "sqlite")


class Instant(TypeDecorator[datetime]):
    """A timezone-aware instant, stored in UTC; SQLite loses the zone, so it is put back."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are never stored; give a timezone-aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


events = Table(
    "events",
    metadata,
    Column("seq", Serial, primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=False, unique=True),
    Column("topic", String(200), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("key", String(200), nullable=False),
    Column("occurred_at", Instant(), nullable=False),
    Column("recorded_at", Instant(), nullable=False),
    Column("payload", Text, nullable=False),
    Index("ix_events_occurred_at", "occurred_at"),
)

processed = Table(
    "processed",
    metadata,
    Column("consumer", String(64), primary_key=True),
    Column("event_id", String(64), primary_key=True),
    Column("processed_at", Instant(), nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("seq", Serial, primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=False, unique=True),
    Column("topic", String(200), nullable=False),
    Column("key", String(200), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    Column("created_at", Instant(), nullable=False),
    Column("published_at", Instant(), nullable=True),
    # On a broker that keeps nothing (the embedded one): the settling round in which every
    # consumer was seen to have applied this row (services/core/settling.py).
    Column("settle_round", BigInteger(), nullable=True),
    Index("ix_outbox_pending", "published_at", "seq"),
    Index("ix_outbox_settle_round", "settle_round"),
)

#: Named counters of the plumbing; ``settled_round``: every outbox row tagged with a round up
#: to it was applied by every consumer, so a broker that comes back empty needs none of them.
watermarks = Table(
    "watermarks",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", BigInteger(), nullable=False),
)

deadletters = Table(
    "deadletters",
    metadata,
    Column("seq", Serial, primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=False, unique=True),
    Column("source", String(200), nullable=False),
    Column("reason", String(100), nullable=False),
    Column("detail", Text, nullable=False),
    Column("content_type", String(200), nullable=False),
    Column("raw", Text, nullable=False),
    Column("raw_truncated", Boolean, nullable=False),
    Column("received_at", Instant(), nullable=False),
)

responses = Table(
    "responses",
    metadata,
    Column("response_id", String(64), primary_key=True),
    Column("scope_key", String(200), nullable=False),
    Column("scope", Text, nullable=False),
    Column("level", String(8), nullable=False),
    Column("state", String(16), nullable=False),
    Column("drill", Boolean, nullable=False),
    Column("started_at", Instant(), nullable=False),
    Column("updated_at", Instant(), nullable=False),
    Column("ended_at", Instant(), nullable=True),
    Column("last_event_id", String(64), nullable=False),
    Column("explanation", Text, nullable=False),
)

rules_state = Table(
    "rules_state",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("state", Text, nullable=False),
    Column("updated_at", Instant(), nullable=False),
)

directory_versions = Table(
    "directory_versions",
    metadata,
    Column("version", String(32), primary_key=True),
    Column("source", String(200), nullable=False),
    Column("units", Integer, nullable=False),
    Column("persons", Integer, nullable=False),
    Column("loaded_at", Instant(), nullable=False),
    Column("current", Boolean, nullable=False),
)

units = Table(
    "units",
    metadata,
    Column("unit_id", String(32), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("street", String(16), nullable=True),
    Column("webhook_url", String(500), nullable=True),
)

persons = Table(
    "persons",
    metadata,
    Column("person_id", String(32), primary_key=True),
    Column("name", String(50), nullable=False),
    Column("unit_id", String(32), nullable=False, index=True),
    Column("role", String(16), nullable=False),
    Column("street", String(16), nullable=True),
    Column("phone", String(20), nullable=True),
    Column("app_id", String(64), nullable=True),
    Column("deputy_id", String(32), nullable=True),
    Column("hazard_kind", String(32), nullable=True),
)

notices = Table(
    "notices",
    metadata,
    Column("notice_id", String(64), primary_key=True),
    Column("response_id", String(64), nullable=False),
    Column("response_event_id", String(64), nullable=False),
    Column("person_id", String(32), nullable=False),
    Column("unit_id", String(32), nullable=False),
    Column("change", String(16), nullable=False),
    Column("level", String(8), nullable=False),
    Column("drill", Boolean, nullable=False),
    Column("created_at", Instant(), nullable=False),
    Column("ack_by", Instant(), nullable=True),
    Column("sent_at", Instant(), nullable=True),
    Column("delivered_at", Instant(), nullable=True),
    Column("acked_at", Instant(), nullable=True),
    Column("ack_channel", String(16), nullable=True),
    UniqueConstraint("response_event_id", "person_id", name="uq_notices_change_person"),
    Index("ix_notices_response", "response_id", "response_event_id"),
)

acks = Table(
    "acks",
    metadata,
    Column("ack_id", String(64), primary_key=True),
    Column("notice_id", String(64), nullable=False, index=True),
    Column("person_id", String(32), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("received_at", Instant(), nullable=False),
    Column("counted", Boolean, nullable=False),
    Column("on_behalf_by", String(64), nullable=True),
    Column("reason", Text, nullable=False),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("delivery_id", String(64), primary_key=True),
    Column("notice_id", String(64), nullable=False, index=True),
    Column("channel", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("at", Instant(), nullable=False),
    Column("detail", Text, nullable=False),
)
