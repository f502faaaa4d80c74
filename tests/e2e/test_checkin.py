"""End to end: a check-in two minutes ahead reaches the owner in private; a tap reports."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import MANAGERS, OPERATOR, REPORTERS, BotProcess, Conversation
from tests.e2e.emulator import Chat

BUDI = REPORTERS[0]
# Check-ins skip weekends: run in a timezone where today is a working day (UTC-11 to UTC+14
# cover a weekday except from Saturday 11:00 to Sunday 10:00 UTC).
ZONES = ("Asia/Jakarta", "Pacific/Kiritimati", "Pacific/Pago_Pago")


def weekday_zone() -> str | None:
    for zone in ZONES:
        local = datetime.now(UTC).astimezone(ZoneInfo(zone))
        # Two minutes ahead must still be today, and a weekday there.
        if local.weekday() < 5 and (local + timedelta(minutes=3)).date() == local.date():
            return zone
    return None


def test_checkin_two_minutes_ahead_prompts_owner_and_a_tap_reaches_status(
    bot: BotProcess, chat: Conversation
) -> None:
    zone = weekday_zone()
    if zone is None:
        pytest.skip("no timezone has a working day right now (check-ins skip weekends)")
    bot.extra_env.update({"PANTAU_TIMEZONE": zone, "PANTAU_HOLIDAYS": "off"})
    bot.start()
    deadline = datetime.now(ZoneInfo(zone)).date() + timedelta(days=40)
    chat.say(f"/setup story {deadline} The story", user=OPERATOR, chat=MANAGERS)
    chat.say("/workstream add sellers Seller back-end", user=OPERATOR, chat=MANAGERS)
    chat.say("/start", user=BUDI, chat=Chat(BUDI.id))
    chat.say(f"/grant @{BUDI.username} reporter", user=OPERATOR, chat=MANAGERS)
    assert "Owners of Seller back-end: Budi" in chat.say(
        f"/owner sellers @{BUDI.username}", user=OPERATOR, chat=MANAGERS
    )
    at = datetime.now(ZoneInfo(zone)) + timedelta(minutes=2)
    reply = chat.say(f"/checkin daily {at:%H:%M}", user=OPERATOR, chat=MANAGERS)
    assert f"every day at {at:%H:%M}" in reply
    started = time.monotonic()

    (prompt,) = bot.emulator.wait_sent(
        lambda m: m.chat_id == BUDI.id and bool(m.buttons), timeout=200
    )
    assert time.monotonic() - started <= 180
    assert "Check-in · The story" in prompt.text
    labels = [label for row in prompt.buttons for label, _ in row]
    assert labels == ["Seller back-end · 0%", "0%", "10%", "20%", "30%", "40%", "50%"] + [
        "60%",
        "70%",
        "80%",
        "90%",
        "100%",
        "✍️ Other",
        "No change",
    ]

    mark = bot.emulator.mark()
    bot.emulator.press(prompt, "80%", user=BUDI)
    edited = bot.emulator.wait_sent(
        lambda m: m.edited and m.message_id == prompt.message_id, timeout=15
    )
    assert "Seller back-end: 80% recorded" in edited[0].text
    assert edited[0].buttons == ()
    bot.emulator.wait_sent(
        lambda m: m.chat_id == BUDI.id and bot.emulator.sent.index(m) >= mark and not m.edited
    )
    assert "answerCallbackQuery" in {method for method, _ in bot.emulator.calls}
    status = chat.say("/status", user=OPERATOR, chat=MANAGERS)
    assert "80% Seller back-end" in status
    (report,) = bot.reports()
    assert (report.percent, report.reporter_id, report.note) == (80, BUDI.id, "check-in")
    # No message per answer in the group.
    assert not [
        m
        for m in bot.emulator.sent[mark:]
        if m.chat_id == MANAGERS.id and "80%" in m.text and "overall" not in m.text
    ]
