"""console: whether a manual notice request asks its recipients to acknowledge.

Revision ID: 0005_console_manual_ack
Revises: 0004_console
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_console_manual_ack"
down_revision: str | None = "0004_console"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Requests made before this column asked for acks: that was the only kind there was.
    op.add_column(
        "console_manual_notices",
        sa.Column("ack_wanted", sa.Boolean(), nullable=False, server_default=sa.true()),
    )


def downgrade() -> None:
    with op.batch_alter_table("console_manual_notices") as batch:
        batch.drop_column("ack_wanted")
