"""Nothing received is lost: updates are written down before Telegram is told we have them.

python-telegram-bot confirms a batch of updates to Telegram (the next ``getUpdates`` offset)
as soon as it has queued them, before any handler runs; a webhook answers 200 as soon as the
update is queued. A crash in between would lose those updates. ``InboxQueue`` is the update
queue of the application: it stores each update in the ``inbox`` table before queueing it
(a whole ``getUpdates`` batch in one transaction, see ``bot.transport``), the handler that
records something marks it done in the same transaction (``settle``; the last handler group
does it for every other update), and at start every update not marked done is handled again.
Handlers are idempotent for a redelivered message (a report per chat and message id, an /undo
per message), so a replay after a crash records nothing twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from datetime import timedelta
from functools import partial
from typing import Any

from sqlalchemy import event
from sqlmodel import Session
from telegram import Update

from bot.context import Context, PantauApp, in_db_thread, run_db_app
from storage import inbox as inbox_store

log = logging.getLogger(__name__)

KEEP_DONE = timedelta(hours=48)  # Telegram redelivers an unconfirmed update for 24 hours


class InboxQueue(asyncio.Queue[Any]):
    """The application's update queue, writing each update to the inbox first."""

    def __init__(self) -> None:
        super().__init__()
        self.application: PantauApp | None = None
        self.tracked: set[int] = set()  # update ids that came through the inbox
        # A getUpdates batch written ahead of the updater's put(): id -> newly stored?
        self._batch: dict[int, bool] = {}

    async def put(self, item: Any) -> None:
        if isinstance(item, Update) and self.application is not None:
            stored = self._batch.pop(item.update_id, None)
            if stored is None:  # a webhook delivery: one update, one transaction
                stored = await self._record(self.application, item)
            if not stored:
                log.info(
                    "update %s was delivered again: already handled or queued", item.update_id
                )
                return
            self.tracked.add(item.update_id)
        await super().put(item)

    async def record_batch(self, updates: Sequence[Update]) -> None:
        """Store a whole getUpdates batch in one transaction, before put() sees its updates."""
        if self.application is None:
            return
        engine = self.application.bot_data.engine
        now = self.application.bot_data.clock()
        rows = [
            (update.update_id, json.dumps(update.to_dict(), separators=(",", ":")))
            for update in updates
        ]
        stored = await in_db_thread(
            self.application, partial(inbox_store.inbox_add_many, engine, rows=rows, now=now)
        )
        for update_id, _payload in rows:
            self._batch[update_id] = update_id in stored

    async def _record(self, application: PantauApp, update: Update) -> bool:
        payload = json.dumps(update.to_dict(), separators=(",", ":"))
        engine = application.bot_data.engine
        now = application.bot_data.clock()
        return await in_db_thread(
            application,
            partial(
                inbox_store.inbox_add, engine, update_id=update.update_id, payload=payload, now=now
            ),
        )

    async def replay(self, application: PantauApp) -> int:
        """Queue the updates a previous process received but never finished; returns how many."""
        now = application.bot_data.clock()

        def load(session: Session) -> list[tuple[int, str]]:
            inbox_store.inbox_prune(session, before=now - KEEP_DONE)
            return inbox_store.inbox_pending(session)

        pending = await run_db_app(application, load)
        for update_id, payload in pending:
            update = Update.de_json(json.loads(payload), application.bot)
            self.tracked.add(update_id)
            await super().put(update)
        if pending:
            log.warning("replaying %s update(s) received before a crash", len(pending))
        return len(pending)


def settle(session: Session, context: Context, update_id: int) -> None:
    """Mark the update done inside the caller's transaction: what it recorded and the inbox
    entry commit together (a crash between the two would replay a recorded update)."""
    queue = context.application.update_queue
    if not isinstance(queue, InboxQueue) or update_id not in queue.tracked:
        return
    inbox_store.inbox_done_in(session, update_id=update_id, now=context.bot_data.clock())

    def settled(_session: Session) -> None:
        queue.tracked.discard(update_id)  # mark_done need not write it again

    event.listen(session, "after_commit", settled, once=True)


async def mark_done(update: Update, context: Context) -> None:
    """Last handler group: the update has been handled (or refused) and need not be replayed."""
    queue = context.application.update_queue
    if not isinstance(queue, InboxQueue) or update.update_id not in queue.tracked:
        return
    queue.tracked.discard(update.update_id)
    await in_db_thread(
        context.application,
        partial(
            inbox_store.inbox_done,
            context.bot_data.engine,
            update_id=update.update_id,
            now=context.bot_data.clock(),
        ),
    )
