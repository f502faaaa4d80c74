"""Issue 10 in the default deployment (PANTAU_ADMIN_IDS empty, so anyone may create a
tracker): its creator is its only admin, and nobody else may take its chats or its story."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Engine
from sqlmodel import select
from telegram import Update

from bot import jobs
from bot.app import build_application
from bot.config import Settings
from bot.offline import ChatRef, Fault, OfflineBotAPI
from storage.db import session_scope
from storage.models import TrackerEvent
from tests.helpers import ADMIN, BUDI, DEWI, ELSEWHERE, MANAGERS, STAFF, Clock, Harness
from tests.trust_helpers import (
    A_CHANNEL,
    ANONYMOUS_ADMIN,
    AS_YOURSELF,
    BORIS,
    ONLY_ADMINS,
    links,
    members,
    tracker_keys,
)

STORY = "/setup tiktok-tokopedia 2024-04-12 TikTok Shop → Tokopedia"
# The same /setup, from someone who would take the chat for a tracker of her own.
FAKE = STORY.replace("tiktok-tokopedia", "fake-key")


@pytest.fixture
async def story(settings: Settings, engine: Engine, clock: Clock) -> AsyncIterator[Harness]:
    """The demo's setting in the default deployment: Ayu creates the tracker, links the
    managers' group, Budi reports; Dewi sits in both groups without a role."""
    api = OfflineBotAPI(clock)
    app = build_application(
        settings.model_copy(update={"pantau_admin_ids": frozenset()}),
        request=api,
        engine=engine,
        clock=clock,
    )
    async with app:
        h = Harness(app, api, engine, clock)
        for person in (ADMIN, BUDI, DEWI, BORIS):
            await h.say("/start", sender=person, chat=ChatRef(person.id))
        await h.say(STORY, sender=ADMIN)
        await h.say("/workstream add payments Payments", sender=ADMIN)
        await h.say("/grant @budi_s reporter", sender=ADMIN)
        await h.say("/setup tiktok-tokopedia", sender=ADMIN, chat=MANAGERS)
        await h.say("/schedule weekdays 09:00", sender=ADMIN, chat=MANAGERS)
        await h.say("/update payments 60", sender=BUDI)
        yield h
    assert api.unknown == []


# --- linking -------------------------------------------------------------------------------


async def test_member_without_role_cannot_relink_the_managers_group(story: Harness) -> None:
    assert ONLY_ADMINS in await story.say(FAKE, sender=DEWI, chat=MANAGERS)
    assert links(story)[MANAGERS.id] == "tiktok-tokopedia"
    assert tracker_keys(story) == ["tiktok-tokopedia"]  # no stray tracker either
    status = await story.say("/status", sender=DEWI, chat=MANAGERS)
    assert "60%" in status


async def test_removing_and_re_adding_the_bot_does_not_open_the_managers_group_to_anyone(
    story: Harness,
) -> None:
    """The bot removed from the managers' group deactivates its link (Telegram answers
    Forbidden); once it is back, re-linking still needs the old tracker's admins."""
    story.api.fail_next("sendMessage", Fault.forbidden())
    assert await jobs.send_digest(story.app, MANAGERS.id, slot_key="digest@x") == "failed"
    assert MANAGERS.id not in links(story)  # dormant
    assert ONLY_ADMINS in await story.say(FAKE, sender=DEWI, chat=MANAGERS)
    assert tracker_keys(story) == ["tiktok-tokopedia"]
    assert MANAGERS.id not in links(story)
    back = await story.say("/setup tiktok-tokopedia", sender=ADMIN, chat=MANAGERS)
    assert "Linked this chat to TikTok Shop → Tokopedia" in back
    assert links(story)[MANAGERS.id] == "tiktok-tokopedia"


async def test_a_group_that_becomes_a_supergroup_keeps_its_link_at_once(story: Harness) -> None:
    """Telegram gives the managers' group a new chat id; until the next notice found out,
    the new id followed no tracker and a member without a role could link it to hers."""
    await story.say("/lang id", sender=ADMIN, chat=MANAGERS)
    supergroup = ChatRef(-1002002002, MANAGERS.title)
    for chat, field, value in (
        (MANAGERS, "migrate_to_chat_id", supergroup.id),
        (supergroup, "migrate_from_chat_id", MANAGERS.id),
    ):
        service = {
            "message_id": 990,
            "date": int(story.clock.now.timestamp()),
            "chat": {**chat.as_json(ADMIN), "type": "supergroup"},
            "from": ADMIN.as_json(),
            field: value,
        }
        update = Update.de_json(
            {"update_id": 99000 + len(field), "message": service}, story.app.bot
        )
        assert update is not None
        await story.app.process_update(update)
    assert links(story).get(supergroup.id) == "tiktok-tokopedia"
    reply = await story.say(FAKE, sender=DEWI, chat=supergroup)
    assert "Hanya admin TikTok Shop → Tokopedia" in reply  # its language came along too
    assert "60%" in await story.say("/status", sender=DEWI, chat=supergroup)
    assert tracker_keys(story) == ["tiktok-tokopedia"]


