"""Deadline reminders (T-7 to overdue, on the chat's local date) and quiet nudges (once per
silent period, never on a weekend)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot import jobs
from tests.helpers import BUDI, MANAGERS, SARI, STAFF, Harness
from tests.schedule_helpers import notices, tracked, wib

# --- deadline reminders ----------------------------------------------------------------------


async def test_t7_reminder_on_the_right_local_date_and_replanned_by_a_moved_deadline(
    harness: Harness,
) -> None:
    await tracked(harness, schedule=None)
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
    keys = [n.slot_key for n in notices(harness.engine)]
    assert keys == ["deadline-T7:2024-04-12", "deadline-T7:2024-04-19"]


async def test_reminder_runs_through_the_daily_job_at_the_chats_digest_time(
    harness: Harness,
) -> None:
    await tracked(harness, schedule="daily 07:30")
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
    await tracked(harness, schedule=None)
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
    await tracked(harness, schedule=None)
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
