"""The chat command contract, through the real application and the offline Bot API."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from bot.offline import BOT_USERNAME, ChatRef
from storage.db import session_scope
from storage.models import ChatLink, Member, Tracker, Workstream
from tests.helpers import ADMIN, BUDI, DEWI, MANAGERS, OPERATOR, SARI, STAFF, Harness, seed_tracker


async def test_setup_creates_tracker_links_chat_and_makes_creator_admin(harness: Harness) -> None:
    reply = await harness.say(
        "/setup tiktok-tokopedia 2024-04-12 TikTok Shop → Tokopedia", sender=OPERATOR
    )
    assert "Created TikTok Shop → Tokopedia (tiktok-tokopedia)" in reply
    assert "Deadline 12 April 2024 · 49 days left" in reply
    with session_scope(harness.engine, readonly=True) as session:
        tracker = session.exec(select(Tracker)).one()
        assert tracker.deadline.isoformat() == "2024-04-12"
        assert tracker.timezone == "Asia/Jakarta"
        link = session.exec(select(ChatLink)).one()
        assert (link.chat_id, link.tracker_id, link.active) == (STAFF.id, tracker.id, True)
        member = session.exec(select(Member)).one()
        assert (member.user_id, member.role) == (OPERATOR.id, "admin")


async def test_setup_with_existing_key_links_another_chat_and_changes_deadline(
    harness: Harness,
) -> None:
    await seed_tracker(harness)
    reply = await harness.say("/setup tiktok-tokopedia 2024-05-01", chat=MANAGERS)
    assert reply.startswith("🔗 Linked this chat to TikTok Shop → Tokopedia")
    assert "1 May 2024" in reply
    status = await harness.say("/status", sender=DEWI, chat=MANAGERS)
    assert "TikTok Shop → Tokopedia" in status


async def test_update_reports_value_change_overall_and_days_left(harness: Harness) -> None:
    await seed_tracker(harness)
    reply = await harness.say("/update payments 100", sender=BUDI)
    # payments weight 1, sellers weight 2 (0%): overall = 100/3.
    assert reply.splitlines()[0] == "✅ Payments: 100% (+100)"
    assert reply.splitlines()[1] == "Overall 33% (+33) · 49 days left"
    reply = await harness.say("/update sellers 70% merchant back-end halfway", sender=SARI)
    assert "Seller back-end: 70% (+70)" in reply
    assert "Overall 80% (+47)" in reply
    assert "merchant back-end halfway" in reply
    (first, second) = harness.reports()
    assert (first.percent, first.reporter_id, first.chat_id) == (100, BUDI.id, STAFF.id)
    assert second.note == "merchant back-end halfway"
    assert second.reporter_name == "Sari Wulandari"
    assert second.created_at == harness.clock.now
    assert second.created_at.tzinfo is not None
    assert second.update_id is not None
    assert second.message_id is not None


async def test_update_keeps_note_line_breaks(harness: Harness) -> None:
    await seed_tracker(harness)
    await harness.say("/update sellers 40 line one\nline two", sender=SARI)
    assert harness.reports()[0].note == "line one\nline two"


async def test_update_in_group_form_with_bot_name(harness: Harness) -> None:
    await seed_tracker(harness)
    reply = await harness.say(f"/update@{BOT_USERNAME} payments 55", sender=BUDI)
    assert "Payments: 55%" in reply
    assert [r.percent for r in harness.reports()] == [55]


async def test_command_for_another_bot_is_ignored(harness: Harness) -> None:
    await seed_tracker(harness)
    assert await harness.say("/update@SomeOtherBot payments 55", sender=BUDI) == ""
    assert harness.reports() == []


async def test_update_in_private_chat_uses_the_users_only_tracker(harness: Harness) -> None:
    await seed_tracker(harness)
    reply = await harness.say("/update payments 30", sender=BUDI, chat=ChatRef(BUDI.id))
    assert "Payments: 30%" in reply
    assert harness.reports()[0].chat_id == BUDI.id


async def test_status_shows_overall_each_workstream_reporter_and_days_left(
    harness: Harness,
) -> None:
    await seed_tracker(harness)
    await harness.say("/update payments 100", sender=BUDI)
    harness.clock.advance(hours=5, minutes=30)
    await harness.say("/update sellers 55", sender=SARI)
    status = await harness.say("/status", sender=DEWI)
    lines = status.splitlines()
    assert lines[0] == "📊 TikTok Shop → Tokopedia"
    assert lines[1] == "70% overall · deadline 12 April 2024 · 49 days left"
    assert "██████████ 100% Payments" in status
    assert "Budi Santoso, 23 Feb 09:00" in status  # the tracker's timezone, not UTC
    assert "Sari Wulandari, 23 Feb 14:30" in status
    assert "██████░░░░  55% Seller back-end" in status  # 5.5 of 10 blocks rounds up


async def test_status_of_one_workstream_lists_its_last_five_reports(harness: Harness) -> None:
    await seed_tracker(harness)
    for percent in (10, 20, 30, 40, 50, 60):
        harness.clock.advance(hours=1)
        await harness.say(f"/update sellers {percent} step {percent}", sender=SARI)
    status = await harness.say("/status sellers")
    assert "Last 5 reports:" in status
    listed = [percent for percent in (10, 20, 30, 40, 50, 60) if f"step {percent}" in status]
    assert listed == [20, 30, 40, 50, 60]


async def test_overall_counts_workstream_without_reports_as_zero(harness: Harness) -> None:
    await seed_tracker(harness)
    await harness.say("/update payments 90", sender=BUDI)
    status = await harness.say("/status")
    assert "30% overall" in status  # (90*1 + 0*2) / 3
    assert "Never reported: Seller back-end" in status


async def test_history_shows_notes_newest_first_and_limits(harness: Harness) -> None:
    await seed_tracker(harness)
    for percent in range(5, 65, 5):
        harness.clock.advance(minutes=10)
        await harness.say(f"/update payments {percent} note {percent}", sender=BUDI)
    history = await harness.say("/history payments")
    assert "last 10 reports" in history
    assert history.index("note 60") < history.index("note 15")
    assert "note 10" not in history
    three = await harness.say("/history payments 3")
    assert "last 3 reports" in three
    assert "note 50" in three
    assert "note 45" not in three


async def test_undo_retracts_last_report_which_then_no_longer_counts(harness: Harness) -> None:
    await seed_tracker(harness)
    await harness.say("/update payments 40", sender=BUDI)
    harness.clock.advance(minutes=5)
    await harness.say("/update payments 90", sender=BUDI)
    reply = await harness.say("/undo", sender=BUDI)
    assert "Undone: Payments 90%" in reply
    assert "Payments is now 40%" in reply
    reports = harness.reports()
    assert len(reports) == 2  # kept, marked
    assert reports[1].retracted_at is not None
    assert reports[0].retracted_at is None
    assert "13% overall" in await harness.say("/status")
    history = await harness.say("/history payments")
    assert "(undone)" in history


async def test_undo_only_touches_the_callers_reports(harness: Harness) -> None:
    await seed_tracker(harness)
    await harness.say("/update payments 40", sender=BUDI)
    reply = await harness.say("/undo", sender=SARI)
    assert "no report to undo" in reply
    assert harness.reports()[0].retracted_at is None


async def test_deadline_shows_and_admin_moves_it(harness: Harness) -> None:
    await seed_tracker(harness)
    assert "deadline 12 April 2024 · 49 days left" in await harness.say("/deadline", sender=DEWI)
    moved = await harness.say("/deadline 2024-02-20")
    assert "moved from 12 April 2024 to 20 February 2024 · 3 days overdue" in moved
    assert "3 days overdue" in await harness.say("/status")


async def test_workstreams_add_update_remove_and_restore(harness: Harness) -> None:
    await seed_tracker(harness)
    listing = await harness.say("/workstreams", sender=DEWI)
    assert "payments Payments · weight 1 (33%)" in listing
    assert "sellers Seller back-end · weight 2 (67%)" in listing
    await harness.say("/update sellers 50", sender=SARI)
    removed = await harness.say("/workstream remove sellers")
    assert "Archived Seller back-end" in removed
    assert "Seller" not in await harness.say("/status")
    restored = await harness.say("/workstream add sellers weight=3")
    assert "Restored Seller back-end" in restored
    assert "weight 3" in restored
    assert "50% Seller back-end" in await harness.say("/status")  # history kept
    with session_scope(harness.engine, readonly=True) as session:
        assert len(session.exec(select(Workstream)).all()) == 2


async def test_grant_by_reply_and_revoke(harness: Harness) -> None:
    await seed_tracker(harness)
    granted = await harness.say("/grant admin", reply_to=(DEWI, 77))
    assert "Dewi is now admin" in granted
    assert "Workstream" not in granted
    revoked = await harness.say("/revoke @dewi_a")
    assert "Dewi is no longer admin" in revoked
    refused = await harness.say("/update payments 10", sender=DEWI)
    assert "Only reporters and admins" in refused


async def test_last_admin_cannot_be_revoked(harness: Harness) -> None:
    await seed_tracker(harness)
    await harness.say(f"/revoke {OPERATOR.id}", sender=ADMIN)  # leaves Ayu the only admin
    reply = await harness.say(f"/revoke {ADMIN.id}", sender=ADMIN)
    assert "last admin" in reply
    with session_scope(harness.engine, readonly=True) as session:
        admins = session.exec(select(Member).where(Member.role == "admin")).all()
        assert [m.user_id for m in admins] == [ADMIN.id]


async def test_help_lists_only_what_this_user_may_use_here(harness: Harness) -> None:
    await seed_tracker(harness)
    reporter = await harness.say("/help", sender=BUDI)
    assert "• /update" in reporter
    assert "• /grant" not in reporter
    viewer = await harness.say("/help", sender=DEWI)
    assert "• /status" in viewer
    assert "• /update" not in viewer
    assert "ask an admin to /grant you the reporter role" in viewer
    admin = await harness.say("/start", sender=ADMIN)
    assert "• /grant" in admin
    assert "• /setup" in admin


async def test_duplicate_message_records_one_report(harness: Harness) -> None:
    await seed_tracker(harness)
    first = await harness.say("/update payments 60", sender=BUDI, message_id=4242, update_id=90)
    again = await harness.say("/update payments 60", sender=BUDI, message_id=4242, update_id=90)
    assert "Payments: 60%" in first
    assert "Already recorded" in again
    assert [r.message_id for r in harness.reports()] == [4242]


async def test_same_message_id_in_another_chat_is_another_report(harness: Harness) -> None:
    await seed_tracker(harness)
    await harness.say("/update payments 60", sender=BUDI, message_id=7)
    await harness.say("/update payments 70", sender=BUDI, chat=ChatRef(BUDI.id), message_id=7)
    assert len(harness.reports()) == 2


async def test_edited_update_is_recorded_as_a_linked_correction(harness: Harness) -> None:
    await seed_tracker(harness)
    await harness.say("/update payments 60", sender=BUDI, message_id=500)
    harness.clock.advance(minutes=3)
    reply = await harness.say(
        "/update payments 65", sender=BUDI, message_id=500, edited=True, update_id=9500
    )
    assert "Corrected Payments: 60% → 65%" in reply
    assert "Overall 22%" in reply
    again = await harness.say(
        "/update payments 65", sender=BUDI, message_id=500, edited=True, update_id=9500
    )
    assert "Already recorded" in again  # the same edit delivered twice
    first, correction = harness.reports()
    assert (first.percent, first.retracted_at is not None, first.revision) == (60, True, 0)
    assert correction.corrects_id == first.id
    assert correction.percent == 65
    assert correction.created_at == first.created_at  # the claim keeps its moment
    assert correction.revision > 0
    assert correction.retracted_at is None
    assert "65% Payments" in await harness.say("/status")


async def test_editing_a_refused_command_into_a_valid_one_records_it(harness: Harness) -> None:
    await seed_tracker(harness)
    assert "not a percentage" in await harness.say(
        "/update payments 6O", sender=BUDI, message_id=501
    )
    reply = await harness.say("/update payments 60", sender=BUDI, message_id=501, edited=True)
    assert "Payments: 60% (+60)" in reply
    assert [(r.percent, r.corrects_id) for r in harness.reports()] == [(60, None)]


async def test_note_with_html_is_escaped_in_every_reply(harness: Harness) -> None:
    await seed_tracker(harness)
    note = "<b>bold</b> & </code> <script>"
    sent = await harness.send_update(f"/update payments 50 {note}", sender=BUDI, chat=STAFF)
    escaped = "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;/code&gt; &lt;script&gt;"
    assert escaped in sent[0].html
    assert "<script>" not in sent[0].html
    history = await harness.send_update("/history payments", sender=BUDI, chat=STAFF)
    assert escaped in history[0].html
    assert harness.reports()[0].note == note  # stored as typed


async def test_reports_store_message_time_in_utc(harness: Harness) -> None:
    await seed_tracker(harness)
    harness.clock.now = datetime(2024, 2, 25, 16, 59, tzinfo=UTC)  # 23:59 in Jakarta
    await harness.say("/update payments 10", sender=BUDI)
    assert harness.reports()[0].created_at == datetime(2024, 2, 25, 16, 59, tzinfo=UTC)
    assert "25 Feb 23:59" in await harness.say("/status")
