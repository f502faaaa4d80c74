"""Check-ins: workstream owners, a tracker's check-in schedule and holiday country, who is
away, a private chat's chosen tracker (/use) and the "Other" value a check-in waits for.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tracker") as batch:
        batch.add_column(sa.Column("checkin_days", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("checkin_time", sa.String(length=5), nullable=True))
        # NULL: PANTAU_HOLIDAYS; "off": none; otherwise a country code of the holidays package.
        batch.add_column(sa.Column("holidays", sa.String(length=8), nullable=True))
    with op.batch_alter_table("chat_setting") as batch:
        batch.add_column(sa.Column("tracker_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_chat_setting_tracker", "tracker", ["tracker_id"], ["id"], ondelete="SET NULL"
        )
    op.create_table(
        "workstream_owner",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "workstream_id",
            sa.Integer(),
            sa.ForeignKey("workstream.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("workstream_id", "user_id", name="uq_workstream_owner"),
    )
    op.create_index("ix_workstream_owner_user", "workstream_owner", ["user_id"])
    op.create_table(
        "away",
        sa.Column("user_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("set_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "checkin_pending",
        sa.Column("chat_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "workstream_id",
            sa.Integer(),
            sa.ForeignKey("workstream.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("base_report_id", sa.Integer(), nullable=True),
        sa.Column("prompt_message_id", sa.BigInteger(), nullable=False),
        sa.Column("asked_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("checkin_pending")
    op.drop_table("away")
    op.drop_index("ix_workstream_owner_user", table_name="workstream_owner")
    op.drop_table("workstream_owner")
    with op.batch_alter_table("chat_setting") as batch:
        batch.drop_constraint("fk_chat_setting_tracker", type_="foreignkey")
        batch.drop_column("tracker_id")
    with op.batch_alter_table("tracker") as batch:
        batch.drop_column("holidays")
        batch.drop_column("checkin_time")
        batch.drop_column("checkin_days")
