"""Trackers: finding, creating and changing them, and the version a view cache keys on.

Like every storage module: functions take a ``session`` and keyword-only arguments, and the
caller owns the transaction (``storage.db.session_scope``): one short session per update or
job, no commit here. What rendering needs leaves as ``domain.views`` objects.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, bindparam, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from domain.trail import Kind
from domain.views import TrackerView
from storage import trail
from storage.db import insert_row
from storage.models import ChatLink, Member, Report, Tracker, Workstream

_REPORT = Report.__table__  # type: ignore[attr-defined]
_WORKSTREAM = Workstream.__table__  # type: ignore[attr-defined]


def tracker_view(tracker: Tracker) -> TrackerView:
    assert tracker.id is not None
    return TrackerView(
        id=tracker.id,
        key=tracker.key,
        title=tracker.title,
        regulation=tracker.regulation,
        deadline=tracker.deadline,
        timezone=tracker.timezone,
        quiet_days=tracker.quiet_days,
    )


def get_tracker(session: Session, *, key: str) -> Tracker | None:
    return session.exec(select(Tracker).where(Tracker.key == key)).first()


def get_tracker_by_id(session: Session, *, tracker_id: int) -> Tracker | None:
    return session.get(Tracker, tracker_id)


# Statements on the path of every command are built once: building one costs more than
# running it on SQLite.
_TRACKER_FOR_CHAT = (
    select(Tracker)
    .join(ChatLink, col(ChatLink.tracker_id) == col(Tracker.id))
    .where(ChatLink.chat_id == bindparam("chat_id"), col(ChatLink.active).is_(True))
)


def tracker_for_chat(session: Session, *, chat_id: int) -> Tracker | None:
    """The tracker an active chat link points to."""
    return session.exec(_TRACKER_FOR_CHAT, params={"chat_id": chat_id}).first()


def trackers_of_user(
    session: Session, *, user_id: int, include_archived: bool = False
) -> list[Tracker]:
    """The trackers a user holds a role in (archived ones only when asked for)."""
    statement = (
        select(Tracker)
        .join(Member, col(Member.tracker_id) == col(Tracker.id))
        .where(Member.user_id == user_id)
        .order_by(col(Tracker.key))
    )
    if not include_archived:
        statement = statement.where(col(Tracker.archived_at).is_(None))
    return list(session.exec(statement).all())


def create_tracker(
    session: Session,
    *,
    key: str,
    title: str,
    deadline: date,
    timezone: str,
    regulation: str | None = None,
    created_by: int | None,
    now: datetime,
) -> Tracker:
    tracker = Tracker(
        key=key,
        title=title,
        regulation=regulation,
        deadline=deadline,
        timezone=timezone,
        created_at=now,
        created_by=created_by,
    )
    trail.record(
        session,
        trail.Act(insert_row(session, tracker), now, created_by),
        Kind.TRACKER_CREATED,
        subject={
            "key": key,
            "title": tracker.title,
            "regulation": regulation,
            "deadline": deadline.isoformat(),
            "timezone": timezone,
        },
    )
    return tracker


def change_tracker(
    session: Session,
    act: trail.Act,
    *,
    tracker: Tracker,
    deadline: date | None = None,
    title: str | None = None,
    regulation: str | None = None,
    timezone: str | None = None,
) -> bool:
    """Move a tracker's deadline or change its title (or an import file's other fields),
    chained; True when something changed."""
    assert tracker.id == act.tracker_id
    changed = False
    if deadline is not None and deadline != tracker.deadline:
        moved = {"from": tracker.deadline.isoformat(), "to": deadline.isoformat()}
        trail.record(session, act, Kind.DEADLINE_MOVED, subject=moved)
        tracker.deadline = deadline
        changed = True
    fields = {"title": title, "regulation": regulation, "timezone": timezone}
    was = {"title": tracker.title, "regulation": tracker.regulation, "timezone": tracker.timezone}
    new = {
        name: value for name, value in fields.items() if value is not None and value != was[name]
    }
    if new:
        subject = {name: {"from": was[name], "to": value} for name, value in new.items()}
        trail.record(session, act, Kind.TRACKER_CHANGED, subject=subject)
        for name, value in new.items():
            setattr(tracker, name, value)
        changed = True
    session.add(tracker)
    session.flush()
    return changed


def all_trackers(session: Session) -> list[Tracker]:
    return list(session.exec(select(Tracker).order_by(col(Tracker.id))).all())


def set_quiet_days(session: Session, *, tracker: Tracker, days: int) -> None:
    tracker.quiet_days = days
    session.add(tracker)
    session.flush()


def _version_statement() -> Select[Any]:
    ws = _WORKSTREAM.alias("w")
    report = _REPORT
    retracted = report.c.retracted_at
    return (
        sa_select(
            sa_select(func.max(report.c.id)).scalar_subquery(),
            ws.c.id,
            ws.c.key,
            ws.c.title,
            ws.c.weight,
            ws.c.archived,
            ws.c.position,
            # An undo or a correction retracts a report: counted and dated per workstream,
            # both read from ix_report_latest alone.
            sa_select(func.count(retracted))
            .where(report.c.workstream_id == ws.c.id, retracted.is_not(None))
            .scalar_subquery(),
            sa_select(func.max(retracted))
            .where(report.c.workstream_id == ws.c.id)
            .scalar_subquery(),
        )
        .where(ws.c.tracker_id == bindparam("tracker_id"))
        .order_by(ws.c.id)
    )


_VERSION = _version_statement()


def tracker_version(session: Session, *, tracker: Tracker) -> tuple[object, ...]:
    """Everything a change to the tracker changes, read in a few index seeks: its row, its
    workstreams, the newest report id of all, and per workstream the retracted reports.

    A cache keyed by this value can never serve a stale view, whichever instance (or
    process) made the change: a new report raises the newest id, an undo or a correction
    retracts one, /workstream and /deadline change the rows. (The newest id is global, so a
    report in one tracker also renews the others' entries: cheap, and always safe.)
    """
    session.flush()
    rows = session.connection().execute(_VERSION, {"tracker_id": tracker.id}).all()
    head = (
        tracker.id,
        tracker.title,
        tracker.deadline,
        tracker.timezone,
        tracker.quiet_days,
        tracker.archived_at,
    )
    return head + tuple(tuple(row) for row in rows)
