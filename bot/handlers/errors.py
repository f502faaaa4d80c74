"""The one error handler: refusals become replies, bugs become log lines and an apology."""

from __future__ import annotations

import logging
import re

from telegram import Update
from telegram.error import TelegramError

from bot.context import Context
from bot.handlers.common import reply
from domain.errors import UserError

log = logging.getLogger(__name__)

APOLOGY = (
    "😔 Sorry, something went wrong on my side. Please try again in a minute; "
    "if it keeps happening, tell the bot's operator."
)
_TAGS = re.compile(r"<[^>]+>")


async def on_error(update: object, context: Context) -> None:
    """Reply to the user where there is one; log a traceback only for real faults."""
    error = context.error
    message = update.effective_message if isinstance(update, Update) else None
    if isinstance(error, UserError):
        # Bad input is expected: one INFO line, no traceback.
        text = message.text if message is not None else ""
        log.info("refused %r: %s", (text or "")[:80], _TAGS.sub("", error.html))
        if message is not None and isinstance(update, Update):
            await reply(update, error.html)
        return
    log.error("unhandled error while handling an update", exc_info=error)
    if message is not None and isinstance(update, Update):
        try:
            await message.reply_text(APOLOGY)
        except TelegramError:
            log.warning("could not send the apology either")
