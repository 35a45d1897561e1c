"""dispatch: send attempts on every channel (the crash-safe send queue) and escalation deadlines.

Revision ID: 0003_dispatch
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_dispatch"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "dispatch_attempts",
        sa.Column("ref", sa.String(64), nullable=False),
        sa.Column("notice_id", sa.String(64), nullable=False),
        sa.Column("person_id", sa.String(32), nullable=False),
        sa.Column("target_person_id", sa.String(32), nullable=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("address", sa.String(500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("next_at", _AT, nullable=False),
        sa.Column("owner", sa.String(64), nullable=True),
        sa.Column("claimed_at", _AT, nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("ref", name=op.f("pk_dispatch_attempts")),
    )
    op.create_index("ix_dispatch_attempts_notice_id", "dispatch_attempts", ["notice_id"])
    op.create_index("ix_dispatch_attempts_due", "dispatch_attempts", ["channel", "state", "next_at"])
    op.create_table(
        "dispatch_escalations",
        sa.Column("notice_id", sa.String(64), nullable=False),
        sa.Column("person_id", sa.String(32), nullable=False),
        sa.Column("response_id", sa.String(64), nullable=False),
        sa.Column("started_at", _AT, nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("due_at", _AT, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("notice_id", name=op.f("pk_dispatch_escalations")),
    )
    op.create_index("ix_dispatch_escalations_due", "dispatch_escalations", ["state", "due_at"])
    op.create_index("ix_dispatch_escalations_person", "dispatch_escalations", ["response_id", "person_id"])
    # The console counts and the SMS-reply lookup read notices by person.
    op.create_index("ix_notices_person", "notices", ["person_id", "acked_at"])
    op.create_index("ix_persons_phone", "persons", ["phone"])


def downgrade() -> None:
    op.drop_index("ix_persons_phone", table_name="persons")
    op.drop_index("ix_notices_person", table_name="notices")
    op.drop_table("dispatch_escalations")
    op.drop_table("dispatch_attempts")
