"""Portfolio chats: the trackers a chat follows besides its own (``chat_link``)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from domain.trail import Kind
from storage import trail
from storage.models import ChatFollow, Tracker


def followed(session: Session, *, chat_id: int) -> list[Tracker]:
    """The trackers a chat follows besides its own, archived ones left out, by key."""
    statement = (
        select(Tracker)
        .join(ChatFollow, col(ChatFollow.tracker_id) == col(Tracker.id))
        .where(ChatFollow.chat_id == chat_id, col(Tracker.archived_at).is_(None))
        .order_by(col(Tracker.key))
    )
    return list(session.exec(statement).all())


def is_following(session: Session, *, chat_id: int, tracker_id: int) -> bool:
    statement = select(ChatFollow.id).where(
        ChatFollow.chat_id == chat_id, ChatFollow.tracker_id == tracker_id
    )
    return session.exec(statement).first() is not None


def follow(
    session: Session, *, chat_id: int, tracker_id: int, by: int | None, now: datetime
) -> None:
    """The chat follows this tracker too (chained on the tracker's trail)."""
    session.add(ChatFollow(chat_id=chat_id, tracker_id=tracker_id, created_at=now, created_by=by))
    session.flush()
    trail.record(session, trail.Act(tracker_id, now, by, chat_id), Kind.FOLLOWED)


def unfollow(
    session: Session, *, chat_id: int, tracker_id: int, by: int | None, now: datetime
) -> bool:
    row = session.exec(
        select(ChatFollow).where(
            ChatFollow.chat_id == chat_id, ChatFollow.tracker_id == tracker_id
        )
    ).first()
    if row is None:
        return False
    session.delete(row)
    session.flush()
    trail.record(session, trail.Act(tracker_id, now, by, chat_id), Kind.UNFOLLOWED)
    return True
