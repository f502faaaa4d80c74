"""Inbox of received updates; the /undo message that retracted a report.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("update_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("done_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_inbox_done_at", "inbox", ["done_at"])
    with op.batch_alter_table("report") as batch:
        batch.add_column(sa.Column("retracted_chat_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("retracted_message_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("report") as batch:
        batch.drop_column("retracted_message_id")
        batch.drop_column("retracted_chat_id")
    op.drop_table("inbox")
