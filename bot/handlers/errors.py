"""The one error handler: refusals become replies, bugs become log lines and an apology."""

from __future__ import annotations

import logging
import re

from telegram import Update
from telegram.error import TelegramError

from bot.context import Context
from bot.handlers.common import chat_lang, reply
from domain.errors import UserError
from domain.i18n import t

log = logging.getLogger(__name__)

_TAGS = re.compile(r"<[^>]+>")


async def on_error(update: object, context: Context) -> None:
    """Reply to the user where there is one; log a traceback only for real faults."""
    error = context.error
    if not isinstance(update, Update) or update.effective_message is None:
        log.error("error outside an update", exc_info=error)
        return
    message = update.effective_message
    try:
        lang = await chat_lang(context, update)
    except Exception:  # the database itself may be what failed
        lang = context.bot_data.settings.pantau_language
    if isinstance(error, UserError):
        # Bad input is expected: one INFO line, no traceback.
        text = error.render(lang)
        log.info("refused %r: %s", (message.text or "")[:80], _TAGS.sub("", error.render("en")))
        await reply(update, text)
        return
    log.error("unhandled error while handling an update", exc_info=error)
    try:
        await message.reply_text(t(lang, "apology"))
    except TelegramError:
        log.warning("could not send the apology either")
