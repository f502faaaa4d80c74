"""/start and /help, and a pointer for unknown commands and plain text in private chats."""

from __future__ import annotations

from sqlmodel import Session
from telegram import Update

from bot.context import Context, run_db
from bot.handlers.common import caller_of, chat_lang, effective_role, reply
from domain.errors import UserError
from domain.i18n import t
from domain.render import render_help
from storage import queries


async def show_help(update: Update, context: Context) -> None:
    """What the bot is for and the commands this user may use here: /start, /help."""
    caller = caller_of(update)
    settings = context.bot_data.settings
    can_create = not settings.pantau_admin_ids or caller.user_id in settings.pantau_admin_ids
    lang = await chat_lang(context, update)

    def read(session: Session) -> str:
        tracker = queries.tracker_for_chat(session, chat_id=caller.chat_id)
        if tracker is None and caller.private:
            mine = queries.trackers_of_user(session, user_id=caller.user_id)
            tracker = mine[0] if len(mine) == 1 else None
        if tracker is None:
            return render_help(None, None, lang, can_create=can_create, private=caller.private)
        assert tracker.id is not None
        role = effective_role(session, settings, tracker_id=tracker.id, user_id=caller.user_id)
        view = queries.tracker_view(tracker)
        return render_help(view, role, lang, can_create=can_create, private=caller.private)

    await reply(update, await run_db(context, read, readonly=True))


async def unknown_command(update: Update, _context: Context) -> None:
    """An unknown /command in a private chat (in groups other bots may own it: stay quiet)."""
    raise UserError("unknown_command", command=caller_of(update).command)


async def plain_text(update: Update, context: Context) -> None:
    """Text that is not a command, in a private chat: one line pointing at /help."""
    await reply(update, t(await chat_lang(context, update), "plain_text_private"))
