"""A group that becomes a supergroup changes its chat id: its link follows at once."""

from __future__ import annotations

import logging

from telegram import Update

from bot.context import Context, run_db
from storage import lifecycle

log = logging.getLogger(__name__)


async def follow_migration(update: Update, context: Context) -> None:
    """Telegram announces the move in both chats (``migrate_to_chat_id`` in the old group,
    ``migrate_from_chat_id`` in the new supergroup). The link, with its schedule, moves now:
    left for the next notice to discover, the new id would be a group that follows no tracker,
    which anyone able to create a tracker could link to theirs in the meantime."""
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id is not None:
        old, new = message.chat_id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id is not None:
        old, new = message.migrate_from_chat_id, message.chat_id
    else:
        return
    await run_db(context, lambda s: lifecycle.migrate_chat(s, old_chat_id=old, new_chat_id=new))
    log.info("chat %s became supergroup %s: its link follows", old, new)
