"""Trust: archived trackers, two times per report, who undid a report, a tracker's event trail.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tracker") as batch:
        batch.add_column(sa.Column("archived_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("archived_by", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("report") as batch:
        batch.add_column(sa.Column("recorded_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("retracted_by", sa.BigInteger(), nullable=True))
    # Reports made before this revision were recorded when they were made (edits kept the
    # original time, which is exactly what created_at holds): the best knowledge there is.
    op.execute("UPDATE report SET recorded_at = created_at WHERE recorded_at IS NULL")
    with op.batch_alter_table("report") as batch:
        batch.alter_column("recorded_at", existing_type=UTCDateTime(), nullable=False)
    op.create_table(
        "tracker_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "tracker_id",
            sa.Integer(),
            sa.ForeignKey("tracker.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("detail", sa.String(length=500), nullable=True),
    )
    op.create_index("ix_tracker_event_tracker", "tracker_event", ["tracker_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_tracker_event_tracker", table_name="tracker_event")
    op.drop_table("tracker_event")
    with op.batch_alter_table("report") as batch:
        batch.drop_column("retracted_by")
        batch.drop_column("recorded_at")
    with op.batch_alter_table("tracker") as batch:
        batch.drop_column("archived_by")
        batch.drop_column("archived_at")
