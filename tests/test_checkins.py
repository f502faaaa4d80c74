"""Check-ins through the real application with an injected clock: owners asked in private at
their time, a tap records a report, holidays and weekends skipped, /away, /use, bad input."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot import checkins as checkin_jobs
from bot import jobs
from bot.config import Settings
from bot.notices import Delivery
from bot.offline import ChatRef, Fault
from storage import checkins
from storage import notices as notice_store
from storage import trackers as tracker_store
from storage import workstreams as workstream_store
from storage.db import session_scope
from storage.models import Report
from tests.helpers import (
    ADMIN,
    BUDI,
    DEWI,
    MANAGERS,
    OPERATOR,
    SARI,
    STAFF,
    Harness,
    another_instance,
    seed_tracker,
)

JAKARTA = ZoneInfo("Asia/Jakarta")


def wib(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=JAKARTA).astimezone(UTC)


async def _owned(h: Harness, schedule: str = "daily 09:00") -> None:
    await seed_tracker(h)
    await h.say("/setup tiktok-tokopedia", chat=MANAGERS)
    await h.say("/owner payments @budi_s")
    await h.say("/owner sellers 1003")
    await h.say(f"/checkin {schedule}")
    h.api.take()


def _tracker_id(h: Harness) -> int:
    with session_scope(h.engine, readonly=True) as session:
        tracker = tracker_store.get_tracker(session, key="tiktok-tokopedia")
        assert tracker is not None
        assert tracker.id is not None
        return tracker.id


async def _run_checkin(h: Harness, when: datetime) -> dict[int, Delivery]:
    h.clock.now = when
    return await checkin_jobs.send_checkins(h.app, _tracker_id(h), slot=when)


async def _asked(h: Harness) -> None:
    """The owners of the story's workstreams asked at their check-in of Monday 26 February."""
    await _owned(h)
    await _run_checkin(h, wib(2024, 2, 26))


def _private(h: Harness) -> dict[int, list[str]]:
    got: dict[int, list[str]] = {}
    for message in h.api.take():
        if message.chat_id > 0:
            got.setdefault(message.chat_id, []).append(message.text)
    return got


async def test_checkin_at_0900_jakarta_reaches_each_owner_once(harness: Harness) -> None:
    await _owned(harness)
    job = harness.jobs.get_jobs_by_name(f"checkin:{_tracker_id(harness)}")
    assert len(job) == 1
    assert str(job[0].job.trigger.timezone) == "Asia/Jakarta"
    monday = wib(2024, 2, 26)
    assert await _run_checkin(harness, monday) == {BUDI.id: "sent", SARI.id: "sent"}
    prompts = [m for m in harness.api.sent if m.chat_id > 0]
    private = _private(harness)
    assert set(private) == {BUDI.id, SARI.id}
    assert len(private[BUDI.id]) == 1
    assert "Check-in · TikTok Shop → Tokopedia" in private[BUDI.id][0]
    assert "Payments · no report yet" in private[BUDI.id][0]
    budi = next(m for m in prompts if m.chat_id == BUDI.id)
    assert budi.button_lines() == [
        "— Payments · 0% —",
        "[0%] [10%] [20%] [30%] [40%] [50%] [60%] [70%] [80%] [90%] [100%] [✍️ Other] [No change]",
    ]
    # The same slot again (a second run, a restart, another instance): nothing more.
    assert await _run_checkin(harness, monday) == {BUDI.id: "taken", SARI.id: "taken"}
    assert _private(harness) == {}


async def test_tap_records_report_with_owner_as_reporter_and_edits_prompt(
    harness: Harness,
) -> None:
    await _owned(harness)
    await harness.say("/update sellers 50", sender=SARI)
    await _run_checkin(harness, wib(2024, 2, 26))
    prompt = harness.api.last_prompt(SARI.id)
    assert prompt is not None
    assert prompt.button_lines()[1].startswith("[50%] [60%] [70%] [80%] [90%] [100%]")
    said = await harness.tap("80%", sender=SARI, chat_id=SARI.id)
    assert "Seller back-end: 80% recorded" in said  # the prompt, edited
    assert "80%" in said
    assert "(+30)" in said
    report = harness.reports()[-1]
    assert (report.percent, report.reporter_id, report.note) == (80, SARI.id, "check-in")
    assert report.chat_id == SARI.id
    assert harness.api.last_prompt(SARI.id) is None  # the prompt, edited, kept no buttons
    # The group heard nothing about it.
    assert all(m.chat_id > 0 for m in harness.api.history[-3:])
    detail = await harness.say("/status sellers", chat=MANAGERS)
    assert "80%" in detail
    assert "Owners: Sari Wulandari (@sari_w)" in detail


