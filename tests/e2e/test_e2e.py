"""End to end: the real ``pantau run`` process, long polling the emulator over HTTP."""

from __future__ import annotations

import hashlib
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from storage.db import session_scope
from storage.models import InboxUpdate
from tests.e2e.conftest import (
    MANAGERS,
    OPERATOR,
    REPORTERS,
    STAFF,
    STRANGER,
    BotProcess,
    Conversation,
)
from tests.e2e.emulator import BOT_USERNAME, BotAPIEmulator, Chat

BUDI, SARI = REPORTERS[0], REPORTERS[1]
# Telegram's limits as Pantau applies them by default (the fixture turns them off).
DEFAULT_LIMITS = {"PANTAU_RATE_PER_SECOND": "30", "PANTAU_RATE_PER_GROUP_MINUTE": "20"}
# "Today" is the tracker's (Jakarta), not the machine's: at 20:00 UTC Jakarta is a day ahead.
DEADLINE = datetime.now(ZoneInfo("Asia/Jakarta")).date() + timedelta(days=40)


def set_up(chat: Conversation) -> None:
    """An operator creates the tracker; reporters introduce themselves and get their role."""
    reply = chat.say(
        f"/setup tiktok-tokopedia {DEADLINE} TikTok Shop → Tokopedia", user=OPERATOR, chat=STAFF
    )
    assert "Created TikTok Shop → Tokopedia" in reply
    chat.say("/workstream add payments Payments", user=OPERATOR, chat=STAFF)
    chat.say("/workstream add sellers weight=2 Seller back-end", user=OPERATOR, chat=STAFF)
    for person in REPORTERS:
        chat.say("/start", user=person, chat=Chat(person.id))
        assert "is now reporter" in chat.say(
            f"/grant @{person.username} reporter", user=OPERATOR, chat=STAFF
        )
    chat.say("/setup tiktok-tokopedia", user=OPERATOR, chat=MANAGERS)


def test_full_command_contract_from_an_empty_database(bot: BotProcess, chat: Conversation) -> None:
    bot.start()
    assert "Pantau tracks progress" in chat.say("/start", user=BUDI, chat=Chat(BUDI.id))
    set_up(chat)
    listing = chat.say("/workstreams", user=BUDI, chat=STAFF)
    assert "payments Payments · weight 1 (33%)" in listing
    reply = chat.say(f"/update@{BOT_USERNAME} payments 100", user=BUDI, chat=STAFF)
    assert reply.startswith("✅ Payments: 100% (+100)")
    assert "Overall 33% (+33) · 40 days left" in reply
    reply = chat.say("/update sellers 55% merchant <b>back-end</b> & co", user=SARI, chat=STAFF)
    assert "Seller back-end: 55% (+55)" in reply
    assert "merchant <b>back-end</b> & co" in reply
    status = chat.say("/status", user=STRANGER, chat=MANAGERS)
    assert "70% overall" in status
    assert "40 days left" in status
    assert "Budi" in status
    assert "Sari" in status
    workstream = chat.say("/status sellers", user=BUDI, chat=STAFF)
    assert "Last report:" in workstream  # Sari's is the only one on sellers so far
    assert "merchant <b>back-end</b> & co" in workstream
    history = chat.say("/history sellers 5", user=BUDI, chat=STAFF)
    assert "merchant <b>back-end</b> & co" in history
    chat.say("/update sellers 60", user=SARI, chat=Chat(SARI.id))  # private chat works too
    assert "Undone: Seller back-end 60%" in chat.say("/undo", user=SARI, chat=STAFF)
    assert f"deadline {DEADLINE.day}" in chat.say("/deadline", user=BUDI, chat=STAFF)
    later = DEADLINE + timedelta(days=7)
    assert "moved from" in chat.say(f"/deadline {later}", user=OPERATOR, chat=STAFF)
    digest = chat.emulator.send("/digest", user=STRANGER, chat=MANAGERS)
    found = chat.emulator.wait_sent(lambda m: m.chat_id == MANAGERS.id and "Digest ·" in m.text)
    assert "70% overall" in found[0].text
    assert digest["update_id"] > 0
    reply = chat.say("/schedule weekdays 08:30", user=OPERATOR, chat=MANAGERS)
    assert "Monday to Friday at 08:30" in reply
    assert "Monday to Friday at 08:30" in chat.say("/schedule", user=BUDI, chat=MANAGERS)
    assert [r.percent for r in bot.reports()] == [100, 55, 60]
    assert bot.stop() == 0


