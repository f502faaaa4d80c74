"""Remembering who writes to the bot, so /grant @username can be resolved."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from telegram import Update

from bot.context import Context, run_db
from storage import members as member_store

log = logging.getLogger(__name__)


async def remember_user(update: Update, context: Context) -> None:
    """Keep the seen_user row of every sender current (a write only when something changed)."""
    user = update.effective_user
    if user is None or user.is_bot:
        return
    known = context.bot_data.seen_users
    facts = (user.username.lower() if user.username else None, user.full_name)
    if known.get(user.id) == facts:
        return
    now = context.bot_data.clock()

    def save(session: Session) -> None:
        member_store.upsert_seen_user(
            session, user_id=user.id, username=user.username, display_name=user.full_name, now=now
        )

    try:
        await run_db(context, save)
    except SQLAlchemyError as exc:
        # Best effort: the command itself will meet (and report) the same database problem.
        log.warning("could not remember user %s: %s", user.id, type(exc).__name__)
        return
    known[user.id] = facts
