"""Issue 10: real people only. Anonymous admins, channels, bots and Telegram's service account
change nothing, get one line of answer at most, and can hold no role."""

from __future__ import annotations

import pytest
from telegram import Update

from bot.offline import ChatRef, Fault, Person
from domain.spec import SpecError, load_spec
from storage.db import session_scope
from storage.models import SeenUser
from tests.helpers import ADMIN, BUDI, ELSEWHERE, STAFF, Harness, seed_tracker
from tests.trust_helpers import (
    A_CHANNEL,
    ANONYMOUS_ADMIN,
    AS_YOURSELF,
    CHANNEL_BOT,
    SERVICE,
    SOME_BOT,
    links,
    members,
    tracker_keys,
)


@pytest.mark.parametrize(
    "text",
    [
        "/setup anon-key 2024-05-01 Anonymous",
        "/setup tiktok-tokopedia",
        "/status",
        "/export",
        "/grant 1087968824 admin",
        "/update payments 99",
    ],
)
async def test_anonymous_admin_cannot_link_read_export_or_grant(
    harness: Harness, text: str
) -> None:
    await seed_tracker(harness)
    before = members(harness), links(harness), tracker_keys(harness)
    sent = await harness.send_update(
        text, sender=ANONYMOUS_ADMIN, chat=ELSEWHERE, sender_chat=ELSEWHERE
    )
    assert [m.text for m in sent] == [AS_YOURSELF]
    assert harness.api.files == []
    assert (members(harness), links(harness), tracker_keys(harness)) == before
    with session_scope(harness.engine, readonly=True) as session:
        assert session.get(SeenUser, ANONYMOUS_ADMIN.id) is None


@pytest.mark.parametrize(
    ("sender", "sender_chat"),
    [(CHANNEL_BOT, A_CHANNEL), (SERVICE, A_CHANNEL), (SOME_BOT, None), (BUDI, A_CHANNEL)],
    ids=["channel", "linked-channel-forward", "bot", "on-behalf-of-a-channel"],
)
async def test_channels_bots_and_service_accounts_change_nothing(
    harness: Harness, sender: Person, sender_chat: ChatRef | None
) -> None:
    await seed_tracker(harness)
    sent = await harness.send_update(
        "/update payments 99", sender=sender, chat=STAFF, sender_chat=sender_chat
    )
    assert [m.text for m in sent] == [AS_YOURSELF]
    assert harness.reports() == []
    # A stand-in's message that is not a Pantau command gets no answer at all.
    assert await harness.say("hello", sender=sender, chat=STAFF, sender_chat=sender_chat) == ""


async def test_a_stand_ins_command_goes_no_further_even_when_the_answer_fails(
    harness: Harness,
) -> None:
    await seed_tracker(harness)
    harness.api.fail_next("sendMessage", Fault.forbidden())  # a chat the bot cannot post in
    # Budi is a reporter, but this arrives on behalf of a channel: it must not count.
    await harness.send_update(
        "/update payments 99", sender=BUDI, chat=STAFF, sender_chat=A_CHANNEL
    )
    assert harness.reports() == []


async def test_a_channel_post_command_gets_the_one_line_answer_and_nothing_else(
    harness: Harness,
) -> None:
    await seed_tracker(harness)
    channel = {"id": A_CHANNEL.id, "type": "channel", "title": A_CHANNEL.title}
    post = {
        "message_id": 1,
        "date": int(harness.clock.now.timestamp()),
        "chat": channel,
        "sender_chat": channel,
        "text": "/setup tiktok-tokopedia",
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
    }
    update = Update.de_json({"update_id": 99_001, "channel_post": post}, harness.app.bot)
    assert update is not None
    harness.api.take()
    await harness.app.process_update(update)
    await harness.flush()
    assert [m.text for m in harness.api.take()] == [AS_YOURSELF]
    assert A_CHANNEL.id not in links(harness)


@pytest.mark.parametrize("user_id", [1087968824, 136817688, 777000])
async def test_grant_refuses_telegram_stand_in_accounts(harness: Harness, user_id: int) -> None:
    await seed_tracker(harness)
    before = members(harness)
    reply = await harness.say(f"/grant {user_id} admin", sender=ADMIN)
    assert "cannot hold a role" in reply
    assert members(harness) == before


def test_import_refuses_telegram_stand_in_accounts() -> None:
    text = """
[tracker]
key = "t"
title = "T"
deadline = 2024-04-12
[[members]]
user_id = 1087968824
role = "admin"
"""
    with pytest.raises(SpecError, match="members.0.user_id: 1087968824 is a Telegram stand-in"):
        load_spec(text)
