"""End to end: a check-in at the next minute reaches the owner in private; a tap reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import MANAGERS, OPERATOR, REPORTERS, BotProcess, Conversation
from tests.e2e.emulator import Chat

BUDI = REPORTERS[0]
# Check-ins skip weekends: run in a timezone where today is a working day (UTC-11 to UTC+14
# cover a weekday except from Saturday 11:00 to Sunday 10:00 UTC).
ZONES = ("Asia/Jakarta", "Pacific/Kiritimati", "Pacific/Pago_Pago")


# After the set-up the bot's clock is moved on to this many seconds before a minute
# (BotProcess.shift_clock; tests/e2e/launch.py), and /checkin names that minute: no waiting
# for a real clock minute. The seconds are for /checkin's answer to come before the minute.
LEAD = 3


def weekday_zone(ahead: float) -> str | None:
    for zone in ZONES:
        local = datetime.now(UTC).astimezone(ZoneInfo(zone)) + timedelta(seconds=ahead)
        # Two minutes ahead must still be today, and a weekday there.
        if local.weekday() < 5 and (local + timedelta(minutes=3)).date() == local.date():
            return zone
    return None


def test_checkin_at_the_next_minute_prompts_owner_and_a_tap_reaches_status(
    bot: BotProcess, chat: Conversation
) -> None:
    bot.clock_ahead = 0.0  # the real clock, until the set-up is done
    zone = weekday_zone(60.0)  # the shift below is less than a minute
    if zone is None:
        pytest.skip("no timezone has a working day right now (check-ins skip weekends)")
    bot.extra_env.update({"PANTAU_TIMEZONE": zone, "PANTAU_HOLIDAYS": "off"})
    bot.start()

    def bot_now() -> datetime:
        return datetime.now(ZoneInfo(zone)) + timedelta(seconds=bot.clock_ahead or 0.0)

    deadline = bot_now().date() + timedelta(days=40)
    chat.say(f"/setup story {deadline} The story", user=OPERATOR, chat=MANAGERS)
    chat.say("/workstream add sellers Seller back-end", user=OPERATOR, chat=MANAGERS)
    chat.say("/start", user=BUDI, chat=Chat(BUDI.id))
    chat.say(f"/grant @{BUDI.username} reporter", user=OPERATOR, chat=MANAGERS)
    assert "Owners of Seller back-end: Budi" in chat.say(
        f"/owner sellers @{BUDI.username}", user=OPERATOR, chat=MANAGERS
    )
    now = bot_now()
    bot.shift_clock((60 - LEAD - now.second - now.microsecond / 1e6) % 60)
    at = (bot_now() + timedelta(minutes=1)).replace(second=0, microsecond=0)
    reply = chat.say(f"/checkin daily {at:%H:%M}", user=OPERATOR, chat=MANAGERS)
    assert f"every day at {at:%H:%M}" in reply

    (prompt,) = bot.emulator.wait_sent(
        lambda m: m.chat_id == BUDI.id and bool(m.buttons), timeout=30
    )
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