async def test_no_change_records_nothing_and_says_so(harness: Harness) -> None:
    await _asked(harness)
    before = len(harness.reports())
    said = await harness.tap("No change", sender=BUDI, chat_id=BUDI.id)
    assert "Payments: no change, nothing recorded" in said
    assert len(harness.reports()) == before


async def test_other_takes_the_next_typed_number(harness: Harness) -> None:
    await _asked(harness)
    said = await harness.tap("✍️ Other", sender=BUDI, chat_id=BUDI.id)
    assert "Type the percent for Payments" in said
    before = len(harness.reports())
    bad = await harness.say("lots", sender=BUDI, chat=ChatRef(BUDI.id))
    assert "is not a percent" in bad
    assert len(harness.reports()) == before
    good = await harness.say("65", sender=BUDI, chat=ChatRef(BUDI.id))
    assert "65%" in good
    assert harness.reports()[-1].percent == 65
    # Once answered, plain text is plain text again: a pointer to /help, nothing recorded.
    count = len(harness.reports())
    assert "send /help" in await harness.say("70", sender=BUDI, chat=ChatRef(BUDI.id))
    assert len(harness.reports()) == count


async def test_tap_after_a_newer_report_records_and_says_what_it_replaced(
    harness: Harness,
) -> None:
    await _asked(harness)
    await harness.say("/update payments 30", sender=ADMIN)
    said = await harness.tap("20%", sender=BUDI, chat_id=BUDI.id)
    assert "It replaced 30% reported by Ayu Lestari" in said
    assert harness.reports()[-1].percent == 20


async def test_tap_refused_after_role_lost_or_workstream_archived(harness: Harness) -> None:
    await _asked(harness)
    await harness.say("/revoke @budi_s")
    before = len(harness.reports())
    said = await harness.tap("50%", sender=BUDI, chat_id=BUDI.id)
    assert "Only reporters and admins" in said
    await harness.say("/workstream remove sellers")
    said = await harness.tap("50%", sender=SARI, chat_id=SARI.id)
    assert "no longer tracked" in said
    assert len(harness.reports()) == before


async def test_tap_on_an_archived_tracker_changes_nothing(harness: Harness) -> None:
    await _asked(harness)
    await harness.say("/archive tiktok-tokopedia", sender=OPERATOR)
    said = await harness.tap("30%", sender=BUDI, chat_id=BUDI.id)
    assert "archived" in said
    assert "/restore tiktok-tokopedia" in said
    assert harness.reports() == []


async def test_forbidden_owner_is_named_once_in_the_group(harness: Harness) -> None:
    await _owned(harness)
    await harness.say("/update payments 10", sender=BUDI)  # reports come from the staff group
    harness.api.take()
    for day in (26, 27):
        harness.api.fail_next("sendMessage", Fault(403, "Forbidden: bot can't initiate"))
        results = await _run_checkin(harness, wib(2024, 2, day))
        assert results[BUDI.id] == "forbidden"
    group = [m.text for m in harness.api.take() if m.chat_id == STAFF.id]
    assert len(group) == 1
    assert "Budi Santoso (@budi_s)" in group[0]
    assert "open @PantauBot and press Start" in group[0]


async def test_holiday_and_weekend_skip_checkins_but_not_the_reminder(harness: Harness) -> None:
    await _owned(harness)
    # 10 Apr 2024 is Idul Fitri; 2 Apr is T-10, so move the deadline to make 10 Apr T-7.
    await harness.say("/deadline 2024-04-17")
    harness.api.take()
    assert await _run_checkin(harness, wib(2024, 4, 10)) == {}
    assert await _run_checkin(harness, wib(2024, 4, 13)) == {}  # a Saturday
    harness.clock.now = wib(2024, 4, 10)
    status = await jobs.send_reminder(harness.app, STAFF.id, due=wib(2024, 4, 10), late=False)
    assert status == "sent"
    (reminder,) = [m.text for m in harness.api.take() if m.chat_id == STAFF.id]
    assert "public holiday (Eid al-Fitr)" in reminder
    # With /holidays off, 10 April is an ordinary Wednesday.
    await harness.say("/holidays off")
    assert "weekends only" in await harness.say("/holidays")
    assert await _run_checkin(harness, wib(2024, 4, 10)) != {}


async def test_quiet_nudges_skip_holidays(harness: Harness) -> None:
    await _owned(harness)
    harness.clock.now = wib(2024, 4, 10)
    assert await jobs.send_quiet_nudges(harness.app, _tracker_id(harness)) == []
    harness.clock.now = wib(2024, 4, 16)  # an ordinary Tuesday
    assert "sent" in await jobs.send_quiet_nudges(harness.app, _tracker_id(harness))


