"""Audit: a hash chain over each tracker's trail (tracker_event grows into it), evidence files
on reports, chats that follow several trackers.

The chain is built here over the rows that already exist, in the order they were made:
trackers, their workstreams and roles (roles carry no time: they are placed at the tracker's
creation), the events of revision 0006, reports as recorded, corrections and undos. The
format is ``domain.trail``'s, the same the verifier recomputes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from domain import trail
from storage.types import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Events at the same moment keep the order in which such things happen.
_PRIORITY: dict[str, int] = {
    trail.Kind.TRACKER_CREATED: 0,
    trail.Kind.WORKSTREAM_ADDED: 1,
    trail.Kind.ROLE_GIVEN: 2,
    trail.Kind.REPORT: 4,
    trail.Kind.CORRECTION: 4,
    trail.Kind.UNDO: 5,
    trail.Kind.WORKSTREAM_ARCHIVED: 6,
}


def upgrade() -> None:
    with op.batch_alter_table("tracker_event") as batch:
        batch.add_column(sa.Column("seq", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("report_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("evidence_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("canonical", sa.Text(), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("hash", sa.String(length=64), nullable=False, server_default="")
        )
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "tracker_id",
            sa.Integer(),
            sa.ForeignKey("tracker.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "report_id",
            sa.Integer(),
            sa.ForeignKey("report.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("file_id", sa.String(length=255), nullable=False),
        sa.Column("file_unique_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("mime", sa.String(length=127), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.Column("added_by", sa.BigInteger(), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("chat_id", "message_id", "file_unique_id", name="uq_evidence_message"),
    )
    op.create_index("ix_evidence_report", "evidence", ["report_id"])
    op.create_table(
        "chat_follow",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "tracker_id",
            sa.Integer(),
            sa.ForeignKey("tracker.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.UniqueConstraint("chat_id", "tracker_id", name="uq_chat_follow"),
    )
    op.create_index("ix_chat_follow_chat_id", "chat_follow", ["chat_id"])
    _build_chains(op.get_bind(), datetime.now(UTC))
    with op.batch_alter_table("tracker_event") as batch:
        batch.create_unique_constraint("uq_tracker_event_seq", ["tracker_id", "seq"])


def _tables() -> dict[str, sa.Table]:
    meta = sa.MetaData()
    return {
        "tracker": sa.Table(
            "tracker",
            meta,
            sa.Column("id", sa.Integer),
            sa.Column("key", sa.String),
            sa.Column("title", sa.String),
            sa.Column("regulation", sa.String),
            sa.Column("deadline", sa.Date),
            sa.Column("timezone", sa.String),
            sa.Column("created_at", UTCDateTime()),
            sa.Column("created_by", sa.BigInteger),
        ),
        "workstream": sa.Table(
            "workstream",
            meta,
            sa.Column("id", sa.Integer),
            sa.Column("tracker_id", sa.Integer),
            sa.Column("key", sa.String),
            sa.Column("title", sa.String),
            sa.Column("weight", sa.Float),
            sa.Column("archived", sa.Boolean),
            sa.Column("created_at", UTCDateTime()),
        ),
        "member": sa.Table(
            "member",
            meta,
            sa.Column("id", sa.Integer),
            sa.Column("tracker_id", sa.Integer),
            sa.Column("user_id", sa.BigInteger),
            sa.Column("role", sa.String),
        ),
        "report": sa.Table(
            "report",
            meta,
            sa.Column("id", sa.Integer),
            sa.Column("tracker_id", sa.Integer),
            sa.Column("workstream_id", sa.Integer),
            sa.Column("percent", sa.Integer),
            sa.Column("note", sa.String),
            sa.Column("reporter_id", sa.BigInteger),
            sa.Column("reporter_name", sa.String),
            sa.Column("chat_id", sa.BigInteger),
            sa.Column("message_id", sa.BigInteger),
            sa.Column("created_at", UTCDateTime()),
            sa.Column("recorded_at", UTCDateTime()),
            sa.Column("retracted_at", UTCDateTime()),
            sa.Column("retracted_by", sa.BigInteger),
            sa.Column("revision", sa.BigInteger),
            sa.Column("corrects_id", sa.Integer),
        ),
        "tracker_event": sa.Table(
            "tracker_event",
            meta,
            sa.Column("id", sa.Integer),
            sa.Column("tracker_id", sa.Integer),
            sa.Column("at", UTCDateTime()),
            sa.Column("actor_id", sa.BigInteger),
            sa.Column("kind", sa.String),
            sa.Column("chat_id", sa.BigInteger),
            sa.Column("detail", sa.String),
            sa.Column("seq", sa.Integer),
            sa.Column("report_id", sa.Integer),
            sa.Column("evidence_id", sa.Integer),
            sa.Column("canonical", sa.Text),
            sa.Column("hash", sa.String),
        ),
    }


def _build_chains(bind: sa.Connection, now: datetime) -> None:
    t = _tables()
    events, reports = t["tracker_event"], t["report"]
    for tracker in bind.execute(sa.select(t["tracker"]).order_by(t["tracker"].c.id)).all():
        made = tracker.created_at
        # (at, priority, n, existing event id or None, fields)
        pending: list[tuple[datetime, int, int, int | None, dict[str, Any]]] = []

        def add(
            at: datetime,
            kind: str,
            event_id: int | None = None,
            pending: list[tuple[datetime, int, int, int | None, dict[str, Any]]] = pending,
            made: datetime = made,
            **fields: Any,
        ) -> None:
            # Rows dated before their tracker existed (an import's history) follow its
            # creation: the chain's order is the order Pantau learnt of them.
            pending.append(
                (
                    max(at, made),
                    _PRIORITY.get(kind, 3),
                    len(pending),
                    event_id,
                    {"kind": kind, "at": at, **fields},
                )
            )

        add(
            made,
            trail.Kind.TRACKER_CREATED,
            actor_id=tracker.created_by,
            subject={
                "key": tracker.key,
                "title": tracker.title,
                "regulation": tracker.regulation,
                "deadline": tracker.deadline.isoformat(),
                "timezone": tracker.timezone,
            },
        )
        workstreams = bind.execute(
            sa.select(t["workstream"])
            .where(t["workstream"].c.tracker_id == tracker.id)
            .order_by(t["workstream"].c.id)
        ).all()
        keys = {ws.id: ws.key for ws in workstreams}
        for ws in workstreams:
            subject = {"key": ws.key, "title": ws.title, "weight": ws.weight}
            add(ws.created_at or made, trail.Kind.WORKSTREAM_ADDED, subject=subject)
            if ws.archived:
                add(
                    now,
                    trail.Kind.WORKSTREAM_ARCHIVED,
                    detail="archived before the trail began",
                    subject={"key": ws.key},
                )
        for member in bind.execute(
            sa.select(t["member"])
            .where(t["member"].c.tracker_id == tracker.id)
            .order_by(t["member"].c.id)
        ).all():
            add(
                made,
                trail.Kind.ROLE_GIVEN,
                detail="held before the trail began",
                subject={"user_id": member.user_id, "role": member.role, "previous": None},
            )
        for old in bind.execute(
            sa.select(events).where(events.c.tracker_id == tracker.id).order_by(events.c.id)
        ).all():
            add(
                old.at,
                old.kind,
                old.id,
                actor_id=old.actor_id,
                chat_id=old.chat_id,
                detail=old.detail,
            )
        rows = bind.execute(
            sa.select(reports).where(reports.c.tracker_id == tracker.id).order_by(reports.c.id)
        ).all()
        by_id = {row.id: row for row in rows}
        replaced = {row.corrects_id for row in rows if row.corrects_id is not None}
        for row in rows:
            subject = trail.report_subject(
                report_id=row.id,
                workstream=keys[row.workstream_id],
                percent=row.percent,
                note=row.note,
                reporter_id=row.reporter_id,
                reporter_name=row.reporter_name,
                chat_id=row.chat_id,
                message_id=row.message_id,
                created_at=row.created_at,
                recorded_at=row.recorded_at,
                revision=row.revision,
                corrects=row.corrects_id,
            )
            kind = trail.Kind.REPORT
            if row.corrects_id is not None:
                kind = trail.Kind.CORRECTION
                old = by_id[row.corrects_id]
                subject["replaced"] = trail.retraction_subject(
                    report_id=old.id, retracted_at=old.retracted_at, retracted_by=old.retracted_by
                )
            add(
                row.recorded_at,
                kind,
                actor_id=row.reporter_id,
                chat_id=row.chat_id,
                report_id=row.id,
                subject=subject,
            )
            if row.retracted_at is not None and row.id not in replaced:
                add(
                    row.retracted_at,
                    trail.Kind.UNDO,
                    actor_id=row.retracted_by,
                    report_id=row.id,
                    subject=trail.retraction_subject(
                        report_id=row.id,
                        retracted_at=row.retracted_at,
                        retracted_by=row.retracted_by,
                    ),
                )
        previous = trail.GENESIS
        for seq, (_order, _priority, _n, event_id, fields) in enumerate(
            sorted(pending, key=lambda p: p[:3]), 1
        ):
            at = fields["at"]
            text = trail.canonical(
                seq=seq,
                kind=fields["kind"],
                at=at,
                actor_id=fields.get("actor_id"),
                chat_id=fields.get("chat_id"),
                detail=fields.get("detail"),
                subject=fields.get("subject"),
            )
            digest = trail.chain_hash(previous, text)
            values = {
                "seq": seq,
                "canonical": text,
                "hash": digest,
                "report_id": fields.get("report_id"),
            }
            if event_id is not None:
                bind.execute(sa.update(events).where(events.c.id == event_id).values(**values))
            else:
                bind.execute(
                    sa.insert(events).values(
                        tracker_id=tracker.id,
                        at=at,
                        actor_id=fields.get("actor_id"),
                        kind=fields["kind"],
                        chat_id=fields.get("chat_id"),
                        detail=fields.get("detail"),
                        **values,
                    )
                )
            previous = digest


def downgrade() -> None:
    # The chain's rows of its own (reports, roles, …) go; 0006's kinds stay, unchained.
    op.execute(
        "DELETE FROM tracker_event WHERE kind NOT IN "
        "('chat_linked', 'chat_moved_away', 'archived', 'restored')"
    )
    with op.batch_alter_table("tracker_event") as batch:
        batch.drop_constraint("uq_tracker_event_seq", type_="unique")
        batch.drop_column("hash")
        batch.drop_column("canonical")
        batch.drop_column("evidence_id")
        batch.drop_column("report_id")
        batch.drop_column("seq")
    op.drop_index("ix_chat_follow_chat_id", table_name="chat_follow")
    op.drop_table("chat_follow")
    op.drop_index("ix_evidence_report", table_name="evidence")
    op.drop_table("evidence")
