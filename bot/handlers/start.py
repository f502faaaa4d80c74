"""/start and /help, and a pointer for unknown commands in private chats."""

from __future__ import annotations

from sqlmodel import Session
from telegram import Update

from bot.context import Context, run_db
from bot.handlers.common import caller_of, effective_role, reply
from domain.errors import UserError
from domain.render import render_help
from storage import queries


async def show_help(update: Update, context: Context) -> None:
    """What the bot is for and the commands this user may use here: /start, /help."""
    caller = caller_of(update)
    settings = context.bot_data.settings
    can_create = not settings.pantau_admin_ids or caller.user_id in settings.pantau_admin_ids

    def read(session: Session) -> str:
        tracker = queries.tracker_for_chat(session, chat_id=caller.chat_id)
        if tracker is None and caller.private:
            mine = queries.trackers_of_user(session, user_id=caller.user_id)
            tracker = mine[0] if len(mine) == 1 else None
        if tracker is None:
            return render_help(None, None, can_create=can_create, private=caller.private)
        assert tracker.id is not None
        role = effective_role(session, settings, tracker_id=tracker.id, user_id=caller.user_id)
        return render_help(
            queries.tracker_view(tracker), role, can_create=can_create, private=caller.private
        )

    await reply(update, await run_db(context, read, readonly=True))


async def unknown_command(update: Update, _context: Context) -> None:
    """An unknown /command in a private chat (in groups other bots may own it: stay quiet)."""
    caller = caller_of(update)
    raise UserError(f"I don't know /{caller.command}. Send /help to see what you can do here.")


async def edited_update(update: Update, _context: Context) -> None:
    """An edited /update: the record is not changed silently; say what to do instead."""
    message = update.edited_message
    assert message is not None
    await message.reply_text(
        "✏️ Editing a message does not change its report. Send /undo, then a new /update."
    )
