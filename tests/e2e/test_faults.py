"""End to end: what Telegram answers when things go wrong, and the webhook's secret."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest

from storage import chats as chat_store
from storage import notices as notice_store
from storage import trackers as tracker_store
from storage.db import session_scope
from tests.e2e.conftest import (
    MANAGERS,
    OPERATOR,
    REPORTERS,
    STAFF,
    BotProcess,
    Conversation,
    free_port,
)
from tests.e2e.emulator import BotAPIEmulator, Chat, Fault, message_update
from tests.e2e.test_e2e import set_up

BUDI = REPORTERS[0]


def test_429_on_send_message_the_reply_still_arrives_after_the_wait(
    bot: BotProcess, chat: Conversation, emulator: BotAPIEmulator
) -> None:
    bot.start()
    set_up(chat)
    emulator.fail_next("sendMessage", Fault.retry_after(1))  # Telegram's shortest wait
    started = time.monotonic()
    reply = chat.say("/update payments 40", user=BUDI, chat=STAFF)
    assert "Payments: 40%" in reply
    assert time.monotonic() - started >= 1.0
    assert [r.percent for r in bot.reports()] == [40]


def test_403_on_a_digest_chat_deactivates_it_and_other_chats_are_still_served(
    bot: BotProcess, chat: Conversation, emulator: BotAPIEmulator
) -> None:
    bot.start()
    set_up(chat)
    emulator.fail_next("sendMessage", Fault.forbidden(chat_id=MANAGERS.id))
    emulator.send("/digest", user=OPERATOR, chat=MANAGERS)  # refused: the bot was removed
    bot.wait_log("link deactivated")
    emulator.send("/digest", user=BUDI, chat=STAFF)
    found = emulator.wait_sent(lambda m: m.chat_id == STAFF.id and "Digest ·" in m.text)
    assert len(found) == 1  # the staff group is still served
    assert not [m for m in emulator.sent if m.chat_id == MANAGERS.id and "Digest ·" in m.text]
    engine = bot.engine()
    with session_scope(engine, readonly=True) as session:
        link = chat_store.get_link(session, chat_id=MANAGERS.id)
        assert link is not None
        assert link.active is False
        failed = [n for n in notice_store.notices(session) if n.status == "failed"]
        assert len(failed) == 1
        assert failed[0].chat_id == MANAGERS.id
    engine.dispose()


# The bot's read timeout and its pause before a retry, shortened (tests/e2e/launch.py): the
# fault, not its length, is what these tests are about.
READ_TIMEOUT = 3.0


@pytest.mark.parametrize(
    "fault",
    [Fault.server_error(), Fault.timeout(READ_TIMEOUT + 1)],
    ids=["500", "read-timeout"],
)
def test_500_and_timeouts_are_retried_and_nothing_is_lost(
    bot: BotProcess, chat: Conversation, emulator: BotAPIEmulator, fault: Fault
) -> None:
    bot.read_timeout = READ_TIMEOUT
    bot.retry_delays = (0.2, 0.8)
    bot.start()
    set_up(chat)
    emulator.fail_next("sendMessage", fault)
    reply = chat.say("/update sellers 25 after a fault", user=BUDI, chat=STAFF, timeout=30)
    assert "Seller back-end: 25%" in reply
    answers = [m for m in emulator.sent if "Seller back-end: 25%" in m.text]
    assert len(answers) == 1
    assert [r.percent for r in bot.reports()] == [25]
    assert "retrying in" in bot.log()


def _post(url: str, update: dict[str, object], secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(
        url, data=json.dumps(update).encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except urllib.error.URLError:  # not listening yet
        return 0


@pytest.mark.parametrize("configured", [True, False], ids=["secret-set", "secret-generated"])
def test_webhook_processes_the_right_secret_and_refuses_others(
    bot: BotProcess, emulator: BotAPIEmulator, configured: bool
) -> None:
    port = free_port()
    if configured:
        bot.extra_env["TELEGRAM_WEBHOOK_SECRET"] = "e2e-webhook-secret_42"
    bot.start(
        "--webhook",
        "https://pantau.example.org/hook",
        "--listen",
        "127.0.0.1",
        "--port",
        str(port),
        wait_for="setWebhook",
    )
    secret = str(emulator.webhook["secret_token"])
    assert emulator.webhook["url"] == "https://pantau.example.org/hook"
    if configured:
        assert secret == "e2e-webhook-secret_42"
    else:
        assert len(secret) >= 32
        assert "webhook secret generated" in bot.log()
    assert secret not in bot.log()
    url = f"http://127.0.0.1:{port}/hook"

    def update(update_id: int, text: str) -> dict[str, object]:
        return message_update(update_id, text, user=OPERATOR, chat=Chat(OPERATOR.id))

    deadline = time.monotonic() + 10
    while True:  # the webhook server may need a moment after setWebhook
        status = _post(url, update(1, "/setup hook-a 2030-01-01"), secret)
        if status == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert status == 200
    emulator.wait_sent(lambda m: "Created" in m.text)
    assert _post(url, update(2, "/setup hook-b 2030-01-01"), "wrong-secret") == 403
    assert _post(url, update(3, "/setup hook-c 2030-01-01"), None) == 403
    # A chat's updates are handled in order: once this one is answered, the two refused
    # ones would have been handled too, had they been taken.
    mark = emulator.mark()
    assert _post(url, update(4, "/help"), secret) == 200
    emulator.wait_sent(lambda m: m.chat_id == OPERATOR.id and emulator.sent.index(m) >= mark)
    assert [m.text for m in emulator.sent if "Created" in m.text] == [
        m.text for m in emulator.sent if "hook-a" in m.text
    ]
    engine = bot.engine()
    with session_scope(engine, readonly=True) as session:
        keys = [t.key for t in tracker_store.all_trackers(session)]
    engine.dispose()
    assert keys == ["hook-a"]


def test_polling_conflict_409_exits_with_a_clear_message(
    bot: BotProcess, emulator: BotAPIEmulator
) -> None:
    conflict = Fault(
        409,
        "Conflict: terminated by other getUpdates request; "
        "make sure that only one bot instance is running",
    )
    emulator.fail_next("getUpdates", conflict, times=50)
    bot.start(wait_for="getUpdates")
    assert bot.process is not None
    code = bot.process.wait(timeout=30)
    bot.process = None
    assert code == 2
    log = bot.log()
    assert "already polling Telegram with this token (409 Conflict)" in log
    assert log.count("409 Conflict): stopping") == 1  # said once, not in a loop
    assert "Traceback" not in log


def test_400_migrate_to_chat_id_moves_the_digest_to_the_supergroup(
    bot: BotProcess, chat: Conversation, emulator: BotAPIEmulator
) -> None:
    bot.start()
    set_up(chat)
    supergroup = -100_555_000_111
    emulator.fail_next("sendMessage", Fault.migrated(supergroup, chat_id=MANAGERS.id))
    emulator.send("/digest", user=OPERATOR, chat=MANAGERS)
    found = emulator.wait_sent(lambda m: m.chat_id == supergroup and "Digest ·" in m.text)
    assert len(found) == 1
    engine = bot.engine()
    with session_scope(engine, readonly=True) as session:
        link = chat_store.get_link(session, chat_id=supergroup)
        assert link is not None
        assert link.migrated_from == MANAGERS.id
    engine.dispose()
    assert "migrated to" in bot.log()
