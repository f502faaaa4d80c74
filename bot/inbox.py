"""Nothing received is lost: updates are written down before Telegram is told we have them.

python-telegram-bot confirms a batch of updates to Telegram (the next ``getUpdates`` offset)
as soon as it has queued them, before any handler runs; a webhook answers 200 as soon as the
update is queued. A crash in between would lose those updates. ``InboxQueue`` is the update
queue of the application: it stores each update in the ``inbox`` table before queueing it,
the last handler group marks it done, and at start every update not marked done is handled
again. Handlers are idempotent for a redelivered message (a report per chat and message id, an
/undo per message), so a replay after a crash records nothing twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import timedelta
from functools import partial
from typing import Any

from sqlmodel import Session
from telegram import Update

from bot.context import Context, PantauApp, in_db_thread, run_db_app
from storage import queries

log = logging.getLogger(__name__)

KEEP_DONE = timedelta(hours=48)  # Telegram redelivers an unconfirmed update for 24 hours


class InboxQueue(asyncio.Queue[Any]):
    """The application's update queue, writing each update to the inbox first."""

    def __init__(self) -> None:
        super().__init__()
        self.application: PantauApp | None = None
        self.tracked: set[int] = set()  # update ids that came through the inbox

    async def put(self, item: Any) -> None:
        if isinstance(item, Update) and self.application is not None:
            if not await self._record(self.application, item):
                log.info(
                    "update %s was delivered again: already handled or queued", item.update_id
                )
                return
            self.tracked.add(item.update_id)
        await super().put(item)

    async def _record(self, application: PantauApp, update: Update) -> bool:
        payload = json.dumps(update.to_dict(), separators=(",", ":"))
        engine = application.bot_data.engine
        now = application.bot_data.clock()
        return await in_db_thread(
            application,
            partial(
                queries.inbox_add, engine, update_id=update.update_id, payload=payload, now=now
            ),
        )

    async def replay(self, application: PantauApp) -> int:
        """Queue the updates a previous process received but never finished; returns how many."""
        now = application.bot_data.clock()

        def load(session: Session) -> list[tuple[int, str]]:
            queries.inbox_prune(session, before=now - KEEP_DONE)
            return queries.inbox_pending(session)

        pending = await run_db_app(application, load)
        for update_id, payload in pending:
            update = Update.de_json(json.loads(payload), application.bot)
            self.tracked.add(update_id)
            await super().put(update)
        if pending:
            log.warning("replaying %s update(s) received before a crash", len(pending))
        return len(pending)


async def mark_done(update: Update, context: Context) -> None:
    """Last handler group: the update has been handled (or refused) and need not be replayed."""
    queue = context.application.update_queue
    if not isinstance(queue, InboxQueue) or update.update_id not in queue.tracked:
        return
    queue.tracked.discard(update.update_id)
    await in_db_thread(
        context.application,
        partial(
            queries.inbox_done,
            context.bot_data.engine,
            update_id=update.update_id,
            now=context.bot_data.clock(),
        ),
    )
