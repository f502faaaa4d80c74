"""Real people only: commands sent anonymously, as a channel or by a bot change nothing."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot import inbox
from bot.context import Context
from bot.handlers.common import chat_lang, reply
from domain.i18n import t
from domain.parsing import split_command
from domain.views import SERVICE_ACCOUNTS

log = logging.getLogger(__name__)


def stands_in_for_someone(update: Update) -> bool:
    """Sent on behalf of a chat (an anonymous group admin, a channel, a linked channel's
    forward) or by a bot or one of Telegram's service accounts: nobody we could hold to a
    role. Every anonymous admin of every group arrives as the same GroupAnonymousBot.
    A button press comes from the person who pressed it (its message is the bot's own)."""
    if update.callback_query is not None:
        return update.callback_query.from_user.is_bot
    message = update.effective_message
    if message is None:
        return False
    if message.sender_chat is not None:
        return True
    user = message.from_user
    return user is None or user.is_bot or user.id in SERVICE_ACCOUNTS


async def refuse_stand_ins(update: Update, context: Context) -> None:
    """Runs before everything else: one line back for a Pantau command sent by a stand-in,
    and nothing else happens (no handler, no record, not even a seen_user row)."""
    if not stands_in_for_someone(update):
        return
    try:
        await _answer(update, context)
        await inbox.mark_done(update, context)
    except Exception:  # logged, and still the command goes no further
        log.exception("could not answer (or mark done) a stand-in's message")
    # Stop here even after an error: PTB would run the next handler groups otherwise.
    raise ApplicationHandlerStop


async def _answer(update: Update, context: Context) -> None:
    """One line back for a Pantau command; anything else from a stand-in gets no answer."""
    message = update.effective_message
    assert message is not None
    text = message.text or ""
    if not text.startswith("/"):
        return
    command, bot_name, _rest = split_command(text)
    ours = bot_name is None or bot_name.lower() == (context.bot.username or "").lower()
    if ours and any(c.name == command for c in context.bot_data.commands):
        log.info("refused /%s: sent anonymously, as a channel or by a bot", command)
        await reply(update, t(await chat_lang(context, update), "not_yourself"))