async def test_away_pauses_checkins_and_digest_shows_it(harness: Harness) -> None:
    await _owned(harness)
    harness.clock.now = wib(2024, 2, 26, 8)
    said = await harness.say("/away 2024-02-28", sender=BUDI, chat=ChatRef(BUDI.id))
    assert "pause until 28 February 2024" in said
    assert BUDI.id not in await _run_checkin(harness, wib(2024, 2, 26))
    digest = await harness.say("/digest", chat=MANAGERS)
    assert "Away: Budi Santoso (back 28 Feb)" in digest
    assert "Owners: Payments — Budi Santoso" in digest
    assert BUDI.id in await _run_checkin(harness, wib(2024, 2, 28))
    await harness.say("/away off", sender=BUDI, chat=ChatRef(BUDI.id))
    assert "not marked away" in await harness.say("/away", sender=BUDI, chat=ChatRef(BUDI.id))


async def test_at_risk_workstreams_are_asked_every_working_day_in_the_last_14_days(
    harness: Harness,
) -> None:
    await _owned(harness, schedule="mon 09:00")
    harness.clock.now = wib(2024, 3, 20)
    await harness.say("/update sellers 10", sender=SARI)
    harness.clock.now = wib(2024, 3, 27)
    await harness.say("/update sellers 12", sender=SARI)
    await harness.say("/update payments 100", sender=BUDI)
    harness.api.take()
    # Thursday 4 April: not the schedule's day; 8 days left, sellers far behind.
    results = await _run_checkin(harness, wib(2024, 4, 4))
    assert results == {SARI.id: "sent"}
    (text,) = _private(harness)[SARI.id]
    assert "At risk with 8 days left: asked every working day" in text
    # Far from the deadline, an off-schedule day asks nobody.
    assert await _run_checkin(harness, wib(2024, 3, 7)) == {}


async def test_use_routes_private_commands(harness: Harness) -> None:
    await seed_tracker(harness)
    other = ChatRef(-1007777)
    await harness.say("/setup other-b 2024-06-01 Other", sender=OPERATOR, chat=other)
    await harness.say("/grant @budi_s reporter", sender=OPERATOR, chat=other)
    await harness.say("/workstream add docs Docs", sender=OPERATOR, chat=other)
    private = ChatRef(BUDI.id)
    # /help agrees with what /status and /update will do here: choose first.
    helped = await harness.say("/help", sender=BUDI, chat=private)
    assert "You belong to 2 trackers (other-b, tiktok-tokopedia)" in helped
    assert "/use [key]" in helped
    assert "not a member" not in helped
    said = await harness.say("/status", sender=BUDI, chat=private)
    assert "You belong to 2 trackers" in said
    assert "/use <key>" in said
    assert "No tracker chosen here" in await harness.say("/use", sender=BUDI, chat=private)
    assert "now go to" in await harness.say("/use other-b", sender=BUDI, chat=private)
    assert "Docs" in await harness.say("/status", sender=BUDI, chat=private)
    await harness.say("/update docs 30", sender=BUDI, chat=private)
    assert harness.reports()[-1].percent == 30
    assert "/update" in await harness.say("/help", sender=BUDI, chat=private)
    assert "now go to" in await harness.say("/use tiktok-tokopedia", sender=BUDI, chat=private)
    assert "Payments" in await harness.say("/status", sender=BUDI, chat=private)
    # Not a tracker of yours: one answer, nothing changed.
    refused = await harness.say("/use other-b", sender=SARI, chat=ChatRef(SARI.id))
    assert "You do not belong to a tracker other-b" in refused
    assert "private chat" in await harness.say("/use other-b", sender=BUDI)


async def test_bare_update_answers_with_the_buttons(harness: Harness) -> None:
    await _owned(harness)
    await harness.say("/update payments 80", sender=BUDI)
    said = await harness.say("/update", sender=BUDI)
    assert "which value has each workstream reached" in said
    prompt = harness.api.last_prompt(STAFF.id)
    assert prompt is not None
    assert "[80%] [90%] [100%] [✍️ Other] [No change]" in prompt.button_lines()
    said = await harness.tap("90%", sender=SARI, chat_id=STAFF.id, workstream="Payments")
    assert harness.reports()[-1].reporter_id == SARI.id
    assert harness.reports()[-1].percent == 90
    said = await harness.tap("✍️ Other", sender=SARI, chat_id=STAFF.id)
    assert "/update" in said


