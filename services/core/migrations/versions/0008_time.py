"""rules: every warning signal received, and whether it was stale (issue 10)

Revision ID: 0008_time
Revises: 0006_outbox_settling
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_time"
down_revision: str | None = "0006_outbox_settling"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rules_warnings",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("signal_id", sa.String(length=128), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("hazard", sa.String(length=32), nullable=False),
        sa.Column("colour", sa.String(length=16), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("headline", sa.Text(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stale", sa.String(length=16), nullable=True),
        sa.Column("stale_note", sa.Text(), nullable=True),
        sa.Column("acted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_rules_warnings")),
    )
    op.create_index("ix_rules_warnings_received", "rules_warnings", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_rules_warnings_received", table_name="rules_warnings")
    op.drop_table("rules_warnings")
