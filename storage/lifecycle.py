"""A tracker's life and trail beyond its reports: archiving, the events that record chats
moving and trackers archived, the row lock that guards its admins, private-chat links ending.
Same conventions as ``storage.queries``: a ``session`` and keyword-only arguments."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from storage.models import ChatLink, Tracker, TrackerEvent


def lock_tracker(session: Session, *, tracker_id: int) -> Tracker | None:
    """Read a tracker and lock its row until the transaction ends (PostgreSQL: SELECT … FOR
    UPDATE). Changes to a tracker's admins take this lock first, so two of them cannot both
    see "another admin remains" and leave none. SQLite has no row locks and needs none: its
    writers take the database lock one at a time."""
    statement = (
        select(Tracker)
        .where(Tracker.id == tracker_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.exec(statement).first()


def set_archived(
    session: Session, *, tracker: Tracker, archived: bool, by: int | None, now: datetime
) -> None:
    tracker.archived_at = now if archived else None
    tracker.archived_by = by if archived else None
    session.add(tracker)
    session.flush()


class EventKind:
    """What a tracker_event row records (a literal a test can find)."""

    LINKED = "chat_linked"  # a chat now follows the tracker
    MOVED_AWAY = "chat_moved_away"  # a chat that followed it now follows another
    ARCHIVED = "archived"
    RESTORED = "restored"


def add_event(
    session: Session,
    *,
    tracker_id: int,
    kind: str,
    actor_id: int | None,
    now: datetime,
    chat_id: int | None = None,
    detail: str | None = None,
) -> None:
    session.add(
        TrackerEvent(
            tracker_id=tracker_id,
            kind=kind,
            actor_id=actor_id,
            at=now,
            chat_id=chat_id,
            detail=detail[:500] if detail else None,
        )
    )
    session.flush()


def events(session: Session, *, tracker_id: int, limit: int = 5) -> list[TrackerEvent]:
    """A tracker's most recent events, newest first."""
    statement = (
        select(TrackerEvent)
        .where(TrackerEvent.tracker_id == tracker_id)
        .order_by(col(TrackerEvent.id).desc())
        .limit(limit)
    )
    return list(session.exec(statement).all())


def unlink_private_chat(session: Session, *, tracker_id: int, user_id: int) -> bool:
    """Remove a person's private chat from a tracker (with its digest schedule, which lives
    on the link). True when there was one."""
    link = session.exec(
        select(ChatLink).where(ChatLink.chat_id == user_id, ChatLink.tracker_id == tracker_id)
    ).first()
    if link is None:
        return False
    session.delete(link)
    session.flush()
    return True
