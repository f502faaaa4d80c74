"""SQLModel tables. The schema itself is created and evolved only by Alembic migrations.

``table=True`` models skip validation, so user input is validated in ``domain`` before it
reaches them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


class Tracker(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=32, unique=True)
    title: str = Field(max_length=200)
    regulation: str | None = Field(default=None, max_length=200)
    deadline: date
    timezone: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)
    created_by: int | None = Field(default=None, sa_type=BigInteger)
    # Days without a report after which a workstream below 100% is nudged.
    quiet_days: int = Field(default=7, sa_column_kwargs={"server_default": "7"})
    # An archived tracker sends nothing and cannot be linked; every row of it is kept.
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    archived_by: int | None = Field(default=None, sa_type=BigInteger)
    # Check-in schedule: "daily", "weekdays" or a day name, at "HH:MM" tracker time.
    checkin_days: str | None = Field(default=None, max_length=8)
    checkin_time: str | None = Field(default=None, max_length=5)
    # Whose public holidays skip check-ins: None follows PANTAU_HOLIDAYS, "off" means none.
    holidays: str | None = Field(default=None, max_length=8)


class Workstream(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("tracker_id", "key", name="uq_workstream_tracker_key"),)

    id: int | None = Field(default=None, primary_key=True)
    tracker_id: int = Field(
        sa_column=Column(Integer, ForeignKey("tracker.id", ondelete="CASCADE"), nullable=False)
    )
    key: str = Field(max_length=32)
    title: str = Field(max_length=200)
    weight: float = Field(default=1.0)
    archived: bool = Field(default=False)
    position: int = Field(default=0)  # display order: the order workstreams were added
    # When it was added: a workstream never reported on is "quiet" counted from here.
    created_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Report(SQLModel, table=True):
    __table_args__ = (
        # One report per Telegram message and revision (0: as sent; then one per edit).
        UniqueConstraint("chat_id", "message_id", "revision", name="uq_report_chat_message"),
        # /status and /update read "the latest report that counts" per workstream.
        Index("ix_report_latest", "workstream_id", "retracted_at", "created_at"),
        # /undo reads the caller's most recent report in a tracker.
        Index("ix_report_reporter", "tracker_id", "reporter_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tracker_id: int = Field(
        sa_column=Column(Integer, ForeignKey("tracker.id", ondelete="CASCADE"), nullable=False)
    )
    workstream_id: int = Field(
        sa_column=Column(Integer, ForeignKey("workstream.id", ondelete="CASCADE"), nullable=False)
    )
    percent: int
    note: str | None = Field(default=None, max_length=1000)
    reporter_id: int = Field(sa_type=BigInteger)
    reporter_name: str = Field(max_length=200)
    chat_id: int = Field(sa_type=BigInteger)
    message_id: int = Field(sa_type=BigInteger)
    update_id: int | None = Field(default=None, sa_type=BigInteger)
    # When the reported progress was true (the message's time; a correction keeps the time
    # of the report it corrects) and when Pantau received it.
    created_at: datetime = Field(sa_type=UTCDateTime)
    recorded_at: datetime = Field(sa_type=UTCDateTime)
    retracted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Who undid it (/undo) or replaced it (an edit).
    retracted_by: int | None = Field(default=None, sa_type=BigInteger)
    # The /undo message that retracted it: the same /undo delivered twice undoes once.
    retracted_chat_id: int | None = Field(default=None, sa_type=BigInteger)
    retracted_message_id: int | None = Field(default=None, sa_type=BigInteger)
    # An edited /update: 1, 2, … for each edit (0 for the message as first sent; rows from
    # before revision 0006 hold the edit's Unix time), and the report
    # the correction replaces (which stays, retracted, for the audit trail).
    revision: int = Field(default=0, sa_type=BigInteger, sa_column_kwargs={"server_default": "0"})
    corrects_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("report.id"), nullable=True)
    )


class TrackerEvent(SQLModel, table=True):
    """A tracker's trail of changes that are not reports: chats linked to it or moved away,
    archived, restored. Its admins read it in /trackers."""

    __tablename__ = "tracker_event"
    __table_args__ = (Index("ix_tracker_event_tracker", "tracker_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    tracker_id: int = Field(
        sa_column=Column(Integer, ForeignKey("tracker.id", ondelete="CASCADE"), nullable=False)
    )
    at: datetime = Field(sa_type=UTCDateTime)
    actor_id: int | None = Field(default=None, sa_type=BigInteger)
    kind: str = Field(max_length=32)  # storage.queries.EventKind
    chat_id: int | None = Field(default=None, sa_type=BigInteger)
    detail: str | None = Field(default=None, max_length=500)


class Member(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("tracker_id", "user_id", name="uq_member_tracker_user"),)

    id: int | None = Field(default=None, primary_key=True)
    tracker_id: int = Field(
        sa_column=Column(Integer, ForeignKey("tracker.id", ondelete="CASCADE"), nullable=False)
    )
    user_id: int = Field(sa_type=BigInteger, index=True)
    role: str = Field(max_length=16)  # domain.views.Role


class ChatLink(SQLModel, table=True):
    __tablename__ = "chat_link"

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=BigInteger, unique=True)
    tracker_id: int = Field(
        sa_column=Column(Integer, ForeignKey("tracker.id", ondelete="CASCADE"), nullable=False)
    )
    title: str | None = Field(default=None, max_length=255)
    active: bool = Field(default=True)
    # Digest schedule: "daily", "weekdays" or a day name ("mon"), at "HH:MM" tracker time.
    digest_days: str | None = Field(default=None, max_length=8)
    digest_time: str | None = Field(default=None, max_length=5)
    # The id this chat had before Telegram turned the group into a supergroup.
    migrated_from: int | None = Field(default=None, sa_type=BigInteger)


class SeenUser(SQLModel, table=True):
    __tablename__ = "seen_user"

    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    username: str | None = Field(default=None, max_length=64, index=True)
    display_name: str = Field(max_length=200)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class Notice(SQLModel, table=True):
    """One scheduled message to one chat: claimed before it is sent, so it is sent once."""

    __table_args__ = (
        UniqueConstraint("chat_id", "slot_key", name="uq_notice_chat_slot"),
        # "The previous digest sent to this chat", for the changes a digest shows.
        Index("ix_notice_chat_kind", "chat_id", "kind", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=BigInteger)
    tracker_id: int = Field(
        sa_column=Column(Integer, ForeignKey("tracker.id", ondelete="CASCADE"), nullable=False)
    )
    kind: str = Field(max_length=16)  # digest | digest-now (/digest) | deadline | overdue | quiet
    slot_key: str = Field(max_length=120)
    status: str = Field(max_length=16)  # pending | sent | failed
    attempts: int = Field(default=0)
    error: str | None = Field(default=None, max_length=500)
    message_id: int | None = Field(default=None, sa_type=BigInteger)
    late: bool = Field(default=False)
    # What the digest showed: overall and per-workstream percent, for the next one's changes.
    figures: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class InboxUpdate(SQLModel, table=True):
    """Every update received, kept until handled: a crash between receiving an update (which
    confirms it to Telegram) and handling it loses nothing, and a redelivered update is
    recognised by its id."""

    __tablename__ = "inbox"

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    payload: str = Field(sa_type=Text)
    received_at: datetime = Field(sa_type=UTCDateTime)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)


class ChatSetting(SQLModel, table=True):
    """Per-chat preferences that hold with or without a tracker link (private chats too)."""

    __tablename__ = "chat_setting"

    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    language: str | None = Field(default=None, max_length=8)
    # A private chat's chosen tracker (/use): where its commands go when the person belongs
    # to several.
    tracker_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey("tracker.id", ondelete="SET NULL", name="fk_chat_setting_tracker"),
            nullable=True,
        ),
    )


class WorkstreamOwner(SQLModel, table=True):
    """Who answers for a workstream: asked at check-in time, named by /status and digests."""

    __tablename__ = "workstream_owner"
    __table_args__ = (
        UniqueConstraint("workstream_id", "user_id", name="uq_workstream_owner"),
        Index("ix_workstream_owner_user", "user_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workstream_id: int = Field(
        sa_column=Column(Integer, ForeignKey("workstream.id", ondelete="CASCADE"), nullable=False)
    )
    user_id: int = Field(sa_type=BigInteger)


class Away(SQLModel, table=True):
    """A person's check-ins pause until ``until`` (they resume that day)."""

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    until: date
    set_at: datetime = Field(sa_type=UTCDateTime)


class CheckinPending(SQLModel, table=True):
    """A private chat whose next typed number answers "✍️ Other" for one workstream."""

    __tablename__ = "checkin_pending"

    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    user_id: int = Field(sa_type=BigInteger)
    workstream_id: int = Field(
        sa_column=Column(Integer, ForeignKey("workstream.id", ondelete="CASCADE"), nullable=False)
    )
    base_report_id: int | None = None
    prompt_message_id: int = Field(sa_type=BigInteger)
    asked_at: datetime = Field(sa_type=UTCDateTime)