def test_update_with_a_document_downloads_hashes_and_keeps_the_file(
    bot: BotProcess, chat: Conversation
) -> None:
    bot.start()
    set_up(chat)
    content = b"%PDF-1.4 signed minutes " * 100
    reply = chat.say(
        "/update payments 100 minutes signed",
        user=BUDI,
        chat=STAFF,
        document=("scan-1", "minutes.pdf", content),
    )
    digest = hashlib.sha256(content).hexdigest()
    assert "Payments: 100%" in reply
    assert f"minutes.pdf kept as evidence (SHA-256 {digest[:12]}" in reply
    copy = bot.workdir / "evidence" / digest[:2] / digest
    assert copy.read_bytes() == content
    assert [r.percent for r in bot.reports()] == [100]
    assert bot.stop() == 0


def test_user_without_a_role_is_refused_and_nothing_recorded(
    bot: BotProcess, chat: Conversation
) -> None:
    bot.start()
    set_up(chat)
    reply = chat.say("/update payments 50", user=STRANGER, chat=STAFF)
    assert "Only reporters and admins" in reply
    assert "Oscar" not in reply  # admins' names are for members
    member = chat.say("/workstream add legal", user=BUDI, chat=STAFF)
    assert "Only admins" in member
    assert "Oscar (@oscar_ops)" in member
    assert bot.reports() == []


def test_bad_inputs_get_their_specific_replies(bot: BotProcess, chat: Conversation) -> None:
    bot.start()
    set_up(chat)
    expectations = {
        "/update payments 101": "101 is not a percentage",
        "/update paymnts 50": "Did you mean payments?",
        # (a bare /update answers with buttons: tests/e2e/test_checkin.py)
        "/update payments": "Tell me the workstream and the percentage",
        "/history sellers 99": "from 1 to 50",
        "/deadline 2024-02-30": "is not a real date",
        "/update payments 50 " + "x" * 1001: "the limit is 1,000",
    }
    for text, expected in expectations.items():
        assert expected in chat.say(text, user=BUDI, chat=STAFF), text
    assert "not linked to a tracker" in chat.say(
        "/status", user=BUDI, chat=Chat(-1009999, "Elsewhere")
    )
    assert bot.reports() == []


def test_clean_stop_and_restart_shows_the_same_status(bot: BotProcess, chat: Conversation) -> None:
    bot.start()
    set_up(chat)
    chat.say("/update payments 80", user=BUDI, chat=STAFF)
    chat.say("/update sellers 35 data mapping", user=SARI, chat=STAFF)
    before = chat.say("/status", user=BUDI, chat=STAFF)
    assert bot.stop() == 0
    assert "Traceback" not in bot.log()
    bot.start()
    assert chat.say("/status", user=BUDI, chat=STAFF) == before


