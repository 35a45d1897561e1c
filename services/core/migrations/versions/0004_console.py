"""console: officers' accounts, sessions, login attempts, audit log, approvals, drills,
manual-notice requests; the audit log is made append-only by the database itself.

Revision ID: 0004_console
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_console"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "console_accounts",
        sa.Column("username", sa.String(32), nullable=False),
        sa.Column("display_name", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_console_accounts")),
    )
    op.create_table(
        "console_sessions",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("username", sa.String(32), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("expires_at", _AT, nullable=False),
        sa.Column("source_ip", sa.String(64), nullable=False),
        sa.Column("revoked_at", _AT, nullable=True),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_console_sessions")),
    )
    op.create_index("ix_console_sessions_username", "console_sessions", ["username"])
    op.create_table(
        "console_login_attempts",
        sa.Column("seq", _SERIAL, autoincrement=True, nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("source_ip", sa.String(64), nullable=False),
        sa.Column("at", _AT, nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_console_login_attempts")),
    )
    op.create_index("ix_console_login_attempts_username_at", "console_login_attempts", ["username", "at"])
    op.create_index("ix_console_login_attempts_ip_at", "console_login_attempts", ["source_ip", "at"])
    op.create_table(
        "console_audit_log",
        sa.Column("seq", _SERIAL, autoincrement=True, nullable=False),
        sa.Column("at", _AT, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("actor_name", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("source_ip", sa.String(64), nullable=False),
        sa.Column("before", sa.Text(), nullable=False),
        sa.Column("after", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_console_audit_log")),
    )
    op.create_index("ix_console_audit_log_at", "console_audit_log", ["at"])
    op.create_index("ix_console_audit_log_actor", "console_audit_log", ["actor"])
    op.create_table(
        "console_approvals",
        sa.Column("approval_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.String(32), nullable=False),
        sa.Column("requested_at", _AT, nullable=False),
        sa.Column("expires_at", _AT, nullable=False),
        sa.Column("completed_by", sa.String(32), nullable=True),
        sa.Column("completed_at", _AT, nullable=True),
        sa.PrimaryKeyConstraint("approval_id", name=op.f("pk_console_approvals")),
    )
    op.create_index("ix_console_approvals_subject", "console_approvals", ["action", "subject"])
    op.create_table(
        "console_drills",
        sa.Column("drill_id", sa.String(64), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("window_start", _AT, nullable=False),
        sa.Column("window_end", _AT, nullable=False),
        sa.Column("due_at", _AT, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("fired_at", _AT, nullable=True),
        sa.Column("command_event_id", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("drill_id", name=op.f("pk_console_drills")),
    )
    op.create_index("ix_console_drills_due", "console_drills", ["fired_at", "due_at"])
    op.create_table(
        "console_manual_notices",
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("drill", sa.Boolean(), nullable=False),
        sa.Column("units", sa.Text(), nullable=False),
        sa.Column("roles", sa.Text(), nullable=False),
        sa.Column("persons", sa.Text(), nullable=False),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("recipient_count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_console_manual_notices")),
    )
    _append_only("console_audit_log")


def _append_only(table: str) -> None:
    """Refuse UPDATE and DELETE on ``table`` in the database itself, not only in the code."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION sanfang_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION sanfang_append_only()"
        )
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS console_audit_log_append_only ON console_audit_log")
        op.execute("DROP FUNCTION IF EXISTS sanfang_append_only()")
    for name in (
        "console_manual_notices",
        "console_drills",
        "console_approvals",
        "console_audit_log",
        "console_login_attempts",
        "console_sessions",
        "console_accounts",
    ):
        op.drop_table(name)
