"""/follow and /unfollow: a managers' chat that watches several trackers (a portfolio).

A chat's own tracker (``/setup``) is where /update there goes; the trackers it follows besides
are for reading and digests only, so a report is never ambiguous.
"""

from __future__ import annotations

import logging

from sqlmodel import Session
from telegram import Update

from bot import jobs
from bot.access import Command
from bot.context import Context, run_db
from bot.handlers.common import authorize, authorize_key, caller_of, chat_lang, reply
from domain.errors import UserError
from domain.i18n import code, t
from domain.parsing import parse_tracker_key
from storage import chats as chat_store
from storage import follows, lifecycle
from storage import trackers as tracker_store
from storage.lifecycle import EventKind

log = logging.getLogger(__name__)


async def follow_tracker(update: Update, context: Context, command: Command) -> None:
    """This chat follows another tracker as well: /follow <key> (admin of that tracker; in a
    chat that already follows one, admin of that one too, as for linking)."""
    caller = caller_of(update, command)
    key = parse_tracker_key(caller.rest, "follow")
    settings = context.bot_data.settings
    lang = await chat_lang(context, update)
    now = context.bot_data.clock()

    def apply(session: Session) -> tuple[str, list[chat_store.ChatPlan]]:
        authorize(session, settings, caller)
        tracker = authorize_key(session, settings, caller, key)
        assert tracker is not None  # /follow never creates
        assert tracker.id is not None
        if tracker.archived_at is not None:
            raise UserError(
                "tracker_archived_link", tracker=tracker.title, restore=code(f"/restore {key}")
            )
        own = tracker_store.tracker_for_chat(session, chat_id=caller.chat_id)
        if own is None:
            # A chat that follows nothing yet: this becomes its own tracker, as /setup does.
            chat_store.link_chat(
                session, chat_id=caller.chat_id, tracker_id=tracker.id, title=caller.chat_title
            )
            lifecycle.add_event(
                session,
                tracker_id=tracker.id,
                kind=EventKind.LINKED,
                actor_id=caller.user_id,
                now=now,
                chat_id=caller.chat_id,
                detail=caller.chat_title,
            )
            text = t(lang, "followed_first", title=tracker.title, key=code(key))
            return text, chat_store.chat_plans(session, chat_id=caller.chat_id)
        if own.id == tracker.id or follows.is_following(
            session, chat_id=caller.chat_id, tracker_id=tracker.id
        ):
            return t(lang, "already_following", title=tracker.title), []
        follows.follow(
            session, chat_id=caller.chat_id, tracker_id=tracker.id, by=caller.user_id, now=now
        )
        log.info("chat %s follows %s besides %s", caller.chat_id, key, own.key)
        text = t(
            lang,
            "followed_now",
            title=tracker.title,
            key=code(key),
            detail=code(f"/status {key}"),
            own=own.title,
        )
        return text, []

    text, plans = await run_db(context, apply)
    for plan in plans:
        jobs.register_chat(context.application, plan)
    await reply(update, text)


async def unfollow_tracker(update: Update, context: Context, command: Command) -> None:
    """Stop following a tracker this chat follows besides its own: /unfollow <key>."""
    caller = caller_of(update, command)
    key = parse_tracker_key(caller.rest, "unfollow")
    settings = context.bot_data.settings
    lang = await chat_lang(context, update)
    now = context.bot_data.clock()

    def apply(session: Session) -> str:
        authorize(session, settings, caller)
        tracker = authorize_key(session, settings, caller, key)
        assert tracker is not None
        assert tracker.id is not None
        own = tracker_store.tracker_for_chat(session, chat_id=caller.chat_id)
        if own is not None and own.id == tracker.id:
            raise UserError("unfollow_own", title=tracker.title)
        if not follows.unfollow(
            session, chat_id=caller.chat_id, tracker_id=tracker.id, by=caller.user_id, now=now
        ):
            return t(lang, "not_following", title=tracker.title)
        return t(lang, "unfollowed_now", title=tracker.title)

    await reply(update, await run_db(context, apply))
