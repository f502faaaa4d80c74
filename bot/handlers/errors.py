"""The one error handler: refusals become replies, bugs become log lines and an apology."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Conflict, TelegramError

from bot.context import Context
from bot.handlers.common import chat_lang, reply
from domain.errors import UserError
from domain.i18n import t
from domain.parsing import split_command

log = logging.getLogger(__name__)

MAX_COMMAND_LOGGED = 32  # Telegram's own limit on a command's name


async def on_error(update: object, context: Context) -> None:
    """Reply to the user where there is one; log a traceback only for real faults."""
    error = context.error
    if isinstance(error, Conflict):
        # Polling errors reach here too (update None). Two pollers on one token fight over every
        # update and Telegram answers 409 each time: stop, and say why, rather than loop.
        log.error(
            "another process is polling Telegram with this bot token (409 Conflict): stopping"
        )
        context.bot_data.conflict = True
        # On the way out PTB confirms the last offset with one more getUpdates, which meets the
        # same 409 and would print a traceback for a situation already explained above.
        logging.getLogger("telegram.ext.Updater").setLevel(logging.CRITICAL)
        context.application.stop_running()
        return
    if not isinstance(update, Update) or update.effective_message is None:
        log.error("error outside an update", exc_info=error)
        return
    message = update.effective_message
    try:
        lang = await chat_lang(context, update)
    except Exception:  # the database itself may be what failed
        lang = context.bot_data.settings.pantau_language
    if isinstance(error, UserError):
        # Bad input is expected: one INFO line, no traceback. It names the command and the
        # reason (the catalogue key) and never quotes the message: a note or a title may be
        # confidential, and the rendered reason can quote what was typed.
        text = error.render(lang)
        command = split_command(message.text or message.caption or "")[0][:MAX_COMMAND_LOGGED]
        log.info("refused /%s in chat %s: %s", command or "?", message.chat_id, error.key)
        await reply(update, text)
        return
    log.error("unhandled error while handling an update", exc_info=error)
    try:
        await message.reply_text(t(lang, "apology"))
    except TelegramError:
        log.warning("could not send the apology either")
