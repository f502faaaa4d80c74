"""Chats in parallel, each chat in order: how updates are scheduled.

PTB hands every update to an update processor as soon as it leaves the update queue. With its
default (one at a time) a busy group delays every other chat; with its ``SimpleUpdateProcessor``
two commands of one person may run out of order (an /undo overtaking the /update it undoes).
``ChatOrderedProcessor`` does what teloxide's default dispatcher does: updates of different
chats run concurrently, at most ``limit`` at once, and the updates of one chat (in a private
chat: of one person) run strictly one after another, in the order they arrived.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# PTB's own semaphore is held while an update waits for its chat's previous one, so it cannot
# be the bound: a burst in one chat would fill it with waiting updates and stall every other
# chat. It only caps the number of updates in hand; ``limit`` bounds those actually running.
IN_HAND = 1_000_000


def order_key(update: object) -> int | None:
    """The chat whose updates must stay in order; None: no order to keep."""
    if not isinstance(update, Update):
        return None
    chat = update.effective_chat
    if chat is not None:
        return chat.id
    user = update.effective_user
    return user.id if user is not None else None


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Different chats concurrently (``limit`` at once); one chat's updates in arrival order."""

    def __init__(self, limit: int = 64) -> None:
        super().__init__(IN_HAND)
        self.limit = limit
        self._running = asyncio.BoundedSemaphore(limit)
        # Per chat: the completion of the last update queued for it (its successor waits).
        self._tails: dict[int, asyncio.Future[None]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = order_key(update)
        if key is None:
            async with self._running:
                await coroutine
            return
        # PTB starts one task per update in arrival order and this runs before the task's
        # first suspension, so the chain below is built in arrival order.
        previous = self._tails.get(key)
        mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._tails[key] = mine
        started = False
        try:
            if previous is not None:
                await asyncio.shield(previous)
            async with self._running:
                started = True
                await coroutine
        finally:
            if not started and asyncio.iscoroutine(coroutine):
                coroutine.close()  # cancelled while waiting: never run, and no warning
            mine.set_result(None)
            if self._tails.get(key) is mine:
                del self._tails[key]

    async def initialize(self) -> None:
        """Nothing to set up: the semaphore and the chains live with the object."""

    async def shutdown(self) -> None:
        """Nothing to free: PTB waits for the running updates before shutting down."""
