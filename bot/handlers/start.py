"""/start and /help, and a pointer for unknown commands in private chats."""

from __future__ import annotations

from sqlmodel import Session
from telegram import Update

from bot.access import Command, help_lines
from bot.context import Context, run_db
from bot.handlers.common import authorize, caller_of, chat_lang, may_create, reply
from domain.errors import UserError
from domain.i18n import Html, code, t
from domain.render import render_help
from storage import trackers as tracker_store


async def show_help(update: Update, context: Context, command: Command) -> None:
    """What the bot is for and the commands this user may use here: /start, /help."""
    caller = caller_of(update, command)
    settings = context.bot_data.settings
    table = context.bot_data.commands
    lang = await chat_lang(context, update)

    def read(session: Session) -> str:
        here = authorize(session, settings, caller)
        lines = help_lines(
            table, here.place, here.rank, can_create=may_create(settings, caller.user_id)
        )
        view = tracker_store.tracker_view(here.tracker) if here.tracker is not None else None
        note = None
        usages = [(line.shown(lang), line.key) for line in lines]
        if caller.private and here.tracker is None:
            mine = tracker_store.trackers_of_user(session, user_id=caller.user_id)
            if len(mine) > 1:  # no one tracker to answer for: say which ones and where
                keys = Html(", ".join(code(tracker.key) for tracker in mine))
                note = t(lang, "many_trackers", count=len(mine), keys=keys)
                # The way out, /use, is listed although "no tracker" gives no rank here.
                usages += [
                    (x.shown(lang), x.key) for c in table if c.name == "use" for x in c.help
                ]
        return render_help(
            view,
            here.role,
            lang,
            lines=usages,
            private=caller.private,
            where_note=note,
        )

    await reply(update, await run_db(context, read, readonly=True))


async def unknown_command(update: Update, _context: Context) -> None:
    """An unknown /command in a private chat (in groups other bots may own it: stay quiet)."""
    raise UserError("unknown_command", command=caller_of(update).command)