async def test_setup_of_a_new_key_in_a_linked_group_says_what_moved_and_how_to_undo_it(
    story: Harness,
) -> None:
    await story.say("/lang id", sender=ADMIN, chat=MANAGERS)
    reply = await story.say("/setup new-one 2024-05-01", sender=ADMIN, chat=MANAGERS)
    assert "dipindahkan dari TikTok Shop → Tokopedia ke New one" in reply
    assert "Senin sampai dengan Jumat" in reply  # the schedule moved
    assert "bahasa Indonesia" in reply
    assert "/setup tiktok-tokopedia" in reply
    assert "/archive new-one" in reply
    assert links(story)[MANAGERS.id] == "new-one"
    # The old tracker's admins see the move in its trail.
    trail = await story.say("/trackers", sender=ADMIN, chat=ChatRef(ADMIN.id))
    assert "Pimpinan moved to new-one by Ayu Lestari" in trail
    with session_scope(story.engine, readonly=True) as session:
        kinds = [e.kind for e in session.exec(select(TrackerEvent)).all()]
    assert "chat_moved_away" in kinds
    # …and can put things back.
    back = await story.say("/setup tiktok-tokopedia", sender=ADMIN, chat=MANAGERS)
    assert "dipindahkan dari New one ke TikTok Shop → Tokopedia" in back
    assert links(story)[MANAGERS.id] == "tiktok-tokopedia"
    assert "diarsipkan" in await story.say("/archive new-one", sender=ADMIN, chat=MANAGERS)


async def test_relinking_to_the_same_tracker_keeps_schedule_and_language(
    story: Harness,
) -> None:
    assert "already followed it" in await story.say(
        "/setup tiktok-tokopedia", sender=ADMIN, chat=MANAGERS
    )
    assert links(story)[MANAGERS.id] == "tiktok-tokopedia"


async def test_key_probing_in_the_default_deployment_reveals_no_title_or_admins(
    story: Harness,
) -> None:
    reply = await story.say("/setup tiktok-tokopedia", sender=DEWI, chat=ELSEWHERE)
    assert "no tracker tiktok-tokopedia that you administer" in reply
    for leak in ("TikTok Shop", "Ayu", "ayu_pantau"):
        assert leak not in reply


# --- roles and stand-ins -------------------------------------------------------------------


async def test_last_admin_cannot_demote_self_via_grant(story: Harness) -> None:
    reply = await story.say(f"/grant {ADMIN.id} reporter", sender=ADMIN)
    assert "Ayu Lestari is the last admin" in reply
    assert (1, ADMIN.id, "admin") in members(story)
    assert "last admin" in await story.say(f"/revoke {ADMIN.id}", sender=ADMIN)


async def test_anonymous_admins_in_the_default_deployment_create_link_and_edit_nothing(
    story: Harness,
) -> None:
    """Anyone may create a tracker here: an anonymous admin still cannot create one for
    another group's anonymous admin to link, nor edit a message into a report."""
    before = (members(story), links(story), tracker_keys(story), len(story.reports()))
    for text, chat in (
        ("/setup anon-key 2024-05-01 Anonymous", ELSEWHERE),
        ("/setup anon-key", A_CHANNEL),
        ("/setup tiktok-tokopedia", ELSEWHERE),
        ("/grant 1087968824 admin", STAFF),
    ):
        sent = await story.send_update(text, sender=ANONYMOUS_ADMIN, chat=chat, sender_chat=chat)
        assert [m.text for m in sent] == [AS_YOURSELF], text
    edited = await story.send_update(
        "/update payments 99",
        sender=ANONYMOUS_ADMIN,
        chat=STAFF,
        sender_chat=STAFF,
        message_id=900,
        edited=True,
    )
    assert [m.text for m in edited] == [AS_YOURSELF]
    assert (members(story), links(story), tracker_keys(story), len(story.reports())) == before
