"""Chats in parallel, each chat in order: the update processor of bot.dispatch."""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

from telegram import Update
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.dispatch import ChatOrderedProcessor
from bot.offline import ChatRef, OfflineBotAPI, Person, UpdateFactory
from tests.helpers import TEST_TOKEN, within

PERSON = Person(4242, "Rina")


def _app(processor: ChatOrderedProcessor) -> Application[Any, Any, Any, Any, Any, Any]:
    return (
        Application.builder()
        .token(TEST_TOKEN)
        .request(OfflineBotAPI())
        .concurrent_updates(processor)
        .build()
    )


async def _run(app: Application[Any, Any, Any, Any, Any, Any], updates: list[Update]) -> None:
    """Feed the updates through the application's queue, as polling does, until handled."""
    await app.start()
    for update in updates:
        await app.update_queue.put(update)
    await within(app.update_queue.join(), "the updates were never all handled")
    await app.stop()


async def test_one_chat_is_handled_in_arrival_order_whatever_each_handler_takes() -> None:
    app = _app(ChatOrderedProcessor(64))
    rng = random.Random(12)
    handled: list[int] = []
    running = 0
    most = 0

    async def handler(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(rng.uniform(0, 0.01))  # an early update may well take longest
        handled.append(update.update_id)
        running -= 1

    app.add_handler(TypeHandler(Update, handler))
    async with app:
        factory = UpdateFactory(app.bot)
        chat = ChatRef(-100500, "One busy group")
        updates = [factory.message(f"/update a {n}", sender=PERSON, chat=chat) for n in range(100)]
        await _run(app, updates)
    assert handled == [u.update_id for u in updates]
    assert most == 1  # never two of the chat's updates at once


async def test_a_private_chat_keeps_one_persons_order_too() -> None:
    app = _app(ChatOrderedProcessor(64))
    handled: list[str] = []

    async def handler(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        text = update.effective_message.text or ""
        await asyncio.sleep(0.02 if text == "/update payments 50" else 0)
        handled.append(text)

    app.add_handler(TypeHandler(Update, handler))
    async with app:
        factory = UpdateFactory(app.bot)
        private = ChatRef(PERSON.id)
        texts = ["/update payments 50", "/undo", "/status"]
        await _run(app, [factory.message(t, sender=PERSON, chat=private) for t in texts])
    assert handled == texts  # the /undo never overtakes the /update it undoes


async def test_updates_of_ten_chats_overlap_in_time_within_the_bound() -> None:
    app = _app(ChatOrderedProcessor(5))
    spans: dict[int, list[tuple[float, float]]] = {}
    running = 0
    most = 0

    async def handler(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        nonlocal running, most
        assert update.effective_chat is not None
        running += 1
        most = max(most, running)
        started = time.monotonic()
        await asyncio.sleep(0.05)
        spans.setdefault(update.effective_chat.id, []).append((started, time.monotonic()))
        running -= 1

    app.add_handler(TypeHandler(Update, handler))
    async with app:
        factory = UpdateFactory(app.bot)
        chats = [ChatRef(-100600 - n, f"Group {n}") for n in range(10)]
        updates = [
            factory.message(f"/status {n}", sender=PERSON, chat=chats[n % 10]) for n in range(30)
        ]
        started = time.monotonic()
        await _run(app, updates)
        elapsed = time.monotonic() - started
    assert len(spans) == 10
    assert most == 5  # concurrent, but never above the bound
    # Chats overlap: some update of each chat ran while one of another chat was running.
    for chat_id, mine in spans.items():
        others = [s for other, spans_ in spans.items() if other != chat_id for s in spans_]
        assert any(a < d and c < b for a, b in mine for c, d in others), chat_id
    # Within a chat, never overlapping (its three updates in turn).
    for mine in spans.values():
        ordered = sorted(mine)
        assert all(prev[1] <= nxt[0] for prev, nxt in zip(ordered, ordered[1:], strict=False))
    # One at a time would take 30 × 0.05 s = 1.5 s; 6 rounds of 5 at once about 0.3 s. A
    # figure, not an assertion (a busy machine stretches it): `most == 5` proves the overlap.
    print(f"30 updates in {elapsed:.2f} s")  # noqa: T201


async def test_a_burst_in_one_chat_does_not_hold_the_others_back() -> None:
    app = _app(ChatOrderedProcessor(4))
    done_at: dict[str, float] = {}

    async def handler(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await asyncio.sleep(0.01)
        done_at[update.effective_message.text or ""] = time.monotonic()

    app.add_handler(TypeHandler(Update, handler))
    async with app:
        factory = UpdateFactory(app.bot)
        busy = ChatRef(-100700, "Busy")
        quiet = ChatRef(-100701, "Quiet")
        burst = [factory.message(f"/update a {n}", sender=PERSON, chat=busy) for n in range(50)]
        await _run(app, [*burst, factory.message("/status", sender=PERSON, chat=quiet)])
    # The quiet chat's update, queued after 50 in the busy chat, is done long before them.
    assert done_at["/status"] < done_at["/update a 5"]
