"""The console's own tables: officers' accounts and sessions, login attempts, the audit
log, second-officer approvals, drills and manual-notice requests.

Defined on the shared ``metadata``; migration ``0004_console`` creates them and
``0005_console_manual_ack`` adds ``ack_wanted`` to the manual-notice requests. The console
only reads the tables of rules (``responses``) and dispatch (``notices``, ``acks``, …).
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, Integer, String, Table, Text, true

from services.core.tables import Instant, Serial, metadata

__all__ = ["accounts", "approvals", "audit_log", "drills", "login_attempts", "manual_notices", "sessions"]

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