@pytest.mark.parametrize(
    ("text", "sender", "expected"),
    [
        ("/owner nosuch @budi_s", ADMIN, "no workstream"),
        ("/owner payments @dewi_a", ADMIN, "is not a reporter or admin"),
        ("/owner payments @budi_s", BUDI, "Only admins"),
        ("/checkin daily 24:00", ADMIN, "24:00 is not a time"),
        ("/checkin daily 9am", ADMIN, "not a time"),
        ("/checkin hourly 09:00", ADMIN, "Type /checkin daily|weekdays|mon…sun HH:MM"),
        ("/away 2024-02-01", DEWI, "is not after today"),
        ("/away 2024-13-01", DEWI, "not a real date"),
        ("/away soon", DEWI, "is not a date"),
        ("/holidays XX", ADMIN, "is not a country code"),
    ],
)
async def test_bad_input_changes_nothing(
    harness: Harness, text: str, sender: object, expected: str
) -> None:
    await _owned(harness)
    said = await harness.say(text, sender=sender)  # type: ignore[arg-type]
    assert expected.lower() in said.lower()
    assert 1 <= len(said.splitlines()) <= 2
    with session_scope(harness.engine, readonly=True) as session:
        tracker = tracker_store.get_tracker(session, key="tiktok-tokopedia")
        assert tracker is not None
        assert (tracker.checkin_days, tracker.checkin_time, tracker.holidays) == (
            "daily",
            "09:00",
            None,
        )
        payments = workstream_store.get_workstream(
            session, tracker_id=tracker.id or 0, key="payments"
        )
        assert payments is not None
        assert checkins.owners_of(session, workstream_id=payments.id or 0) == [BUDI.id]
        assert checkins.away_until(session, user_id=DEWI.id) is None
        assert session.exec(select(Report)).all() == []


async def test_the_job_at_0900_and_a_second_instance_send_each_prompt_once(
    harness: Harness, settings: Settings
) -> None:
    await _owned(harness)
    tracker_id = _tracker_id(harness)
    harness.clock.now = wib(2024, 2, 26) + timedelta(seconds=1)
    harness.jobs.run_once(checkin_jobs.checkin_job, when=0, data=tracker_id)
    harness.jobs.run_once(checkin_jobs.checkin_job, when=0, data=tracker_id)
    await harness.jobs.start()
    await asyncio.sleep(0.5)
    await harness.jobs.stop()
    assert sorted(m.chat_id for m in harness.api.take() if m.chat_id > 0) == [BUDI.id, SARI.id]
    # Another process on the same database, started late: its catch-up finds the claims.
    harness.clock.now = wib(2024, 2, 26, 10)
    async with another_instance(harness, settings) as (other, api):
        await checkin_jobs.catch_up(other)
    assert [m for m in api.take() if m.chat_id > 0] == []
    with session_scope(harness.engine, readonly=True) as session:
        slots = sorted(n.slot_key for n in notice_store.notices(session) if n.kind == "checkin")
    assert slots == ["checkin:1@2024-02-26", "checkin:1@2024-02-26"]


async def test_catch_up_after_downtime_asks_once_marked_late(harness: Harness) -> None:
    await _owned(harness)
    harness.clock.now = wib(2024, 2, 26, 11)  # down at 09:00, back at 11:00
    await checkin_jobs.catch_up(harness.app)
    assert set(_private(harness)) == {BUDI.id, SARI.id}
    await checkin_jobs.catch_up(harness.app)
    assert _private(harness) == {}
    with session_scope(harness.engine, readonly=True) as session:
        assert all(n.late for n in notice_store.notices(session) if n.kind == "checkin")


async def test_weekdays_digest_skips_a_public_holiday(harness: Harness) -> None:
    await _owned(harness)
    await harness.say("/schedule weekdays 09:00", chat=MANAGERS)
    harness.api.take()
    harness.clock.now = wib(2024, 4, 10) + timedelta(seconds=1)  # Idul Fitri, a Wednesday
    harness.jobs.run_once(jobs.digest_job, when=0, data=MANAGERS.id)
    await harness.jobs.start()
    await asyncio.sleep(0.3)
    harness.clock.now = wib(2024, 4, 16) + timedelta(seconds=1)  # an ordinary Tuesday
    harness.jobs.run_once(jobs.digest_job, when=0, data=MANAGERS.id)
    await asyncio.sleep(0.3)
    await harness.jobs.stop()
    digests = [m.text for m in harness.api.take() if m.chat_id == MANAGERS.id]
    assert len(digests) == 1
    assert "Digest" in digests[0]


async def test_checkin_prompt_in_indonesian(harness: Harness) -> None:
    await _owned(harness)
    await harness.say("/lang id", sender=SARI, chat=ChatRef(SARI.id))
    await _run_checkin(harness, wib(2024, 2, 26))
    prompt = harness.api.last_prompt(SARI.id)
    assert prompt is not None
    assert "Permintaan laporan" in prompt.text
    assert "[✍️ Lainnya] [Tidak berubah]" in prompt.button_lines()[1]
