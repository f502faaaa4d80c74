"""/lang: the language a chat reads (English or Bahasa Indonesia)."""

from __future__ import annotations

import logging

from sqlmodel import Session
from telegram import Update

from bot.access import Command
from bot.context import Context, run_db
from bot.handlers.common import authorize, caller_of, chat_lang, reply
from domain.i18n import msg, t
from domain.parsing import parse_lang
from storage import chats as chat_store

log = logging.getLogger(__name__)


async def set_language(update: Update, context: Context, command: Command) -> None:
    """Show or set this chat's language: /lang [en|id] (who may change it: the table)."""
    caller = caller_of(update, command)
    wanted = parse_lang(caller.rest)
    settings = context.bot_data.settings

    def apply(session: Session) -> None:
        authorize(session, settings, caller, changing=wanted is not None)
        if wanted is not None:
            chat_store.set_chat_language(session, chat_id=caller.chat_id, language=wanted)

    await run_db(context, apply, readonly=wanted is None)
    if wanted is None:
        lang = await chat_lang(context, update)
        await reply(update, t(lang, "lang_show", hint=msg("lang_hint")))
        return
    context.bot_data.languages[caller.chat_id] = wanted
    log.info("chat %s now reads %s", caller.chat_id, wanted)
    await reply(update, t(wanted, "lang_set"))
