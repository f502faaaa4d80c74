"""Linked chats: which tracker a chat serves, its digest schedule, its language, and the chats
a tracker's reports come from. (A chat moving or leaving is ``storage.lifecycle``.)"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from storage.models import ChatLink, ChatSetting, Report, Tracker


def link_chat(session: Session, *, chat_id: int, tracker_id: int, title: str | None) -> int | None:
    """Link a chat to a tracker (a chat belongs to at most one); returns the previous tracker."""
    link = session.exec(select(ChatLink).where(ChatLink.chat_id == chat_id)).first()
    if link is None:
        session.add(ChatLink(chat_id=chat_id, tracker_id=tracker_id, title=title, active=True))
        session.flush()
        return None
    previous = link.tracker_id if link.active else None
    link.tracker_id = tracker_id
    link.active = True
    if title:
        link.title = title
    session.add(link)
    session.flush()
    return previous


def linked_chats(session: Session, *, tracker_id: int) -> list[ChatLink]:
    statement = select(ChatLink).where(
        ChatLink.tracker_id == tracker_id, col(ChatLink.active).is_(True)
    )
    return list(session.exec(statement).all())


@dataclass(frozen=True, slots=True)
class ChatPlan:
    """What the scheduler needs to know about one linked chat."""

    chat_id: int
    tracker_id: int
    timezone: str
    digest_days: str | None
    digest_time: str | None


def chat_plans(session: Session, *, chat_id: int | None = None) -> list[ChatPlan]:
    """Every active linked chat (or one) with its tracker's timezone and digest schedule."""
    statement = (
        select(ChatLink, Tracker)
        .join(Tracker, col(Tracker.id) == col(ChatLink.tracker_id))
        .where(col(ChatLink.active).is_(True))
        .order_by(col(ChatLink.id))
    )
    if chat_id is not None:
        statement = statement.where(ChatLink.chat_id == chat_id)
    return [
        ChatPlan(
            link.chat_id, link.tracker_id, tracker.timezone, link.digest_days, link.digest_time
        )
        for link, tracker in session.exec(statement).all()
    ]


def get_link(session: Session, *, chat_id: int) -> ChatLink | None:
    return session.exec(select(ChatLink).where(ChatLink.chat_id == chat_id)).first()


def set_schedule(session: Session, *, chat_id: int, days: str | None, at: str | None) -> ChatLink:
    link = get_link(session, chat_id=chat_id)
    assert link is not None
    link.digest_days = days
    link.digest_time = at
    session.add(link)
    session.flush()
    return link


def report_chats(session: Session, *, tracker_id: int) -> list[int]:
    """The chats a tracker's reports come from, as they are reachable now.

    Migrated groups map to their new id; chats whose link was deactivated are left out.
    """
    statement = (
        select(Report.chat_id)
        .where(Report.tracker_id == tracker_id, Report.chat_id != 0)
        .distinct()
    )
    chats: list[int] = []
    for chat_id in session.exec(statement).all():
        link = get_link(session, chat_id=chat_id)
        if link is None:
            link = session.exec(select(ChatLink).where(ChatLink.migrated_from == chat_id)).first()
        if link is not None:
            if not link.active:
                continue
            chat_id = link.chat_id
        if chat_id not in chats:
            chats.append(chat_id)
    return sorted(chats)


def chat_language(session: Session, *, chat_id: int) -> str | None:
    setting = session.get(ChatSetting, chat_id)
    return setting.language if setting else None


def set_chat_language(session: Session, *, chat_id: int, language: str) -> None:
    setting = session.get(ChatSetting, chat_id) or ChatSetting(chat_id=chat_id)
    setting.language = language
    session.add(setting)
    session.flush()
