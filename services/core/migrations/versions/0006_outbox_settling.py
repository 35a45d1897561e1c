"""plumbing: outbox rows remember the round in which every consumer applied them.

With a broker that keeps nothing (the embedded one), a restart publishes again every
outbox row not known to be applied by every consumer.

Revision ID: 0006_outbox_settling
Revises: 0005_console_manual_ack
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_outbox_settling"
down_revision: str | None = "0005_console_manual_ack"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("settle_round", sa.BigInteger(), nullable=True))
        batch.create_index("ix_outbox_settle_round", ["settle_round"])
    op.create_table(
        "watermarks",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_watermarks")),
    )


def downgrade() -> None:
    op.drop_table("watermarks")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_settle_round")
        batch.drop_column("settle_round")
