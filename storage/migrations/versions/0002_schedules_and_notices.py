"""Schedules and notices: digest schedule per chat, quiet threshold, notice claims.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tracker") as batch:
        batch.add_column(sa.Column("quiet_days", sa.Integer(), nullable=False, server_default="7"))
    with op.batch_alter_table("workstream") as batch:
        batch.add_column(sa.Column("created_at", UTCDateTime(), nullable=True))
    # Existing workstreams count their silence from their tracker's creation.
    op.execute(
        "UPDATE workstream SET created_at = "
        "(SELECT tracker.created_at FROM tracker WHERE tracker.id = workstream.tracker_id)"
    )
    with op.batch_alter_table("chat_link") as batch:
        batch.add_column(sa.Column("digest_days", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("digest_time", sa.String(length=5), nullable=True))
        batch.add_column(sa.Column("migrated_from", sa.BigInteger(), nullable=True))
    op.create_table(
        "notice",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "tracker_id",
            sa.Integer(),
            sa.ForeignKey("tracker.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("slot_key", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("figures", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("chat_id", "slot_key", name="uq_notice_chat_slot"),
    )
    op.create_index("ix_notice_chat_kind", "notice", ["chat_id", "kind", "status", "id"])


def downgrade() -> None:
    op.drop_table("notice")
    with op.batch_alter_table("chat_link") as batch:
        batch.drop_column("migrated_from")
        batch.drop_column("digest_time")
        batch.drop_column("digest_days")
    with op.batch_alter_table("workstream") as batch:
        batch.drop_column("created_at")
    with op.batch_alter_table("tracker") as batch:
        batch.drop_column("quiet_days")
