"""The officers' accounts and sessions, login attempts and the audit log: the tables of the
web edge every service's API checks its callers against.

Defined on the shared ``metadata`` (table names keep their ``console_`` prefix, as migration
``0004_console`` created them).
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, String, Table, Text

from services.core.tables import Instant, Serial, metadata

__all__ = ["accounts", "audit_log", "login_attempts", "sessions"]

accounts = Table(
    "console_accounts",
    metadata,
    Column("username", String(32), primary_key=True),
    Column("display_name", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", Instant(), nullable=False),
    Column("updated_at", Instant(), nullable=False),
)

sessions = Table(
    "console_sessions",
    metadata,
    # Only a hash of the token is stored: a copy of the database opens no session.
    Column("token_hash", String(64), primary_key=True),
    Column("username", String(32), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", Instant(), nullable=False),
    Column("expires_at", Instant(), nullable=False),
    Column("source_ip", String(64), nullable=False),
    Column("revoked_at", Instant(), nullable=True),
)

login_attempts = Table(
    "console_login_attempts",
    metadata,
    Column("seq", Serial, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False),
    Column("source_ip", String(64), nullable=False),
    Column("at", Instant(), nullable=False),
    Column("ok", Boolean, nullable=False),
    Index("ix_console_login_attempts_username_at", "username", "at"),
    Index("ix_console_login_attempts_ip_at", "source_ip", "at"),
)

audit_log = Table(
    "console_audit_log",
    metadata,
    Column("seq", Serial, primary_key=True, autoincrement=True),
    Column("at", Instant(), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("actor_name", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", String(200), nullable=False),
    Column("source_ip", String(64), nullable=False),
    Column("before", Text, nullable=False),
    Column("after", Text, nullable=False),
    Column("outcome", String(16), nullable=False),
    Index("ix_console_audit_log_at", "at"),
    Index("ix_console_audit_log_actor", "actor"),
)
