"""Edited /update messages become corrections: a revision per message, linked reports.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("report") as batch:
        batch.add_column(
            sa.Column("revision", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("corrects_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_report_corrects", "report", ["corrects_id"], ["id"])
        batch.drop_constraint("uq_report_chat_message", type_="unique")
        batch.create_unique_constraint(
            "uq_report_chat_message", ["chat_id", "message_id", "revision"]
        )


def downgrade() -> None:
    with op.batch_alter_table("report") as batch:
        batch.drop_constraint("uq_report_chat_message", type_="unique")
        batch.create_unique_constraint("uq_report_chat_message", ["chat_id", "message_id"])
        batch.drop_constraint("fk_report_corrects", type_="foreignkey")
        batch.drop_column("corrects_id")
        batch.drop_column("revision")
