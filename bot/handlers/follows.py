"""/follow and /unfollow: a managers' chat that watches several trackers (a portfolio).

A chat's own tracker (``/setup``) is where /update there goes; the trackers it follows besides
are for reading and digests only, so a report is never ambiguous.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlmodel import Session
from telegram import Update

from bot import jobs
from bot.access import Command
from bot.context import Context, run_db
from bot.handlers.common import Request, authorize, authorize_key, reply, request_of
from domain.i18n import code, t
from domain.parsing import parse_tracker_key
from services import follows
from services.follows import FollowChange, Followed
from storage.models import Tracker

log = logging.getLogger(__name__)


FOLLOW_TEXT = {
    FollowChange.FIRST: "followed_first",
    FollowChange.FOLLOWING: "followed_now",
    FollowChange.ALREADY: "already_following",
    FollowChange.UNFOLLOWED: "unfollowed_now",
    FollowChange.NOT_FOLLOWING: "not_following",
}


async def _apply(
    update: Update,
    context: Context,
    command: Command,
    change: Callable[[Session, Tracker, Request], Followed],
) -> None:
    """A /follow or /unfollow of ``<key>`` (the table's rank in that tracker), then the reply."""
    request = await request_of(update, context, command)
    caller, settings = request.caller, request.settings
    key = parse_tracker_key(caller.rest, command.name)

    def apply(session: Session) -> Followed:
        authorize(session, settings, caller)
        tracker = authorize_key(session, settings, caller, key)
        assert tracker is not None  # neither command creates
        return change(session, tracker, request)

    done = await run_db(context, apply)
    for plan in done.plans:
        jobs.register_chat(context.application, plan)
    text = t(
        request.lang,
        FOLLOW_TEXT[done.change],
        title=done.tracker.title,
        key=code(key),
        detail=code(f"/status {key}"),
        own=done.own.title if done.own is not None else "",
    )
    await reply(update, text)


async def follow_tracker(update: Update, context: Context, command: Command) -> None:
    """This chat follows another tracker as well: /follow <key> (admin of that tracker; in a
    chat that already follows one, admin of that one too, as for linking)."""
    await _apply(
        update,
        context,
        command,
        lambda s, tracker, r: follows.follow(s, tracker, r.linking),
    )


async def unfollow_tracker(update: Update, context: Context, command: Command) -> None:
    """Stop following a tracker this chat follows besides its own: /unfollow <key>."""
    await _apply(
        update,
        context,
        command,
        lambda s, tracker, r: follows.unfollow(
            s, tracker, chat_id=r.caller.chat_id, actor_id=r.caller.user_id, now=r.now
        ),
    )
