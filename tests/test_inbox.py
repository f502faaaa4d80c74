"""Updates are written down before they are confirmed, and replayed after a crash."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from bot.config import Settings
from bot.context import PantauApp
from bot.inbox import InboxQueue
from bot.offline import OfflineBotAPI
from storage.db import session_scope
from storage.models import InboxUpdate
from tests.helpers import BUDI, STAFF, Harness, another_instance, seed_tracker


def _inbox(h: Harness) -> list[InboxUpdate]:
    with session_scope(h.engine, readonly=True) as session:
        return list(session.exec(select(InboxUpdate)).all())


async def _process(app: PantauApp, api: OfflineBotAPI, count: int) -> None:
    """Run the application until it has sent ``count`` messages."""
    await app.start()
    for _ in range(200):
        if len(api.sent) >= count:
            break
        await asyncio.sleep(0.02)
    await app.stop()


async def test_received_updates_are_recorded_then_marked_done(harness: Harness) -> None:
    await seed_tracker(harness)
    harness.api.take()
    queue = harness.app.update_queue
    assert isinstance(queue, InboxQueue)
    update = harness.factory.message("/update payments 30", sender=BUDI, chat=STAFF)
    await queue.put(update)
    (row,) = _inbox(harness)
    assert (row.update_id, row.done_at) == (update.update_id, None)
    await _process(harness.app, harness.api, 1)
    assert _inbox(harness)[0].done_at is not None
    assert [r.percent for r in harness.reports()] == [30]


async def test_the_same_update_delivered_twice_is_handled_once(harness: Harness) -> None:
    await seed_tracker(harness)
    harness.api.take()
    update = harness.factory.message("/undo", sender=BUDI, chat=STAFF)
    await harness.say("/update payments 30", sender=BUDI)
    harness.api.take()
    await harness.app.update_queue.put(update)
    await harness.app.update_queue.put(update)
    await _process(harness.app, harness.api, 1)
    await asyncio.sleep(0.1)
    assert len(harness.api.take()) == 1
    assert harness.app.update_queue.qsize() == 0


async def test_updates_received_before_a_crash_are_replayed_once_at_start(
    harness: Harness, settings: Settings
) -> None:
    await seed_tracker(harness)
    harness.api.take()
    burst = [
        harness.factory.message(f"/update payments {n}", sender=BUDI, chat=STAFF)
        for n in (10, 20, 30)
    ]
    for update in burst:  # received (so confirmed to Telegram) but never handled: a crash
        await harness.app.update_queue.put(update)
    assert [r.done_at for r in _inbox(harness)] == [None, None, None]
    async with another_instance(harness, settings) as (app, api):
        assert app.post_init is not None
        await app.post_init(app)
        await _process(app, api, 3)
        assert [m.text.splitlines()[0] for m in api.sent] == [
            "✅ Payments: 10% (+10)",
            "✅ Payments: 20% (+10)",
            "✅ Payments: 30% (+10)",
        ]
        # Telegram redelivers the same updates (they were never confirmed): nothing twice.
        for update in burst:
            await app.update_queue.put(update)
        assert app.update_queue.qsize() == 0
    assert [r.percent for r in harness.reports()] == [10, 20, 30]
    assert all(r.done_at is not None for r in _inbox(harness))


async def test_an_undo_replayed_after_a_crash_undoes_once(harness: Harness) -> None:
    await seed_tracker(harness)
    await harness.say("/update payments 10", sender=BUDI)
    harness.clock.advance(minutes=1)
    await harness.say("/update payments 20", sender=BUDI)
    undo = harness.factory.message("/undo", sender=BUDI, chat=STAFF)
    await harness.app.process_update(undo)  # handled, but the crash came before "done"
    await harness.app.process_update(undo)  # replayed
    await harness.flush()
    assert "Already undone" in harness.api.take()[-1].text
    assert [r.retracted_at is not None for r in harness.reports()] == [False, True]
