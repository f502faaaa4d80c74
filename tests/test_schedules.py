"""Digests: their commands, on time in local time, and exactly once. Catch-up after downtime
and Telegram's refusals are in test_schedules_failures.py, deadline reminders and quiet
nudges in test_schedules_reminders.py."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import Engine

from bot import jobs
from bot.app import build_application
from bot.config import Settings
from bot.offline import OfflineBotAPI
from storage import chats as chat_store
from storage import trackers as tracker_store
from storage.chats import ChatPlan
from storage.db import session_scope
from tests.helpers import BUDI, MANAGERS, Clock, Harness, another_instance, within
from tests.schedule_helpers import jq, notices, tracked, wib

# --- the digest and its commands -------------------------------------------------------------


async def test_digest_shows_overall_changes_reporters_quiet_and_days_left(
    harness: Harness,
) -> None:
    await tracked(harness, schedule=None)
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
    await tracked(harness, schedule=None)
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
    await tracked(harness, schedule=None)
    assert expected in await harness.say(text, chat=MANAGERS)
    with session_scope(harness.engine, readonly=True) as session:
        link = chat_store.get_link(session, chat_id=MANAGERS.id)
        assert link is not None
        assert link.digest_days is None
        tracker = tracker_store.get_tracker(session, key="tiktok-tokopedia")
        assert tracker is not None
        assert tracker.quiet_days == 7


async def test_only_admins_change_schedule_and_quiet(harness: Harness) -> None:
    await tracked(harness, schedule=None)
    assert "Only admins" in await harness.say("/schedule daily 09:00", sender=BUDI)
    assert "Only admins" in await harness.say("/quiet 3", sender=BUDI)
    assert "nudged after 7 days" in await harness.say("/quiet", sender=BUDI)
    assert "nudged after 3 days" in await harness.say("/quiet 3")


# --- on time, in local time ------------------------------------------------------------------


async def digest_out(api: OfflineBotAPI, engine: Engine) -> None:
    """Until the digest is in the chat and its notice marked sent (the scheduler sends it:
    there is nothing of it to await)."""
    while not (  # noqa: ASYNC110
        any(m.chat_id == MANAGERS.id for m in api.sent)
        and any(n.status == "sent" for n in notices(engine))
    ):
        await asyncio.sleep(0.05)


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
            await tracked(h)
            api.take()
            await app.start()
            (job,) = jq(app).get_jobs_by_name(f"digest:{MANAGERS.id}")
            assert job.next_t == wib(2024, 2, 26, 9, 0)
            assert job.next_t != datetime(2024, 2, 26, 9, 0, tzinfo=UTC)
            # Not a fixed wait: the first chart of a process (matplotlib's import) can take
            # seconds on a busy machine. One job for the chat: nothing else is due for a day.
            await within(digest_out(api, engine), "no digest at 09:00 in Jakarta")
            await app.stop()
    digests = [m for m in api.sent if m.chat_id == MANAGERS.id]
    assert len(digests) == 1
    assert "Digest · TikTok Shop" in digests[0].text
    assert "Late" not in digests[0].text
    (notice,) = notices(engine)
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
    await tracked(harness)
    harness.clock.now = wib(2024, 2, 26, 9, 0, 1)
    harness.api.take()
    harness.jobs.run_once(jobs.digest_job, when=0, data=MANAGERS.id)
    harness.jobs.run_once(jobs.digest_job, when=0, data=MANAGERS.id)
    await harness.jobs.start()
    await asyncio.sleep(0.5)
    await harness.jobs.stop()
    assert len([m for m in harness.api.take() if m.chat_id == MANAGERS.id]) == 1
    assert [n.slot_key for n in notices(harness.engine)] == ["digest@2024-02-26T09:00"]


async def test_two_application_instances_on_one_database_send_once(
    harness: Harness, settings: Settings
) -> None:
    await tracked(harness)
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
