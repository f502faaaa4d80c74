"""A tracker's life and trail beyond its reports: archiving, the events that record chats
moving and trackers archived, the row lock that guards its admins, private-chat links ending.
Chats leaving (the bot removed or blocked) and moving (a group that became a supergroup).
Same conventions as every storage module: a ``session`` and keyword-only arguments; what
chains an event takes a ``trail.Act`` (who, when, from which chat) beside the session."""

from __future__ import annotations

from sqlmodel import Session, col, select

from domain.trail import Kind
from storage import trail
from storage.chats import get_link
from storage.models import ChatLink, ChatSetting, Notice, Tracker, TrackerEvent


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
    session: Session,
    act: trail.Act,
    *,
    tracker: Tracker,
    archived: bool,
    detail: str | None = None,
) -> None:
    """Archive or restore ``tracker``, chained (``detail``: where it was done, if not in chat)."""
    tracker.archived_at = act.at if archived else None
    tracker.archived_by = act.actor_id if archived else None
    session.add(tracker)
    add_event(session, act, EventKind.ARCHIVED if archived else EventKind.RESTORED, detail=detail)


class EventKind:
    """What a tracker_event row records (a literal a test can find); every kind is in
    ``domain.trail.Kind``, these are the ones /trackers shows its admins."""

    LINKED = Kind.LINKED.value  # a chat now follows the tracker
    MOVED_AWAY = Kind.MOVED_AWAY.value  # a chat that followed it now follows another
    ARCHIVED = Kind.ARCHIVED.value
    RESTORED = Kind.RESTORED.value
    FOLLOWED = Kind.FOLLOWED.value  # a portfolio chat follows it besides its own
    UNFOLLOWED = Kind.UNFOLLOWED.value


SHOWN_EVENTS = (
    EventKind.LINKED,
    EventKind.MOVED_AWAY,
    EventKind.ARCHIVED,
    EventKind.RESTORED,
    EventKind.FOLLOWED,
    EventKind.UNFOLLOWED,
)


def add_event(session: Session, act: trail.Act, kind: str, *, detail: str | None = None) -> None:
    """An event without a row of its own (a chat linked, a tracker archived), appended to
    the tracker's hash chain (``storage.trail``)."""
    trail.record(session, act, kind, detail=detail)


def events(session: Session, *, tracker_id: int, limit: int = 5) -> list[TrackerEvent]:
    """A tracker's most recent moves and archiving (what /trackers shows), newest first."""
    statement = (
        select(TrackerEvent)
        .where(TrackerEvent.tracker_id == tracker_id, col(TrackerEvent.kind).in_(SHOWN_EVENTS))
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


def deactivate_link(session: Session, *, chat_id: int) -> bool:
    """Stop serving a chat (the bot was removed or blocked). True if it was active."""
    link = get_link(session, chat_id=chat_id)
    if link is None or not link.active:
        return False
    link.active = False
    session.add(link)
    session.flush()
    return True


def migrate_chat(session: Session, *, old_chat_id: int, new_chat_id: int) -> None:
    """A group became a supergroup: its link and notices follow the new id.

    Reports keep the chat id they were sent from (message ids are per chat, so the pair
    stays the message's true identity); ``migrated_from`` keeps them attributed.
    """
    link = get_link(session, chat_id=old_chat_id)
    if link is not None and get_link(session, chat_id=new_chat_id) is None:
        link.chat_id = new_chat_id
        link.migrated_from = old_chat_id
        session.add(link)
    setting = session.get(ChatSetting, old_chat_id)
    if setting is not None and session.get(ChatSetting, new_chat_id) is None:
        # The group's language goes with it (a copy: the old id's row is harmless).
        session.add(ChatSetting(chat_id=new_chat_id, language=setting.language))
    for notice in session.exec(select(Notice).where(Notice.chat_id == old_chat_id)).all():
        if not session.exec(
            select(Notice.id).where(
                Notice.chat_id == new_chat_id, Notice.slot_key == notice.slot_key
            )
        ).first():
            notice.chat_id = new_chat_id
            session.add(notice)
    session.flush()
