"""Portfolios: a managers' chat follows further trackers besides its own (/follow,
/unfollow)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session

from domain.errors import UserError
from domain.i18n import code
from services.trackers import Linking, attach_chat
from storage import chats as chat_store
from storage import follows
from storage import trackers as tracker_store
from storage.chats import ChatPlan
from storage.models import Tracker

log = logging.getLogger(__name__)


class FollowChange(StrEnum):
    FIRST = "first"  # the chat followed nothing: this became its own tracker, as with /setup
    FOLLOWING = "following"
    ALREADY = "already"
    UNFOLLOWED = "unfollowed"
    NOT_FOLLOWING = "not_following"


@dataclass(frozen=True, slots=True)
class Followed:
    change: FollowChange
    tracker: Tracker
    own: Tracker | None  # the chat's own tracker
    plans: list[ChatPlan]  # FIRST: the chat's jobs


def follow(session: Session, tracker: Tracker, linking: Linking) -> Followed:
    """/follow: this chat follows ``tracker`` as well (never an archived one)."""
    assert tracker.id is not None
    if tracker.archived_at is not None:
        raise UserError(
            "tracker_archived_link", tracker=tracker.title, restore=code(f"/restore {tracker.key}")
        )
    chat_id = linking.chat_id
    own = tracker_store.tracker_for_chat(session, chat_id=chat_id)
    if own is None:
        attach_chat(session, tracker, linking)
        plans = chat_store.chat_plans(session, chat_id=chat_id)
        return Followed(FollowChange.FIRST, tracker, tracker, plans)
    if own.id == tracker.id or follows.is_following(
        session, chat_id=chat_id, tracker_id=tracker.id
    ):
        return Followed(FollowChange.ALREADY, tracker, own, [])
    follows.follow(
        session, chat_id=chat_id, tracker_id=tracker.id, by=linking.actor_id, now=linking.now
    )
    log.info("chat %s follows %s besides %s", chat_id, tracker.key, own.key)
    return Followed(FollowChange.FOLLOWING, tracker, own, [])


def unfollow(
    session: Session, tracker: Tracker, *, chat_id: int, actor_id: int, now: datetime
) -> Followed:
    """/unfollow: stop following a tracker this chat follows besides its own."""
    assert tracker.id is not None
    own = tracker_store.tracker_for_chat(session, chat_id=chat_id)
    if own is not None and own.id == tracker.id:
        raise UserError("unfollow_own", title=tracker.title)
    if not follows.unfollow(session, chat_id=chat_id, tracker_id=tracker.id, by=actor_id, now=now):
        return Followed(FollowChange.NOT_FOLLOWING, tracker, own, [])
    return Followed(FollowChange.UNFOLLOWED, tracker, own, [])
