"""/lang: the language a chat reads (English or Bahasa Indonesia)."""

from __future__ import annotations

import logging

from sqlmodel import Session
from telegram import Update

from bot.context import Context, run_db
from bot.handlers.common import caller_of, chat_lang, reply, resolve
from domain.i18n import msg, t
from domain.parsing import parse_lang
from domain.views import Role
from storage import queries

log = logging.getLogger(__name__)


async def set_language(update: Update, context: Context) -> None:
    """Show or set this chat's language: /lang [en|id] (admins in groups; anyone privately)."""
    caller = caller_of(update)
    wanted = parse_lang(caller.rest)
    if wanted is None:
        lang = await chat_lang(context, update)
        await reply(update, t(lang, "lang_show", hint=msg("lang_hint")))
        return
    settings = context.bot_data.settings

    def apply(session: Session) -> None:
        if not caller.private:  # a group's language is its admins' call
            resolve(session, settings, caller, Role.ADMIN)
        queries.set_chat_language(session, chat_id=caller.chat_id, language=wanted)

    await run_db(context, apply)
    context.bot_data.languages[caller.chat_id] = wanted
    log.info("chat %s now reads %s", caller.chat_id, wanted)
    await reply(update, t(wanted, "lang_set"))
