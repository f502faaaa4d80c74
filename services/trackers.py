"""A tracker's life: created or updated (by /setup and by ``pantau import`` alike), the chats
that follow it, its deadline, archived and restored, and what /trackers lists."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Session

from domain.errors import UserError
from domain.i18n import code, code_msg
from domain.views import Role, TrackerView
from storage import chats as chat_store
from storage import lifecycle
from storage import members as member_store
from storage import trackers as tracker_store
from storage import workstreams as workstream_store
from storage.chats import ChatPlan
from storage.models import Tracker, TrackerEvent
from storage.trail import Act

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TrackerFields:
    """What a command or a file says about a tracker; None leaves a field as it is."""

    key: str
    deadline: date | None
    title: str | None
    regulation: str | None = None
    timezone: str | None = None


@dataclass(frozen=True, slots=True)
class TrackerSaved:
    tracker: Tracker
    created: bool


def save_tracker(
    session: Session,
    existing: Tracker | None,
    fields: TrackerFields,
    *,
    default_timezone: str,
    actor_id: int | None,
    now: datetime,
) -> TrackerSaved:
    """Create the tracker ``fields`` describe (its creator, if any, its first admin) or
    update ``existing`` to them, chained: the one create-or-update of /setup and the import."""
    if existing is not None:
        if existing.archived_at is not None:
            raise UserError(
                "tracker_archived_link",
                tracker=existing.title,
                restore=code(f"/restore {existing.key}"),
            )
        assert existing.id is not None
        tracker_store.change_tracker(
            session,
            Act(existing.id, now, actor_id),
            tracker=existing,
            deadline=fields.deadline,
            title=fields.title,
            regulation=fields.regulation,
            timezone=fields.timezone,
        )
        return TrackerSaved(existing, created=False)
    if fields.deadline is None:
        raise UserError("setup_needs_deadline", usage=code_msg("usage_setup_new", key=fields.key))
    tracker = tracker_store.create_tracker(
        session,
        key=fields.key,
        title=fields.title or workstream_store.default_title(fields.key),
        regulation=fields.regulation,
        deadline=fields.deadline,
        timezone=fields.timezone or default_timezone,
        created_by=actor_id,
        now=now,
    )
    assert tracker.id is not None
    if actor_id is not None:
        act = Act(tracker.id, now, actor_id)
        member_store.set_role(session, act, user_id=actor_id, role=Role.ADMIN)
    return TrackerSaved(tracker, created=True)


@dataclass(frozen=True, slots=True)
class ChatLinked:
    """What /setup did: the chat follows ``tracker`` now."""

    tracker: TrackerView
    created: bool
    previous: TrackerView | None  # the tracker the chat followed before (perhaps the same)
    plans: list[ChatPlan]  # the chat's schedule, which moved with it

    @property
    def moved(self) -> bool:
        return self.previous is not None and self.previous.id != self.tracker.id


@dataclass(frozen=True, slots=True)
class Linking:
    """Which chat comes to follow a tracker, who brings it and when: what /setup and /follow
    both record."""

    chat_id: int
    chat_title: str | None
    actor_id: int
    now: datetime


def attach_chat(
    session: Session, tracker: Tracker, linking: Linking, *, leaving: Tracker | None = None
) -> None:
    """This chat follows ``tracker`` now (as its own): the tracker's trail says who linked it
    and when, and that of the tracker it is ``leaving`` says where it went."""
    assert tracker.id is not None
    chat_id = linking.chat_id
    chat_store.link_chat(session, chat_id=chat_id, tracker_id=tracker.id, title=linking.chat_title)
    events = [(tracker.id, lifecycle.EventKind.LINKED, linking.chat_title)]
    if leaving is not None and leaving.id is not None:
        events.append((leaving.id, lifecycle.EventKind.MOVED_AWAY, tracker.key))
    for tracker_id, kind, detail in events:
        act = Act(tracker_id, linking.now, linking.actor_id, chat_id)
        lifecycle.add_event(session, act, kind, detail=detail)


def link_chat(
    session: Session,
    tracker: Tracker | None,
    fields: TrackerFields,
    linking: Linking,
    *,
    current: Tracker | None,
    default_timezone: str,
) -> ChatLinked:
    """/setup: create or update the tracker, and make this chat follow it (``current``: the
    tracker it follows now). Both trackers' trails say that the chat moved, who moved it and
    when."""
    saved = save_tracker(
        session,
        tracker,
        fields,
        default_timezone=default_timezone,
        actor_id=linking.actor_id,
        now=linking.now,
    )
    tracker = saved.tracker
    assert tracker.id is not None
    chat_id = linking.chat_id
    if current is not None and current.id == tracker.id:
        chat_store.link_chat(
            session, chat_id=chat_id, tracker_id=tracker.id, title=linking.chat_title
        )
    else:
        attach_chat(session, tracker, linking, leaving=current)
    log.info("setup: chat %s → tracker %s (created=%s)", chat_id, tracker.key, saved.created)
    return ChatLinked(
        tracker_store.tracker_view(tracker),
        saved.created,
        tracker_store.tracker_view(current) if current is not None else None,
        chat_store.chat_plans(session, chat_id=chat_id),
    )


@dataclass(frozen=True, slots=True)
class Deadline:
    tracker: TrackerView
    changed_from: date | None  # None: shown, not moved


def show_or_move_deadline(
    session: Session, tracker: Tracker, new_deadline: date | None, *, actor_id: int, now: datetime
) -> Deadline:
    """/deadline: the deadline, moved first when a new one is given."""
    assert tracker.id is not None
    changed_from = None
    if new_deadline is not None and new_deadline != tracker.deadline:
        changed_from = tracker.deadline
        act = Act(tracker.id, now, actor_id)
        tracker_store.change_tracker(session, act, tracker=tracker, deadline=new_deadline)
        log.info("deadline of %s moved to %s", tracker.key, new_deadline)
    return Deadline(tracker_store.tracker_view(tracker), changed_from)


class ArchiveChange(StrEnum):
    ARCHIVED = "archived"
    RESTORED = "restored"
    ALREADY_ARCHIVED = "already_archived"
    NOT_ARCHIVED = "not_archived"  # /restore of a tracker that was not archived


@dataclass(frozen=True, slots=True)
class Archived:
    change: ArchiveChange
    tracker: Tracker
    plans: list[ChatPlan]  # restored: its chats, whose jobs come back


def set_archived(
    session: Session,
    tracker: Tracker,
    *,
    archived: bool,
    actor_id: int | None,
    now: datetime,
    detail: str | None = None,
) -> Archived:
    """/archive and /restore (and ``pantau archive|restore``, ``detail`` saying so): an
    archived tracker sends nothing, cannot be linked and keeps every row."""
    assert tracker.id is not None
    if (tracker.archived_at is not None) == archived:
        change = ArchiveChange.ALREADY_ARCHIVED if archived else ArchiveChange.NOT_ARCHIVED
        return Archived(change, tracker, [])
    act = Act(tracker.id, now, actor_id)
    lifecycle.set_archived(session, act, tracker=tracker, archived=archived, detail=detail)
    log.info("tracker %s %s", tracker.key, "archived" if archived else "restored")
    if archived:
        return Archived(ArchiveChange.ARCHIVED, tracker, [])
    plans = [
        plan
        for link in chat_store.linked_chats(session, tracker_id=tracker.id)
        for plan in chat_store.chat_plans(session, chat_id=link.chat_id)
    ]
    return Archived(ArchiveChange.RESTORED, tracker, plans)


@dataclass(frozen=True, slots=True)
class ChatRef:
    chat_id: int | None
    title: str | None  # the chat's title as last seen; None when unknown


@dataclass(frozen=True, slots=True)
class EventLine:
    event: TrackerEvent
    chat: ChatRef
    who: str


@dataclass(frozen=True, slots=True)
class TrackerEntry:
    """One tracker as /trackers lists it."""

    tracker: Tracker
    role: Role
    chats: list[ChatRef]
    events: list[EventLine]  # for its admins only: the trail of moves and archiving


def _chat(session: Session, chat_id: int | None, fallback: str | None) -> ChatRef:
    if chat_id is not None and chat_id > 0:
        return ChatRef(chat_id, None)  # a private chat: named as such, never by title
    link = chat_store.get_link(session, chat_id=chat_id) if chat_id is not None else None
    return ChatRef(chat_id, (link.title if link is not None else None) or fallback)


def _who(session: Session, user_id: int | None) -> str:
    if user_id is None:
        return "?"
    seen = member_store.get_seen_user(session, user_id=user_id)
    return seen.display_name if seen is not None else str(user_id)


def trackers_overview(
    session: Session, roles: list[tuple[Tracker, Role]], *, events_shown: int
) -> list[TrackerEntry]:
    """Each tracker with the caller's role in it, the chats that follow it and (to its
    admins) its recent moves."""
    entries = []
    for tracker, role in roles:
        assert tracker.id is not None
        chats = [
            _chat(session, link.chat_id, link.title)
            for link in chat_store.linked_chats(session, tracker_id=tracker.id)
        ]
        events = (
            [
                EventLine(
                    event, _chat(session, event.chat_id, None), _who(session, event.actor_id)
                )
                for event in lifecycle.events(session, tracker_id=tracker.id, limit=events_shown)
            ]
            if role is Role.ADMIN
            else []
        )
        entries.append(TrackerEntry(tracker, role, chats, events))
    return entries
