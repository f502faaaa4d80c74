"""Plain, immutable views of stored data that rendering and maths work on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class Role(StrEnum):
    """What a person may do in a tracker."""

    ADMIN = "admin"
    REPORTER = "reporter"


class NoticeKind(StrEnum):
    """What a notice is: the ``kind`` column of the table that claims each slot once."""

    DIGEST = "digest"  # a scheduled digest
    DIGEST_NOW = "digest-now"  # a /digest
    DEADLINE = "deadline"  # a reminder before the deadline
    OVERDUE = "overdue"
    QUIET = "quiet"  # a workstream's silence nudged
    CHECKIN = "checkin"  # an owner asked in private
    UNREACHABLE = "unreachable"  # an owner the bot cannot write to, named in the group


class NoticeStatus(StrEnum):
    PENDING = "pending"  # claimed, being sent
    SENT = "sent"
    FAILED = "failed"


# Accounts Telegram uses to stand for someone else: GroupAnonymousBot (an anonymous group
# admin, any of them), Channel_Bot (a channel) and the service account 777000 (a linked
# channel's forwards). None of them is a person, so none may hold a role.
SERVICE_ACCOUNTS = frozenset({1087968824, 136817688, 777000})


@dataclass(frozen=True, slots=True)
class TrackerView:
    id: int
    key: str
    title: str
    regulation: str | None
    deadline: date
    timezone: str
    quiet_days: int = 7


@dataclass(frozen=True, slots=True)
class ReportView:
    id: int
    workstream_key: str
    percent: int
    note: str | None
    reporter_id: int
    reporter_name: str
    created_at: datetime  # timezone-aware UTC
    retracted_at: datetime | None = None
    files: tuple[str, ...] = ()  # names of its evidence files


@dataclass(frozen=True, slots=True)
class FileFacts:
    """One evidence file as received, and what became of its copy (``note``: why there is
    none; ``sha256`` is None when the content never reached Pantau)."""

    file_id: str
    file_unique_id: str
    name: str
    mime: str | None
    size: int | None
    sha256: str | None
    note: str | None


@dataclass(frozen=True, slots=True)
class WorkstreamView:
    id: int
    key: str
    title: str
    weight: float
    latest: ReportView | None  # latest report that still counts
    created_at: datetime | None = None

    @property
    def percent(self) -> int:
        """A workstream without reports counts as 0%."""
        return self.latest.percent if self.latest else 0


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Where a tracker stands: its active workstreams and their latest reports."""

    tracker: TrackerView
    workstreams: tuple[WorkstreamView, ...]


@dataclass(frozen=True, slots=True)
class UndoneReport:
    """A report taken back with /undo, as a digest lists it for the managers."""

    workstream: str  # title
    percent: int
    reporter_name: str
    created_at: datetime  # when it was reported
    undone_at: datetime
