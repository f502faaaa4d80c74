"""Digests, deadline reminders and quiet nudges: on time, in local time, exactly once."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import Engine
from sqlmodel import select
from telegram.ext import JobQueue

from bot import jobs, retry
from bot.app import build_application
from bot.config import Settings
from bot.context import PantauApp
from bot.offline import Fault, OfflineBotAPI
from domain.views import NoticeKind
from storage import chats as chat_store
from storage import notices as notice_store
from storage import trackers as tracker_store
from storage.chats import ChatPlan
from storage.db import session_scope
from storage.models import ChatLink, Notice
from tests.helpers import (
    ADMIN,
    BUDI,
    MANAGERS,
    SARI,
    STAFF,
    Clock,
    Harness,
    another_instance,
    seed_tracker,
)

JAKARTA = ZoneInfo("Asia/Jakarta")


def wib(year: int, month: int, day: int, hour: int, minute: int, second: int = 0) -> datetime:
    """A Jakarta wall-clock time as UTC."""
    return datetime(year, month, day, hour, minute, second, tzinfo=JAKARTA).astimezone(UTC)


def jq(app: PantauApp) -> JobQueue[Any]:
    assert app.job_queue is not None
    return app.job_queue


def _notices(engine: Engine) -> list[Notice]:
    with session_scope(engine, readonly=True) as session:
        return notice_store.notices(session)


async def _tracked(h: Harness, schedule: str | None = "daily 09:00") -> None:
    await seed_tracker(h)
    await h.say("/setup tiktok-tokopedia", chat=MANAGERS)
    if schedule:
        await h.say(f"/schedule {schedule}", chat=MANAGERS)


# --- the digest and its commands -------------------------------------------------------------


async def test_digest_shows_overall_changes_reporters_quiet_and_days_left(
    harness: Harness,
) -> None:
    await _tracked(harness, schedule=None)
    await harness.say("/update payments 40", sender=BUDI)
    first = await harness.say("/digest", chat=MANAGERS)
    assert "Digest · TikTok Shop → Tokopedia" in first
    assert "13% overall · 49 days left (12 April 2024)" in first
    assert "since the last digest" not in first
    assert "Seller back-end 0% — no report yet" in first
    harness.clock.advance(days=8)
    await harness.say("/update payments 70", sender=BUDI)
    second = await harness.say("/digest", chat=MANAGERS)
    assert "23% overall (+10 since the last digest) · 41 days left" in second
    assert "• Payments 70% (+30) — Budi Santoso, 2 Mar" in second
    assert "No report for 7+ days: Seller back-end" in second
    # The staff group has had no digest yet: its first one shows no changes.
    assert "since the last digest" not in await harness.say("/digest")


async def test_schedule_commands_show_replace_and_turn_off(harness: Harness) -> None:
    await _tracked(harness, schedule=None)
    assert "No scheduled digest in this chat" in await harness.say("/schedule", chat=MANAGERS)
    await harness.say("/schedule daily 09:00", chat=MANAGERS)
    reply = await harness.say("/schedule mon 07:45", chat=MANAGERS)
    assert "every Monday at 07:45 (WIB)" in reply
    assert "every Monday at 07:45" in await harness.say("/schedule", sender=BUDI, chat=MANAGERS)
    digest_jobs = harness.jobs.get_jobs_by_name(f"digest:{MANAGERS.id}")
    assert len(digest_jobs) == 1
    trigger = digest_jobs[0].job.trigger
    assert str(trigger.fields[4]) == "mon"  # day_of_week
    await harness.say("/schedule off", chat=MANAGERS)
    assert harness.jobs.get_jobs_by_name(f"digest:{MANAGERS.id}") == ()
    assert len(harness.jobs.get_jobs_by_name(f"reminders:{MANAGERS.id}")) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/schedule daily", "Type /schedule daily|weekdays|mon…sun HH:MM"),
        ("/schedule hourly 09:00", "Type /schedule daily|weekdays|mon…sun HH:MM"),
        ("/schedule daily 9am", "9am is not a time: use 24-hour HH:MM"),
        ("/schedule daily 24:00", "24:00 is not a time"),
        ("/quiet 0", "a whole number from 1 to 365"),
        ("/quiet soon", "a whole number from 1 to 365"),
    ],
)
async def test_schedule_and_quiet_bad_input(harness: Harness, text: str, expected: str) -> None:
    await _tracked(harness, schedule=None)
    assert expected in await harness.say(text, chat=MANAGERS)
    with session_scope(harness.engine, readonly=True) as session:
        link = chat_store.get_link(session, chat_id=MANAGERS.id)
        assert link is not None
        assert link.digest_days is None
        tracker = tracker_store.get_tracker(session, key="tiktok-tokopedia")
        assert tracker is not None
        assert tracker.quiet_days == 7


async def test_only_admins_change_schedule_and_quiet(harness: Harness) -> None:
    await _tracked(harness, schedule=None)
    assert "Only admins" in await harness.say("/schedule daily 09:00", sender=BUDI)
    assert "Only admins" in await harness.say("/quiet 3", sender=BUDI)
    assert "nudged after 7 days" in await harness.say("/quiet", sender=BUDI)
    assert "nudged after 3 days" in await harness.say("/quiet 3")


# --- on time, in local time ------------------------------------------------------------------


async def test_daily_0900_jakarta_digest_fires_at_0900_local_not_utc(
    settings: Settings, engine: Engine
) -> None:
    # Real scheduler, real (travelled) time: 08:59:58 in Jakarta is 01:59:58 UTC.
    with time_machine.travel(wib(2024, 2, 26, 8, 59, 58), tick=True):
        api = OfflineBotAPI()
        app = build_application(settings, request=api, engine=engine)
        async with app:
            h = Harness(app, api, engine, Clock())
            h.clock.now = datetime.now(UTC)
            await _tracked(h)
            api.take()
            await app.start()
            job = jq(app).get_jobs_by_name(f"digest:{MANAGERS.id}")[0]
            assert job.next_t == wib(2024, 2, 26, 9, 0)
            assert job.next_t != datetime(2024, 2, 26, 9, 0, tzinfo=UTC)
            await asyncio.sleep(3.5)
            await app.stop()
    digests = [m for m in api.sent if m.chat_id == MANAGERS.id]
    assert len(digests) == 1
    assert "Digest · TikTok Shop" in digests[0].text
    assert "Late" not in digests[0].text
    (notice,) = _notices(engine)
    assert (notice.slot_key, notice.status, notice.late) == (
        "digest@2024-02-26T09:00",
        "sent",
        False,
    )


def test_misfire_grace_is_widened_and_registering_again_never_doubles_a_job(
    harness: Harness,
) -> None:
    plan = ChatPlan(-42, 1, "Asia/Jakarta", "weekdays", "09:00")
    for _ in range(3):
        jobs.register_chat(harness.app, plan)
        jobs.register_tracker(harness.app, 1, "Asia/Jakarta")
    names = sorted(job.name or "" for job in harness.jobs.jobs())
    assert names == ["digest:-42", "quiet:1", "reminders:-42"]
    job = harness.jobs.get_jobs_by_name("digest:-42")[0]
    assert job.job.misfire_grace_time == 3600
    assert job.job.coalesce is True


@pytest.mark.parametrize(
    ("start", "end"),
    [(date(2024, 3, 27), date(2024, 4, 3)), (date(2024, 10, 23), date(2024, 10, 30))],
)
def test_daily_schedule_in_berlin_fires_once_a_day_across_dst(
    harness: Harness, start: date, end: date
) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    jobs.register_chat(harness.app, ChatPlan(-7, 1, "Europe/Berlin", "daily", "09:00"))
    trigger = harness.jobs.get_jobs_by_name("digest:-7")[0].job.trigger
    moment = datetime.combine(start, datetime.min.time(), berlin)
    fired: list[datetime] = []
    previous = None
    while True:
        nxt = trigger.get_next_fire_time(previous, moment)
        if nxt.date() > end:
            break
        fired.append(nxt)
        previous, moment = nxt, nxt + timedelta(seconds=1)
    local = [f.astimezone(berlin) for f in fired]
    assert [d.date() for d in local] == [start + timedelta(days=n) for n in range(8)]
    assert {(d.hour, d.minute) for d in local} == {(9, 0)}
    offsets = {d.utcoffset() for d in local}
    assert len(offsets) == 2  # the run really crossed a transition


# --- exactly once ----------------------------------------------------------------------------


async def test_two_job_runs_for_the_same_slot_send_once(harness: Harness) -> None:
    await _tracked(harness)
    harness.clock.now = wib(2024, 2, 26, 9, 0, 1)
    harness.api.take()
    harness.jobs.run_once(jobs.digest_job, when=0, data=MANAGERS.id)
    harness.jobs.run_once(jobs.digest_job, when=0, data=MANAGERS.id)
    await harness.jobs.start()
    await asyncio.sleep(0.5)
    await harness.jobs.stop()
    assert len([m for m in harness.api.take() if m.chat_id == MANAGERS.id]) == 1
    assert [n.slot_key for n in _notices(harness.engine)] == ["digest@2024-02-26T09:00"]


async def test_two_application_instances_on_one_database_send_once(
    harness: Harness, settings: Settings
) -> None:
    await _tracked(harness)
    harness.clock.now = wib(2024, 2, 26, 9, 0)
    harness.api.take()
    async with another_instance(harness, settings) as (other, other_api):
        results = await asyncio.gather(
            *[
                jobs.send_digest(app, MANAGERS.id, slot_key="digest@2024-02-26T09:00")
                for app in (harness.app, other, harness.app, other)
            ]
        )
        assert sorted(results) == ["sent", "taken", "taken", "taken"]
        assert len(harness.api.take()) + len(other_api.take()) == 1


# --- catch-up after downtime -----------------------------------------------------------------


async def test_stopped_0859_started_0930_sends_the_digest_once_marked_late(
    harness: Harness, settings: Settings
) -> None:
    await _tracked(harness)
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
    (notice,) = _notices(harness.engine)
    assert (notice.slot_key, notice.late) == ("digest@2024-02-26T09:00", True)


@pytest.mark.parametrize("window_hours", [6, 96])
async def test_stopped_three_days_sends_one_late_digest_not_three(
    harness: Harness, settings: Settings, window_hours: int
) -> None:
    await _tracked(harness)
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
    slots = [n.slot_key for n in _notices(harness.engine) if n.chat_id == MANAGERS.id]
    assert slots == ["digest@2024-02-26T09:00", "digest@2024-02-29T09:00"]


async def test_catch_up_ignores_slots_older_than_the_window(
    harness: Harness, settings: Settings
) -> None:
    await _tracked(harness)
    harness.clock.now = wib(2024, 2, 26, 16, 0)  # 7 hours after 09:00, window 6 hours
    harness.api.take()
    async with another_instance(harness, settings) as (app, api):
        await jobs.catch_up(app)
        assert api.take() == []


async def test_post_init_registers_jobs_and_queues_one_catch_up(
    harness: Harness, settings: Settings
) -> None:
    await _tracked(harness)
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


# --- deadline reminders ----------------------------------------------------------------------


async def test_t7_reminder_on_the_right_local_date_and_replanned_by_a_moved_deadline(
    harness: Harness,
) -> None:
    await _tracked(harness, schedule=None)
    await harness.say("/update payments 100", sender=BUDI)
    harness.api.take()
    # 4 Apr 18:00 UTC is 5 Apr 01:00 in Jakarta: already T-7 there.
    assert (
        await jobs.send_reminder(
            harness.app, STAFF.id, due=datetime(2024, 4, 4, 16, 0, tzinfo=UTC), late=False
        )
        == "nothing due"
    )
    status = await jobs.send_reminder(
        harness.app, STAFF.id, due=datetime(2024, 4, 4, 18, 0, tzinfo=UTC), late=False
    )
    assert status == "sent"
    (message,) = harness.api.take()
    assert "7 days left until the deadline of TikTok Shop → Tokopedia (12 April 2024)" in (
        message.text
    )
    assert "Overall 33%. Still below 100%:\n• Seller back-end 0%" in message.text
    assert "Payments" not in message.text
    again = await jobs.send_reminder(harness.app, STAFF.id, due=wib(2024, 4, 5, 9, 0), late=False)
    assert again == "taken"
    await harness.say("/deadline 2024-04-19")
    harness.api.take()
    moved = await jobs.send_reminder(harness.app, STAFF.id, due=wib(2024, 4, 12, 9, 0), late=False)
    assert moved == "sent"
    assert "7 days left" in harness.api.take()[0].text
    keys = [n.slot_key for n in _notices(harness.engine)]
    assert keys == ["deadline-T7:2024-04-12", "deadline-T7:2024-04-19"]


async def test_reminder_runs_through_the_daily_job_at_the_chats_digest_time(
    harness: Harness,
) -> None:
    await _tracked(harness, schedule="daily 07:30")
    harness.clock.now = wib(2024, 4, 9, 7, 30, 5)  # T-3
    harness.api.take()
    job = harness.jobs.get_jobs_by_name(f"reminders:{MANAGERS.id}")[0]
    assert "hour='7', minute='30'" in str(job.job.trigger)
    assert "timezone='Asia/Jakarta'" in repr(job.job.trigger)
    harness.jobs.run_once(jobs.reminders_job, when=0, data=MANAGERS.id)
    await harness.jobs.start()
    await asyncio.sleep(0.3)
    await harness.jobs.stop()
    (message,) = harness.api.take()
    assert message.chat_id == MANAGERS.id
    assert "3 days left" in message.text


async def test_overdue_notice_daily_until_everything_is_at_100(harness: Harness) -> None:
    await _tracked(harness, schedule=None)
    await harness.say("/update payments 100", sender=BUDI)
    await harness.say("/update sellers 90", sender=SARI)
    harness.api.take()
    for day in (13, 14):
        assert (
            await jobs.send_reminder(
                harness.app, STAFF.id, due=wib(2024, 4, day, 9, 0), late=False
            )
            == "sent"
        )
    texts = [m.text for m in harness.api.take()]
    assert "is 1 day overdue (12 April 2024)" in texts[0]
    assert "is 2 days overdue" in texts[1]
    assert "• Seller back-end 90%" in texts[1]
    await harness.say("/update sellers 100", sender=SARI)
    status = await jobs.send_reminder(
        harness.app, STAFF.id, due=wib(2024, 4, 15, 9, 0), late=False
    )
    assert status == "nothing due"


# --- quiet nudges ----------------------------------------------------------------------------


async def test_quiet_nudge_once_per_silent_period(harness: Harness) -> None:
    await _tracked(harness, schedule=None)
    await harness.say("/update payments 100", sender=BUDI)
    await harness.say("/update sellers 50 halfway", sender=SARI)
    harness.api.take()
    tracker_id = 1
    harness.clock.advance(days=6, hours=23)
    assert await jobs.send_quiet_nudges(harness.app, tracker_id) == []
    harness.clock.advance(hours=2)  # 7 days and an hour
    assert await jobs.send_quiet_nudges(harness.app, tracker_id) == ["sent"]
    (nudge,) = harness.api.take()
    assert nudge.chat_id == STAFF.id  # where the reports came from
    assert "Seller back-end has had no report for 7 days (last: 50% by Sari Wulandari" in (
        nudge.text
    )
    assert "/update sellers <percent> [note]" in nudge.text
    # Friday, then Saturday (nobody is nudged on a weekend), then Thursday.
    for hours, expected in ((1, ["taken"]), (24, []), (24 * 5, ["taken"])):
        harness.clock.advance(hours=hours)
        assert await jobs.send_quiet_nudges(harness.app, tracker_id) == expected
    harness.clock.advance(days=1)  # 14 days: a second full period
    assert await jobs.send_quiet_nudges(harness.app, tracker_id) == ["sent"]
    assert "no report for 14 days" in harness.api.take()[0].text
    await harness.say("/update sellers 60", sender=SARI)  # silence broken: counting restarts
    assert await jobs.send_quiet_nudges(harness.app, tracker_id) == []


# --- what Telegram answers -------------------------------------------------------------------


async def test_forbidden_deactivates_the_link_and_other_chats_are_still_served(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await _tracked(harness)
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
    failed = [n for n in _notices(harness.engine) if n.status == "failed"]
    assert len(failed) == 1
    assert "forbidden" in (failed[0].error or "")
    assert harness.jobs.get_jobs_by_name(f"digest:{MANAGERS.id}") == ()


async def test_chat_migrated_moves_the_chat_everywhere_and_sends_to_the_new_id(
    harness: Harness,
) -> None:
    await _tracked(harness)
    new_id = -1009876543210
    harness.api.take()
    harness.api.fail_next("sendMessage", Fault.migrated(new_id))
    assert await jobs.send_digest(harness.app, MANAGERS.id, slot_key="digest@m") == "sent"
    assert [m.chat_id for m in harness.api.take()] == [new_id]
    with session_scope(harness.engine, readonly=True) as session:
        link = session.exec(select(ChatLink).where(ChatLink.chat_id == new_id)).one()
        assert link.migrated_from == MANAGERS.id
        assert chat_store.get_link(session, chat_id=MANAGERS.id) is None
    (notice,) = _notices(harness.engine)
    assert (notice.chat_id, notice.status) == (new_id, "sent")


async def test_retry_after_waits_and_the_message_still_arrives(harness: Harness) -> None:
    await _tracked(harness)
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
    await _tracked(harness)
    harness.api.take()
    harness.api.fail_next("sendMessage", fault)
    assert await jobs.send_digest(harness.app, MANAGERS.id, slot_key="digest@r") == "sent"
    (notice,) = _notices(harness.engine)
    assert (notice.status, notice.attempts) == ("sent", 2)
    harness.api.fail_next("sendMessage", fault, times=3)
    assert await jobs.send_digest(harness.app, MANAGERS.id, slot_key="digest@s") == "failed"
    last = _notices(harness.engine)[-1]
    assert (last.status, last.attempts) == ("failed", 3)
    assert last.error
    assert last.error.startswith("network:")
    assert len(harness.api.take()) == 1


async def test_pending_notice_of_a_dead_process_is_marked_failed_not_resent(
    harness: Harness, settings: Settings
) -> None:
    await _tracked(harness)
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
    (notice,) = _notices(harness.engine)
    assert notice.status == "failed"
    assert "interrupted" in (notice.error or "")


async def test_digest_to_a_chat_admin_left_is_not_sent(harness: Harness) -> None:
    await _tracked(harness)
    await harness.say("/setup tiktok-tokopedia", chat=MANAGERS, sender=ADMIN)
    assert await jobs.send_digest(harness.app, -5555, slot_key="digest@z") == "unlinked"