def test_kill_9_in_a_burst_of_200_updates_loses_and_doubles_nothing(
    bot: BotProcess, chat: Conversation, emulator: BotAPIEmulator
) -> None:
    bot.extra_env.update(DEFAULT_LIMITS)
    bot.start()
    set_up(chat)
    burst = []
    for n in range(200):
        person = REPORTERS[n % 4]
        key = "payments" if n % 2 else "sellers"
        burst.append(emulator.send(f"/update {key} {n % 101} burst {n}", user=person, chat=STAFF))
    ids = {u["message"]["message_id"] for u in burst}

    def answered() -> set[int]:
        return {
            m.reply_to
            for m in emulator.sent
            if m.chat_id == STAFF.id and m.reply_to is not None and m.reply_to in ids
        }

    deadline = time.monotonic() + 30
    while len(answered()) < 3 and time.monotonic() < deadline:  # early: most not yet recorded
        time.sleep(0.005)
    bot.kill()
    acknowledged = answered()
    delivered = {u["update_id"] for u in burst if u["update_id"] in emulator.delivered}
    confirmed = {u["update_id"] for u in burst if u["update_id"] < emulator.confirmed_below}
    recorded_at_kill = {r.message_id for r in bot.reports()} & ids
    assert acknowledged  # killed during the burst, after the first answers
    assert acknowledged <= recorded_at_kill  # a reply is only sent after the commit

    started = time.monotonic()
    bot.start()
    while True:
        reports = [r for r in bot.reports() if r.message_id in ids]
        if len(reports) >= len(ids) or time.monotonic() - started > 60:
            break
        time.sleep(0.05)
    took = time.monotonic() - started
    message_ids = [r.message_id for r in reports]
    assert sorted(message_ids) == sorted(ids)  # every one of the 200, exactly once
    bot.keep_figures(
        "kill9.txt",
        f"kill -9 after {len(acknowledged)} answered; {len(delivered)} delivered to the bot "
        f"({len(confirmed)} of them confirmed to the server), "
        f"{len(recorded_at_kill)} recorded at the kill; after restart all "
        f"{len(reports)} recorded once, {took:.1f} s after the restart began",
    )
    # Nothing is left that could record a report twice: the server has forgotten every
    # update of the burst, and the inbox holds none of them unhandled.
    last = max(u["update_id"] for u in burst)
    deadline = time.monotonic() + 30
    while (emulator.confirmed_below <= last or unhandled(bot)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert emulator.confirmed_below > last
    assert unhandled(bot) == 0
    assert len([r for r in bot.reports() if r.message_id in ids]) == len(ids)
    # The test is done; a SIGTERM would give the 200 queued acknowledgements their 10 s grace.
    bot.kill()


def unhandled(bot: BotProcess) -> int:
    """Updates the bot received but has not finished handling (its inbox)."""
    engine = bot.engine()
    with session_scope(engine, readonly=True) as session:
        count = len(
            session.exec(select(InboxUpdate).where(col(InboxUpdate.done_at).is_(None))).all()
        )
    engine.dispose()
    return count


def test_scheduled_digest_falling_while_stopped_arrives_once_after_restart(
    bot: BotProcess, chat: Conversation, emulator: BotAPIEmulator
) -> None:
    bot.start()
    set_up(chat)
    now = datetime.now(ZoneInfo("Asia/Jakarta"))
    due = (now + timedelta(minutes=1)).replace(second=0, microsecond=0)
    if (due - now).total_seconds() < 8:  # too close to stop in time
        due += timedelta(minutes=1)
    chat.say(f"/schedule daily {due:%H:%M}", user=OPERATOR, chat=MANAGERS)
    assert bot.stop() == 0
    # The bot comes back with its clock past the slot, as if it had been down over it
    # (tests/e2e/clocked.py), instead of this test waiting for the real minute.
    past_due = due + timedelta(seconds=1) - datetime.now(ZoneInfo("Asia/Jakarta"))
    bot.clock_ahead = past_due.total_seconds()
    bot.start()
    digests = emulator.wait_sent(lambda m: m.chat_id == MANAGERS.id and "Digest ·" in m.text)
    assert len(digests) == 1
    bot.stop()
    bot.start()  # another restart inside the window: still once
    chat.say("/status", user=BUDI, chat=STAFF)
    time.sleep(0.5)
    assert (
        len([m for m in emulator.sent if m.chat_id == MANAGERS.id and "Digest ·" in m.text]) == 1
    )


def test_chart_and_export_arrive_as_files_in_indonesian(
    bot: BotProcess, chat: Conversation, emulator: BotAPIEmulator
) -> None:
    bot.start()
    set_up(chat)
    assert "berbahasa Indonesia" in chat.say("/lang id", user=OPERATOR, chat=STAFF)
    chat.say("/update payments 50 rapat", user=BUDI, chat=STAFF)
    emulator.send("/chart", user=BUDI, chat=STAFF)
    emulator.send("/export xlsx", user=OPERATOR, chat=STAFF)
    deadline = time.monotonic() + 20
    while len(emulator.files) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    (photo, document) = sorted(emulator.files, key=lambda f: f[1], reverse=True)
    assert photo[1] == "photo"
    assert photo[3].startswith(b"\x89PNG")
    assert "Grafik kemajuan" in photo[4]
    assert document[1] == "document"
    assert document[2].endswith(".xlsx")
    assert "Jejak audit" in document[4]
    assert "1 laporan" in document[4]
