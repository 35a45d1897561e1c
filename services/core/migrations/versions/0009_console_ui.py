"""rules: proposals and the response row each replaced, to close an overtaken one (issue 14)

Revision ID: 0009_console_ui
Revises: 0008_time
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_console_ui"
down_revision: str | None = "0008_time"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rules_proposals",
        sa.Column("proposal_event_id", sa.String(length=64), nullable=False),
        sa.Column("response_id", sa.String(length=64), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("prior_state", sa.String(length=16), nullable=True),
        sa.Column("prior_level", sa.String(length=8), nullable=True),
        sa.Column("prior_event_id", sa.String(length=64), nullable=True),
        sa.Column("prior_explanation", sa.Text(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("proposal_event_id", name=op.f("pk_rules_proposals")),
    )
    op.create_index("ix_rules_proposals_response", "rules_proposals", ["response_id"])
    op.create_index("ix_rules_proposals_closed", "rules_proposals", ["closed_at"])


def downgrade() -> None:
    op.drop_index("ix_rules_proposals_closed", table_name="rules_proposals")
    op.drop_index("ix_rules_proposals_response", table_name="rules_proposals")
    op.drop_table("rules_proposals")
