"""Digests when things go wrong: the bot was down (it catches up, once, marked late), or
Telegram refuses, moves the chat, asks to wait or fails (each answered as it means)."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlmodel import select

from bot import jobs, retry
from bot.config import Settings
from bot.offline import Fault
from domain.views import NoticeKind
from storage import chats as chat_store
from storage import notices as notice_store
from storage.db import session_scope
from storage.models import ChatLink
from tests.helpers import ADMIN, BUDI, MANAGERS, STAFF, Harness, another_instance
from tests.schedule_helpers import jq, notices, tracked, wib

# --- catch-up after downtime -----------------------------------------------------------------


async def test_stopped_0859_started_0930_sends_the_digest_once_marked_late(
    harness: Harness, settings: Settings
) -> None:
    await tracked(harness)
    harness.clock.now = wib(2024, 2, 26, 8, 59)  # the bot stops here
    harness.api.take()
    harness.clock.now = wib(2024, 2, 26, 9, 30)  # and starts again here
    for _ in range(2):  # and once more: a second restart sends nothing again
        async with another_instance(harness, settings) as (app, api):
            await jobs.register_all(app)
            await jobs.catch_up(app)
            sent = [m for m in api.take() if m.chat_id == MANAGERS.id]
            if _ == 0:
                assert len(sent) == 1
                assert "Late: due 26 Feb 09:00" in sent[0].text
            else:
                assert sent == []
    (notice,) = notices(harness.engine)
    assert (notice.slot_key, notice.late) == ("digest@2024-02-26T09:00", True)


@pytest.mark.parametrize("window_hours", [6, 96])
async def test_stopped_three_days_sends_one_late_digest_not_three(
    harness: Harness, settings: Settings, window_hours: int
) -> None:
    await tracked(harness)
    harness.clock.now = wib(2024, 2, 26, 9, 30)
    settings = settings.model_copy(update={"pantau_catchup_hours": window_hours})
    async with another_instance(harness, settings) as (app, api):
        await jobs.catch_up(app)
        api.take()
    harness.clock.now = wib(2024, 2, 29, 9, 30)  # down since the 26th
    async with another_instance(harness, settings) as (app, api):
        await jobs.catch_up(app)
        sent = [m for m in api.take() if m.chat_id == MANAGERS.id]
    assert len(sent) == 1
    assert "Late: due 29 Feb 09:00" in sent[0].text
    slots = [n.slot_key for n in notices(harness.engine) if n.chat_id == MANAGERS.id]
    assert slots == ["digest@2024-02-26T09:00", "digest@2024-02-29T09:00"]


async def test_catch_up_ignores_slots_older_than_the_window(
    harness: Harness, settings: Settings
) -> None:
    await tracked(harness)
    harness.clock.now = wib(2024, 2, 26, 16, 0)  # 7 hours after 09:00, window 6 hours
    harness.api.take()
    async with another_instance(harness, settings) as (app, api):
        await jobs.catch_up(app)
        assert api.take() == []


async def test_post_init_registers_jobs_and_queues_one_catch_up(
    harness: Harness, settings: Settings
) -> None:
    await tracked(harness)
    async with another_instance(harness, settings) as (app, _api):
        assert app.post_init is not None
        await app.post_init(app)
        await app.post_init(app)  # a reload: still one of each
        names = sorted(job.name or "" for job in jq(app).jobs())
    tracker_jobs = [n for n in names if n.startswith("quiet:")]
    assert names.count("catch-up") == 1
    assert f"digest:{MANAGERS.id}" in names
    assert f"reminders:{STAFF.id}" in names
    assert len(tracker_jobs) == 1


# --- what Telegram answers -------------------------------------------------------------------


async def test_forbidden_deactivates_the_link_and_other_chats_are_still_served(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await tracked(harness)
    harness.api.take()
    harness.api.fail_next("sendMessage", Fault.forbidden())
    with caplog.at_level(logging.WARNING):
        assert await jobs.send_digest(harness.app, MANAGERS.id, slot_key="digest@x") == "failed"
        assert await jobs.send_digest(harness.app, MANAGERS.id, slot_key="digest@y") == "unlinked"
    assert await jobs.send_digest(harness.app, STAFF.id, slot_key="digest@x") == "sent"
    assert [m.chat_id for m in harness.api.take()] == [STAFF.id]
    warnings = [r for r in caplog.records if "link deactivated" in r.getMessage()]
    assert len(warnings) == 1
    with session_scope(harness.engine, readonly=True) as session:
        link = chat_store.get_link(session, chat_id=MANAGERS.id)
        assert link is not None
        assert link.active is False
    failed = [n for n in notices(harness.engine) if n.status == "failed"]
    assert len(failed) == 1
    assert "forbidden" in (failed[0].error or "")
    assert harness.jobs.get_jobs_by_name(f"digest:{MANAGERS.id}") == ()


async def test_chat_migrated_moves_the_chat_everywhere_and_sends_to_the_new_id(
    harness: Harness,
) -> None:
    await tracked(harness)
    new_id = -1009876543210
    harness.api.take()
    harness.api.fail_next("sendMessage", Fault.migrated(new_id))
    assert await jobs.send_digest(harness.app, MANAGERS.id, slot_key="digest@m") == "sent"
    assert [m.chat_id for m in harness.api.take()] == [new_id]
    with session_scope(harness.engine, readonly=True) as session:
        link = session.exec(select(ChatLink).where(ChatLink.chat_id == new_id)).one()
        assert link.migrated_from == MANAGERS.id
        assert chat_store.get_link(session, chat_id=MANAGERS.id) is None
    (notice,) = notices(harness.engine)
    assert (notice.chat_id, notice.status) == (new_id, "sent")


async def test_retry_after_waits_and_the_message_still_arrives(harness: Harness) -> None:
    await tracked(harness)
    harness.api.take()
    harness.api.fail_next("sendMessage", Fault.retry_after(1))
    loop = asyncio.get_running_loop()
    started = loop.time()
    reply = await harness.say("/status", sender=BUDI)
    assert "overall" in reply
    assert loop.time() - started >= 1.0
    assert [c.method for c in harness.api.calls[-2:]] == ["sendMessage", "sendMessage"]


@pytest.mark.parametrize("fault", [Fault(500, "Internal Server Error"), Fault.timeout()])
async def test_server_errors_and_timeouts_are_retried_with_backoff(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, fault: Fault
) -> None:
    monkeypatch.setattr(retry, "NETWORK_RETRY_DELAYS", (0.01, 0.01))
    await tracked(harness)
    harness.api.take()
    harness.api.fail_next("sendMessage", fault)
    assert await jobs.send_digest(harness.app, MANAGERS.id, slot_key="digest@r") == "sent"
    (notice,) = notices(harness.engine)
    assert (notice.status, notice.attempts) == ("sent", 2)
    harness.api.fail_next("sendMessage", fault, times=3)
    assert await jobs.send_digest(harness.app, MANAGERS.id, slot_key="digest@s") == "failed"
    last = notices(harness.engine)[-1]
    assert (last.status, last.attempts) == ("failed", 3)
    assert last.error
    assert last.error.startswith("network:")
    assert len(harness.api.take()) == 1


async def test_pending_notice_of_a_dead_process_is_marked_failed_not_resent(
    harness: Harness, settings: Settings
) -> None:
    await tracked(harness)
    with session_scope(harness.engine) as session:
        notice_store.claim_notice(
            session,
            chat_id=MANAGERS.id,
            tracker_id=1,
            kind=NoticeKind.DIGEST,
            slot_key="digest@2024-02-23T09:00",
            late=False,
            now=harness.clock.now,
        )
    async with another_instance(harness, settings) as (app, api):
        await jobs.register_all(app)
        await jobs.catch_up(app)
        assert [m for m in api.take() if m.chat_id == MANAGERS.id] == []
    (notice,) = notices(harness.engine)
    assert notice.status == "failed"
    assert "interrupted" in (notice.error or "")


async def test_digest_to_a_chat_admin_left_is_not_sent(harness: Harness) -> None:
    await tracked(harness)
    await harness.say("/setup tiktok-tokopedia", chat=MANAGERS, sender=ADMIN)
    assert await jobs.send_digest(harness.app, -5555, slot_key="digest@z") == "unlinked"
