"""Issue 10, items 1-4, 6 and 7: one test per finding, named after the behaviour it pins,
through the real application (the command table's own matrix is in test_permissions.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from telegram import Update

from bot import jobs
from bot.app import build_application
from bot.commands import BY_NAME
from bot.config import Settings
from bot.handlers.common import caller_of
from bot.handlers.reports import record_correction, record_report
from bot.offline import ChatRef, Fault, OfflineBotAPI, Person
from domain.errors import UserError
from domain.parsing import parse_update
from domain.spec import SpecError, load_spec
from domain.views import Role
from services.members import keep_an_admin
from storage import chats as chat_store
from storage import members as member_store
from storage import trackers as tracker_store
from storage.db import make_engine, session_scope
from storage.migrate import upgrade
from storage.models import ChatLink, Member, Report, SeenUser, Tracker, TrackerEvent
from tests.helpers import (
    ADMIN,
    BUDI,
    DEWI,
    ELSEWHERE,
    EXAMPLE,
    MANAGERS,
    OPERATOR,
    SARI,
    STAFF,
    Clock,
    Harness,
    seed_tracker,
)

ANONYMOUS_ADMIN = Person(1087968824, "Group", None, "GroupAnonymousBot", is_bot=True)
CHANNEL_BOT = Person(136817688, "Channel", None, "Channel_Bot", is_bot=True)
SERVICE = Person(777000, "Telegram")
SOME_BOT = Person(5550001, "Helper", None, "helper_bot", is_bot=True)
BORIS = Person(1010, "Boris", None, "boris_b")
A_CHANNEL = ChatRef(-1007777, "Ministry channel")
STORY = "/setup tiktok-tokopedia 2024-04-12 TikTok Shop → Tokopedia"


@pytest.fixture
async def open_harness(settings: Settings, engine: Engine, clock: Clock) -> AsyncIterator[Harness]:
    """The default deployment: PANTAU_ADMIN_IDS empty, so anyone may create a tracker."""
    api = OfflineBotAPI(clock)
    app = build_application(
        settings.model_copy(update={"pantau_admin_ids": frozenset()}),
        request=api,
        engine=engine,
        clock=clock,
    )
    async with app:
        yield Harness(app, api, engine, clock)
    assert api.unknown == []


def _links(h: Harness) -> dict[int, str]:
    with session_scope(h.engine, readonly=True) as session:
        rows = session.exec(select(ChatLink, Tracker).join(Tracker)).all()
        return {link.chat_id: tracker.key for link, tracker in rows if link.active}


def _tracker_keys(h: Harness) -> list[str]:
    with session_scope(h.engine, readonly=True) as session:
        return sorted(t.key for t in session.exec(select(Tracker)).all())


def _members(h: Harness) -> set[tuple[int, int, str]]:
    with session_scope(h.engine, readonly=True) as session:
        return {(m.tracker_id, m.user_id, m.role) for m in session.exec(select(Member)).all()}


async def _open_story(h: Harness) -> None:
    """The demo's setting: Ayu creates the tracker (PANTAU_ADMIN_IDS empty), links the
    managers' group, Budi reports; Dewi sits in both groups without a role."""
    for person in (ADMIN, BUDI, DEWI, BORIS):
        await h.say("/start", sender=person, chat=ChatRef(person.id))
    await h.say(STORY, sender=ADMIN)
    await h.say("/workstream add payments Payments", sender=ADMIN)
    await h.say("/grant @budi_s reporter", sender=ADMIN)
    await h.say("/setup tiktok-tokopedia", sender=ADMIN, chat=MANAGERS)
    await h.say("/schedule weekdays 09:00", sender=ADMIN, chat=MANAGERS)
    await h.say("/update payments 60", sender=BUDI)


# --- linking -------------------------------------------------------------------------------


async def test_member_without_role_cannot_relink_the_managers_group(
    open_harness: Harness,
) -> None:
    h = open_harness
    await _open_story(h)
    reply = await h.say(STORY.replace("tiktok-tokopedia", "fake-key"), sender=DEWI, chat=MANAGERS)
    assert "Only admins of TikTok Shop → Tokopedia can do that" in reply
    assert _links(h)[MANAGERS.id] == "tiktok-tokopedia"
    assert _tracker_keys(h) == ["tiktok-tokopedia"]  # no stray tracker either
    status = await h.say("/status", sender=DEWI, chat=MANAGERS)
    assert "60%" in status


async def test_admin_of_another_tracker_cannot_move_this_trackers_groups(
    harness: Harness,
) -> None:
    await seed_tracker(harness)
    await harness.say("/start", sender=BORIS, chat=ChatRef(BORIS.id))
    await harness.say("/setup other-b 2024-06-01 Other", sender=OPERATOR, chat=ELSEWHERE)
    await harness.say(f"/grant {BORIS.id} admin", sender=OPERATOR, chat=ELSEWHERE)
    reply = await harness.say("/setup other-b", sender=BORIS, chat=STAFF)
    assert "Only admins of TikTok Shop → Tokopedia can do that" in reply
    assert _links(harness)[STAFF.id] == "tiktok-tokopedia"


async def test_private_chat_that_follows_a_tracker_moves_only_at_its_admins_word(
    harness: Harness,
) -> None:
    """Like a group: a private chat that follows tracker A moves to B only if its owner is
    an admin of A (not merely of B). Such a chat can follow A without its owner being A's
    admin: `pantau import` links chats, an operator may lose that rank."""
    await seed_tracker(harness)
    await harness.say("/setup other-b 2024-06-01 Other", sender=OPERATOR, chat=ELSEWHERE)
    await harness.say(f"/grant {BUDI.id} admin", sender=OPERATOR, chat=ELSEWHERE)
    with session_scope(harness.engine) as session:
        story = tracker_store.get_tracker(session, key="tiktok-tokopedia")
        assert story is not None
        assert story.id is not None
        chat_store.link_chat(session, chat_id=BUDI.id, tracker_id=story.id, title=None)
    budi = ChatRef(BUDI.id)
    assert "/setup" not in await harness.say("/help", sender=BUDI, chat=budi)
    reply = await harness.say("/setup other-b", sender=BUDI, chat=budi)
    assert "Only admins of TikTok Shop → Tokopedia can do that" in reply
    assert _links(harness)[BUDI.id] == "tiktok-tokopedia"
    refused = await harness.say("/setup budi-own 2024-06-01", sender=BUDI, chat=budi)
    assert "Only admins of TikTok Shop → Tokopedia can do that" in refused
    assert "budi-own" not in _tracker_keys(harness)
    # Choosing the other tracker with /use changes what private commands act on, not who
    # may move the chat.
    await harness.say("/use other-b", sender=BUDI, chat=budi)
    chosen = await harness.say("/setup other-b", sender=BUDI, chat=budi)
    assert "Only admins of TikTok Shop → Tokopedia can do that" in chosen
    assert _links(harness)[BUDI.id] == "tiktok-tokopedia"
    # Once an admin of the tracker it follows, its owner may move it.
    await harness.say(f"/grant {BUDI.id} admin", sender=ADMIN)
    moved = await harness.say("/setup other-b", sender=BUDI, chat=budi)
    assert "moved from TikTok Shop → Tokopedia to Other" in moved
    assert _links(harness)[BUDI.id] == "other-b"


async def test_removing_and_re_adding_the_bot_does_not_open_the_managers_group_to_anyone(
    open_harness: Harness,
) -> None:
    """The bot removed from the managers' group deactivates its link (Telegram answers
    Forbidden); once it is back, re-linking still needs the old tracker's admins."""
    h = open_harness
    await _open_story(h)
    h.api.fail_next("sendMessage", Fault.forbidden())
    assert await jobs.send_digest(h.app, MANAGERS.id, slot_key="digest@x") == "failed"
    assert MANAGERS.id not in _links(h)  # dormant
    reply = await h.say(STORY.replace("tiktok-tokopedia", "fake-key"), sender=DEWI, chat=MANAGERS)
    assert "Only admins of TikTok Shop → Tokopedia can do that" in reply
    assert _tracker_keys(h) == ["tiktok-tokopedia"]
    assert MANAGERS.id not in _links(h)
    back = await h.say("/setup tiktok-tokopedia", sender=ADMIN, chat=MANAGERS)
    assert "Linked this chat to TikTok Shop → Tokopedia" in back
    assert _links(h)[MANAGERS.id] == "tiktok-tokopedia"


async def test_a_group_that_becomes_a_supergroup_keeps_its_link_at_once(
    open_harness: Harness,
) -> None:
    """Telegram gives the managers' group a new chat id; until the next notice found out,
    the new id followed no tracker and a member without a role could link it to hers."""
    h = open_harness
    await _open_story(h)
    await h.say("/lang id", sender=ADMIN, chat=MANAGERS)
    supergroup = ChatRef(-1002002002, MANAGERS.title)
    for chat, field, value in (
        (MANAGERS, "migrate_to_chat_id", supergroup.id),
        (supergroup, "migrate_from_chat_id", MANAGERS.id),
    ):
        service = {
            "message_id": 990,
            "date": int(h.clock.now.timestamp()),
            "chat": {**chat.as_json(ADMIN), "type": "supergroup"},
            "from": ADMIN.as_json(),
            field: value,
        }
        update = Update.de_json({"update_id": 99000 + len(field), "message": service}, h.app.bot)
        assert update is not None
        await h.app.process_update(update)
    assert _links(h).get(supergroup.id) == "tiktok-tokopedia"
    reply = await h.say(
        STORY.replace("tiktok-tokopedia", "fake-key"), sender=DEWI, chat=supergroup
    )
    assert "Hanya admin TikTok Shop → Tokopedia" in reply  # its language came along too
    assert "60%" in await h.say("/status", sender=DEWI, chat=supergroup)
    assert _tracker_keys(h) == ["tiktok-tokopedia"]


async def test_setup_of_a_new_key_in_a_linked_group_says_what_moved_and_how_to_undo_it(
    open_harness: Harness,
) -> None:
    h = open_harness
    await _open_story(h)
    await h.say("/lang id", sender=ADMIN, chat=MANAGERS)
    reply = await h.say("/setup new-one 2024-05-01", sender=ADMIN, chat=MANAGERS)
    assert "dipindahkan dari TikTok Shop → Tokopedia ke New one" in reply
    assert "Senin sampai dengan Jumat" in reply  # the schedule moved
    assert "bahasa Indonesia" in reply
    assert "/setup tiktok-tokopedia" in reply
    assert "/archive new-one" in reply
    assert _links(h)[MANAGERS.id] == "new-one"
    # The old tracker's admins see the move in its trail.
    trail = await h.say("/trackers", sender=ADMIN, chat=ChatRef(ADMIN.id))
    assert "Pimpinan moved to new-one by Ayu Lestari" in trail
    with session_scope(h.engine, readonly=True) as session:
        kinds = [e.kind for e in session.exec(select(TrackerEvent)).all()]
    assert "chat_moved_away" in kinds
    # …and can put things back.
    back = await h.say("/setup tiktok-tokopedia", sender=ADMIN, chat=MANAGERS)
    assert "dipindahkan dari New one ke TikTok Shop → Tokopedia" in back
    assert _links(h)[MANAGERS.id] == "tiktok-tokopedia"
    assert "diarsipkan" in await h.say("/archive new-one", sender=ADMIN, chat=MANAGERS)


async def test_relinking_to_the_same_tracker_keeps_schedule_and_language(
    open_harness: Harness,
) -> None:
    h = open_harness
    await _open_story(h)
    reply = await h.say("/setup tiktok-tokopedia", sender=ADMIN, chat=MANAGERS)
    assert "already followed it" in reply
    assert _links(h)[MANAGERS.id] == "tiktok-tokopedia"


async def test_trackers_lists_your_trackers_and_the_chats_that_follow_each(
    harness: Harness,
) -> None:
    await seed_tracker(harness)
    await harness.say("/setup tiktok-tokopedia", sender=ADMIN, chat=MANAGERS)
    reply = await harness.say("/trackers", sender=BUDI, chat=ChatRef(BUDI.id))
    assert "TikTok Shop → Tokopedia (tiktok-tokopedia) · you are reporter" in reply
    assert "Tim Pemantau" in reply
    assert "Pimpinan" in reply
    assert "linked by" not in reply  # the trail is for admins
    assert "You do not belong to any tracker" in await harness.say(
        "/trackers", sender=DEWI, chat=ChatRef(DEWI.id)
    )


async def test_archived_tracker_sends_nothing_cannot_be_linked_and_keeps_every_row(
    harness: Harness,
) -> None:
    await seed_tracker(harness)
    await harness.say("/update payments 40", sender=BUDI)
    await harness.say("/setup tiktok-tokopedia", sender=ADMIN, chat=MANAGERS)
    assert "that you administer" in await harness.say("/archive tiktok-tokopedia", sender=BUDI)
    reply = await harness.say("/archive tiktok-tokopedia", sender=ADMIN)
    assert "Archived TikTok Shop → Tokopedia" in reply
    harness.api.take()
    assert await jobs.send_digest(harness.app, MANAGERS.id, slot_key="digest@a") == "unlinked"
    due = harness.clock.now + timedelta(days=42)
    assert await jobs.send_reminder(harness.app, MANAGERS.id, due=due, late=False) == (
        "nothing due"
    )
    assert await jobs.send_quiet_nudges(harness.app, 1) == []
    assert harness.api.take() == []
    assert "is archived" in await harness.say("/digest", sender=DEWI, chat=MANAGERS)
    assert "is archived" in await harness.say("/update payments 50", sender=BUDI)
    assert "40%" in await harness.say("/status", sender=DEWI, chat=MANAGERS)  # still readable
    refused = await harness.say("/setup tiktok-tokopedia", sender=ADMIN, chat=ELSEWHERE)
    assert "is archived and cannot be linked" in refused
    assert ELSEWHERE.id not in _links(harness)
    assert [r.percent for r in harness.reports()] == [40]
    assert "40%" in await harness.say("/status", sender=BUDI, chat=ChatRef(BUDI.id))
    assert "Restored" in await harness.say("/restore tiktok-tokopedia", sender=ADMIN)
    assert await jobs.send_digest(harness.app, MANAGERS.id, slot_key="digest@b") == "sent"


@pytest.fixture
def imported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The example imported with ``pantau import`` into a database in the test's folder (the
    current one, named by DATABASE_URL); its URL."""
    from bot.cli import main

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["import", str(EXAMPLE)]) == 0
    return url


def test_cli_lists_archives_and_restores_trackers(
    imported: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    url = imported
    assert main(["trackers", "list"]) == 0
    assert "tiktok-tokopedia\tactive" in capsys.readouterr().out
    assert main(["trackers", "archive", "tiktok-tokopedia"]) == 0
    assert main(["trackers", "list"]) == 0
    assert "tiktok-tokopedia\tarchived" in capsys.readouterr().out
    assert main(["trackers", "restore", "tiktok-tokopedia"]) == 0
    assert main(["trackers", "archive", "no-such"]) == 2
    assert "no tracker 'no-such'" in capsys.readouterr().err
    engine = make_engine(url)
    with session_scope(engine, readonly=True) as session:
        events = [e.kind for e in session.exec(select(TrackerEvent)).all()]
    engine.dispose()
    # The trail holds the import's events too (revision 0008 chains everything): the last
    # two are the command line's.
    assert events[-2:] == ["archived", "restored"]


def test_import_never_links_chats_to_an_archived_tracker(
    imported: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    url = imported
    assert main(["trackers", "archive", "tiktok-tokopedia"]) == 0
    capsys.readouterr()
    again = tmp_path / "again.toml"
    again.write_text(
        EXAMPLE.read_text(encoding="utf-8")
        + '\n[[chats]]\nchat_id = -1003333\ntitle = "Stray group"\n'
        + '\n[[members]]\nuser_id = 4242\nrole = "admin"\n',
        encoding="utf-8",
    )
    engine = make_engine(url)

    def state() -> tuple[object, ...]:
        with session_scope(engine, readonly=True) as session:
            return (
                sorted((c.chat_id, c.tracker_id) for c in session.exec(select(ChatLink)).all()),
                sorted((m.user_id, m.role) for m in session.exec(select(Member)).all()),
                len(session.exec(select(Report)).all()),
            )

    before = state()
    assert main(["import", str(again)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith(
        "tracker tiktok-tokopedia is archived: restore it first with "
        "`pantau trackers restore tiktok-tokopedia`; nothing was changed"
    )
    assert len(err.splitlines()) == 1
    assert state() == before
    engine.dispose()


def test_import_never_demotes_the_last_admin_and_a_demotion_ends_the_private_link(
    imported: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    url = imported
    text = EXAMPLE.read_text(encoding="utf-8")
    engine = make_engine(url)
    with session_scope(engine) as session:  # Ayu (1001, the only admin) follows it privately
        chat_store.link_chat(session, chat_id=1001, tracker_id=1, title=None)
    demoted = text.replace(
        'name = "Ayu Lestari"\nrole = "admin"', 'name = "Ayu Lestari"\nrole = "reporter"'
    )
    assert demoted != text
    alone = tmp_path / "alone.toml"
    alone.write_text(demoted, encoding="utf-8")
    capsys.readouterr()
    assert main(["import", str(alone)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith(
        "would leave tracker tiktok-tokopedia without an admin: keep one member with role = "
        '"admin"; nothing was changed'
    )
    with session_scope(engine, readonly=True) as session:
        assert member_store.admin_ids(session, tracker_id=1) == [1001]
        assert chat_store.get_link(session, chat_id=1001) is not None
    handed_over = tmp_path / "handed-over.toml"
    handed_over.write_text(
        demoted + '\n[[members]]\nuser_id = 1004\nname = "Dewi"\nrole = "admin"\n',
        encoding="utf-8",
    )
    assert main(["import", str(handed_over)]) == 0
    with session_scope(engine, readonly=True) as session:
        assert member_store.admin_ids(session, tracker_id=1) == [1004]
        assert chat_store.get_link(session, chat_id=1001) is None  # the role shrank: link ends
    engine.dispose()


# --- real people only ----------------------------------------------------------------------


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
    members, links, keys = _members(harness), _links(harness), _tracker_keys(harness)
    sent = await harness.send_update(
        text, sender=ANONYMOUS_ADMIN, chat=ELSEWHERE, sender_chat=ELSEWHERE
    )
    assert [m.text for m in sent] == ["🙅 Send this as yourself, not anonymously or as a channel."]
    assert harness.api.files == []
    assert (_members(harness), _links(harness), _tracker_keys(harness)) == (members, links, keys)
    with session_scope(harness.engine, readonly=True) as session:
        assert session.get(SeenUser, ANONYMOUS_ADMIN.id) is None


async def test_anonymous_admins_in_the_default_deployment_create_link_and_edit_nothing(
    open_harness: Harness,
) -> None:
    """PANTAU_ADMIN_IDS empty (anyone may create a tracker): an anonymous admin still cannot
    create one for another group's anonymous admin to link, nor edit a message into a report."""
    h = open_harness
    await _open_story(h)
    before = (_members(h), _links(h), _tracker_keys(h), len(h.reports()))
    one_line = ["🙅 Send this as yourself, not anonymously or as a channel."]
    for text, chat in (
        ("/setup anon-key 2024-05-01 Anonymous", ELSEWHERE),
        ("/setup anon-key", A_CHANNEL),
        ("/setup tiktok-tokopedia", ELSEWHERE),
        ("/grant 1087968824 admin", STAFF),
    ):
        sent = await h.send_update(text, sender=ANONYMOUS_ADMIN, chat=chat, sender_chat=chat)
        assert [m.text for m in sent] == one_line, text
    edited = await h.send_update(
        "/update payments 99",
        sender=ANONYMOUS_ADMIN,
        chat=STAFF,
        sender_chat=STAFF,
        message_id=900,
        edited=True,
    )
    assert [m.text for m in edited] == one_line
    assert (_members(h), _links(h), _tracker_keys(h), len(h.reports())) == before


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
    assert [m.text for m in sent] == ["🙅 Send this as yourself, not anonymously or as a channel."]
    assert harness.reports() == []
    # A stand-in's message that is not a Pantau command gets no answer at all.
    assert await harness.say("hello", sender=sender, chat=STAFF, sender_chat=sender_chat) == ""


@pytest.mark.parametrize("user_id", [1087968824, 136817688, 777000])
async def test_grant_refuses_telegram_stand_in_accounts(harness: Harness, user_id: int) -> None:
    await seed_tracker(harness)
    before = _members(harness)
    reply = await harness.say(f"/grant {user_id} admin", sender=ADMIN)
    assert "cannot hold a role" in reply
    assert _members(harness) == before


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


# --- edits correct, never rewrite ----------------------------------------------------------


async def test_editing_an_undone_update_does_not_bring_it_back(harness: Harness) -> None:
    await seed_tracker(harness)
    await harness.say("/update payments 60", sender=BUDI, message_id=600)
    harness.clock.advance(minutes=1)
    await harness.say("/undo", sender=BUDI)
    harness.clock.advance(minutes=1)
    reply = await harness.say("/update payments 65", sender=BUDI, message_id=600, edited=True)
    assert "was undone" in reply
    assert "Send a new /update payments 65" in reply
    (only,) = harness.reports()
    assert only.retracted_at is not None
    assert only.retracted_by == BUDI.id
    assert "0% Payments" in await harness.say("/status")


async def test_editing_a_refused_update_40_days_later_records_it_at_the_edit_time(
    harness: Harness,
) -> None:
    await seed_tracker(harness)
    sent_at = harness.clock.now
    assert "payments" in await harness.say("/update paymnts 100", sender=BUDI, message_id=601)
    harness.clock.advance(days=40)
    await harness.say(
        "/update payments 30", sender=BUDI, message_id=601, edited=True, when=sent_at
    )
    (report,) = harness.reports()
    assert report.percent == 30
    assert report.created_at == harness.clock.now  # the edit's time, not the message's
    assert report.recorded_at == harness.clock.now


async def test_editing_an_old_message_after_the_group_moved_changes_neither_tracker(
    harness: Harness,
) -> None:
    await seed_tracker(harness)
    await harness.say("/update payments 60", sender=BUDI, message_id=602)
    await harness.say("/setup other-b 2024-06-01 Other", sender=OPERATOR)
    await harness.say("/workstream add payments Payments", sender=OPERATOR)
    await harness.say(f"/grant {BUDI.id} reporter", sender=OPERATOR)
    harness.clock.advance(minutes=5)
    reply = await harness.say("/update payments 70", sender=BUDI, message_id=602, edited=True)
    assert "belongs to TikTok Shop → Tokopedia" in reply
    assert "now follows Other" in reply
    (only,) = harness.reports()
    assert (only.percent, only.retracted_at, only.tracker_id) == (60, None, 1)


async def test_editing_after_48_hours_is_refused_with_what_to_do_instead(
    harness: Harness,
) -> None:
    await seed_tracker(harness)
    sent_at = harness.clock.now
    await harness.say("/update payments 60", sender=BUDI, message_id=603)
    harness.clock.advance(hours=49)
    reply = await harness.say(
        "/update payments 70", sender=BUDI, message_id=603, edited=True, when=sent_at
    )
    assert "for 48 hours" in reply
    assert "Send a new /update payments 70" in reply
    assert [(r.percent, r.retracted_at) for r in harness.reports()] == [(60, None)]


async def test_two_edits_within_one_second_are_two_revisions(harness: Harness) -> None:
    await seed_tracker(harness)
    sent_at = harness.clock.now
    await harness.say("/update payments 60", sender=BUDI, message_id=604)
    harness.clock.advance(minutes=2)
    for percent in (65, 70):
        reply = await harness.say(
            f"/update payments {percent}", sender=BUDI, message_id=604, edited=True, when=sent_at
        )
        assert f"→ {percent}%" in reply
    reports = harness.reports()
    assert [(r.percent, r.revision, r.retracted_at is None) for r in reports] == [
        (60, 0, False),
        (65, 1, False),
        (70, 2, True),
    ]
    assert reports[2].corrects_id == reports[1].id
    assert reports[1].retracted_by == BUDI.id
    assert "70% Payments" in await harness.say("/status")


async def test_every_report_keeps_when_it_was_true_and_when_it_was_received(
    harness: Harness,
) -> None:
    await seed_tracker(harness)
    sent_at = harness.clock.now
    harness.clock.advance(seconds=30)  # Pantau receives it a little after it was sent
    await harness.say("/update payments 60", sender=BUDI, when=sent_at)
    (report,) = harness.reports()
    assert report.created_at == sent_at
    assert report.recorded_at == harness.clock.now


# --- roles end everywhere ------------------------------------------------------------------


async def _private_digest_for_ayu(h: Harness) -> ChatRef:
    await seed_tracker(h)
    ayu = ChatRef(ADMIN.id)
    await h.say("/setup tiktok-tokopedia", sender=ADMIN, chat=ayu)
    await h.say("/schedule daily 08:00", sender=ADMIN, chat=ayu)
    assert len(h.jobs.get_jobs_by_name(f"digest:{ADMIN.id}")) == 1
    return ayu


async def test_revoke_removes_the_private_chat_link_and_its_schedule(harness: Harness) -> None:
    ayu = await _private_digest_for_ayu(harness)
    reply = await harness.say(f"/revoke {ADMIN.id}", sender=OPERATOR)
    assert "private chat no longer follows" in reply
    assert ADMIN.id not in _links(harness)
    assert harness.jobs.get_jobs_by_name(f"digest:{ADMIN.id}") == ()
    assert harness.jobs.get_jobs_by_name(f"reminders:{ADMIN.id}") == ()
    assert "not a member" in await harness.say("/history payments", sender=ADMIN, chat=ayu)


async def test_demotion_by_grant_removes_the_private_chat_link(harness: Harness) -> None:
    await _private_digest_for_ayu(harness)
    reply = await harness.say(f"/grant {ADMIN.id} reporter", sender=OPERATOR)
    assert "private chat no longer follows" in reply
    assert ADMIN.id not in _links(harness)
    assert harness.jobs.get_jobs_by_name(f"digest:{ADMIN.id}") == ()


async def test_last_admin_cannot_demote_self_via_grant(open_harness: Harness) -> None:
    h = open_harness
    await _open_story(h)
    reply = await h.say(f"/grant {ADMIN.id} reporter", sender=ADMIN)
    assert "Ayu Lestari is the last admin" in reply
    assert (1, ADMIN.id, "admin") in _members(h)
    assert "last admin" in await h.say(f"/revoke {ADMIN.id}", sender=ADMIN)


@pytest.mark.postgres
def test_two_admins_revoking_each_other_at_once_leave_one_admin_on_postgresql(
    postgres_url: str,
) -> None:
    """Two sessions on PostgreSQL: the first revokes B and holds its transaction open; the
    second, revoking A, must wait for it and then refuse (the last admin stays)."""
    engine = make_engine(postgres_url)
    upgrade(engine)
    now = datetime(2024, 2, 23, tzinfo=UTC)
    with session_scope(engine) as session:
        tracker = tracker_store.create_tracker(
            session,
            key="t",
            title="T",
            deadline=now.date(),
            timezone="UTC",
            created_by=None,
            now=now,
        )
        assert tracker.id is not None
        tracker_id = tracker.id
        for admin in (1, 2):
            member_store.set_role(session, tracker_id=tracker_id, user_id=admin, role=Role.ADMIN)

    def revoke(session: Session, user_id: int) -> None:
        """What /revoke does in its transaction, in that order."""
        tracker = tracker_store.get_tracker_by_id(session, tracker_id=tracker_id)
        assert tracker is not None
        keep_an_admin(session, tracker, user_id, "x")
        member_store.remove_member(session, tracker_id=tracker_id, user_id=user_id)

    outcome: list[str] = []

    def second() -> None:
        try:
            with session_scope(engine) as session:
                revoke(session, 1)
            outcome.append("revoked")
        except UserError as exc:
            outcome.append(exc.key)

    with session_scope(engine) as first:
        revoke(first, 2)
        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(0.5)
        assert thread.is_alive(), "the second revoke must wait for the first one's lock"
    thread.join(timeout=10)
    assert outcome == ["last_admin"]
    with session_scope(engine, readonly=True) as session:
        assert member_store.admin_ids(session, tracker_id=tracker_id) == [1]
    engine.dispose()


def _at_once(
    engine: Engine, first: Callable[[Session], object], second: Callable[[Session], object]
) -> list[str]:
    """Run ``first`` in a transaction held open while ``second`` starts in another session;
    the second must wait for the first's commit. What the second ended with."""
    outcome: list[str] = []

    def run_second() -> None:
        try:
            with session_scope(engine) as session:
                second(session)
            outcome.append("done")
        except Exception as exc:  # noqa: BLE001 — the test reports what went wrong
            outcome.append(repr(exc)[:300])

    with session_scope(engine) as session:
        first(session)
        thread = threading.Thread(target=run_second)
        thread.start()
        time.sleep(0.5)
        assert thread.is_alive(), "the second must wait for the first one's lock"
    thread.join(timeout=10)
    return outcome


async def _postgres_story(postgres_url: str, settings: Settings, clock: Clock) -> Harness:
    engine = make_engine(postgres_url)
    upgrade(engine)
    app = build_application(settings, request=OfflineBotAPI(clock), engine=engine, clock=clock)
    await app.initialize()
    h = Harness(app, cast(OfflineBotAPI, app.bot.request), engine, clock)
    await seed_tracker(h)
    return h


def _edit(h: Harness, text: str, message_id: int, *, edited: bool = True) -> tuple[Any, Any]:
    update = h.factory.message(text, sender=BUDI, chat=STAFF, message_id=message_id, edited=edited)
    caller = caller_of(update, BY_NAME["update"])
    return caller, parse_update(caller.rest)


@pytest.mark.postgres
async def test_two_edits_of_one_message_at_once_are_two_revisions_on_postgresql(
    postgres_url: str, settings: Settings, clock: Clock
) -> None:
    """Two sessions on PostgreSQL: the first edit holds its transaction open; the second
    waits, then corrects the first's revision (no unique-key conflict, nothing dropped)."""
    h = await _postgres_story(postgres_url, settings, clock)
    try:
        await h.say("/update payments 60", sender=BUDI, message_id=600)
        clock.advance(minutes=1)
        one, one_args = _edit(h, "/update payments 65", 600)
        two, two_args = _edit(h, "/update payments 70", 600)
        outcome = _at_once(
            h.engine,
            lambda s: record_correction(s, settings, one, one_args, clock.now),
            lambda s: record_correction(s, settings, two, two_args, clock.now),
        )
        assert outcome == ["done"]
        rows = [(r.revision, r.percent, r.retracted_at is None) for r in h.reports()]
        assert rows[-3:] == [(0, 60, False), (1, 65, False), (2, 70, True)]
        assert "70% Payments" in await h.say("/status")
    finally:
        await h.app.shutdown()
        h.engine.dispose()


@pytest.mark.postgres
async def test_an_edit_racing_its_own_update_corrects_it_on_postgresql(
    postgres_url: str, settings: Settings, clock: Clock
) -> None:
    """The /update and an edit of it handled at once: the edit waits and corrects the report
    (one counted report), rather than recording a second one beside it."""
    h = await _postgres_story(postgres_url, settings, clock)
    try:
        sent, sent_args = _edit(h, "/update payments 50", 700, edited=False)
        edit, edit_args = _edit(h, "/update payments 55", 700)
        outcome = _at_once(
            h.engine,
            lambda s: record_report(s, settings, sent, sent_args, clock.now),
            lambda s: record_correction(s, settings, edit, edit_args, clock.now),
        )
        assert outcome == ["done"]
        counting = [(r.revision, r.percent) for r in h.reports() if r.retracted_at is None]
        assert counting == [(1, 55)]
    finally:
        await h.app.shutdown()
        h.engine.dispose()


# --- strangers learn nothing ---------------------------------------------------------------


async def test_key_probing_gets_the_same_answer_for_an_existing_and_a_missing_key(
    harness: Harness,
) -> None:
    await seed_tracker(harness)
    existing = await harness.say("/setup tiktok-tokopedia", sender=DEWI, chat=ELSEWHERE)
    missing = await harness.say("/setup no-such-key", sender=DEWI, chat=ELSEWHERE)
    assert existing.replace("tiktok-tokopedia", "KEY") == missing.replace("no-such-key", "KEY")
    for leak in ("TikTok Shop", "Ayu", "ayu_pantau", "Oscar"):
        assert leak not in existing
    dated = await harness.say("/setup no-such-key 2024-05-01", sender=DEWI, chat=ELSEWHERE)
    assert dated == missing
    assert existing.replace("tiktok-tokopedia", "KEY") == (
        await harness.say("/archive no-such-key", sender=DEWI)
    ).replace("no-such-key", "KEY")
    assert ELSEWHERE.id not in _links(harness)


async def test_key_probing_in_the_default_deployment_reveals_no_title_or_admins(
    open_harness: Harness,
) -> None:
    h = open_harness
    await _open_story(h)
    reply = await h.say("/setup tiktok-tokopedia", sender=DEWI, chat=ELSEWHERE)
    assert "no tracker tiktok-tokopedia that you administer" in reply
    for leak in ("TikTok Shop", "Ayu", "ayu_pantau"):
        assert leak not in reply


async def test_admins_names_are_shown_only_to_members(harness: Harness) -> None:
    await seed_tracker(harness)
    stranger = await harness.say("/export", sender=DEWI)
    assert "Ayu" not in stranger
    assert "ayu_pantau" not in stranger
    assert "Ask its admins" in stranger
    member = await harness.say("/export", sender=SARI)
    assert "Ayu Lestari (@ayu_pantau)" in member


async def test_report_rows_record_who_undid_them(harness: Harness) -> None:
    await seed_tracker(harness)
    await harness.say("/update payments 60", sender=BUDI)
    harness.clock.advance(minutes=1)
    await harness.say("/undo", sender=BUDI)
    with session_scope(harness.engine, readonly=True) as session:
        report = session.exec(select(Report)).one()
    assert (report.retracted_by, report.retracted_at) == (BUDI.id, harness.clock.now)


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


def test_migration_0006_backfills_recorded_at_from_created_at(db_url: str) -> None:
    """A database from before 0006 keeps its reports; each was received when it was made."""
    from sqlalchemy import text

    engine = make_engine(db_url)
    upgrade(engine, "0005")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO tracker (id, key, title, deadline, timezone, created_at, quiet_days)"
                " VALUES (1, 't', 'T', '2024-04-12', 'UTC', '2024-02-01 00:00:00', 7)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO workstream (id, tracker_id, key, title, weight, archived, position)"
                " VALUES (1, 1, 'w', 'W', 1, false, 0)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO report (tracker_id, workstream_id, percent, reporter_id,"
                " reporter_name, chat_id, message_id, created_at, revision)"
                " VALUES (1, 1, 40, 5, 'R', -1, 1, '2024-02-20 03:04:05', 0)"
            )
        )
    upgrade(engine)
    with session_scope(engine, readonly=True) as session:
        report = session.exec(select(Report)).one()
        tracker = session.exec(select(Tracker)).one()
    engine.dispose()
    assert report.recorded_at == report.created_at == datetime(2024, 2, 20, 3, 4, 5, tzinfo=UTC)
    assert report.retracted_by is None
    assert tracker.archived_at is None


async def test_help_in_a_private_chat_of_someone_in_two_trackers_names_them(
    harness: Harness,
) -> None:
    await seed_tracker(harness)
    await harness.say("/setup other-b 2024-06-01 Other", sender=OPERATOR, chat=ELSEWHERE)
    await harness.say(f"/grant {BUDI.id} reporter", sender=OPERATOR, chat=ELSEWHERE)
    reply = await harness.say("/help", sender=BUDI, chat=ChatRef(BUDI.id))
    assert "You belong to 2 trackers (other-b, tiktok-tokopedia)" in reply
    assert "not a member" not in reply


async def test_a_channel_post_command_gets_the_one_line_answer_and_nothing_else(
    harness: Harness,
) -> None:
    from telegram import Update

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
    assert [m.text for m in harness.api.take()] == [
        "🙅 Send this as yourself, not anonymously or as a channel."
    ]
    assert A_CHANNEL.id not in _links(harness)


async def test_changing_the_language_of_an_unlinked_group_says_how_its_admins_can(
    harness: Harness,
) -> None:
    await seed_tracker(harness)
    reply = await harness.say("/lang id", sender=ADMIN, chat=ELSEWHERE)
    assert reply == (
        "Only the bot's operators can do that in a chat that follows no tracker. Once an admin"
        " links it with /setup <key>, the tracker's admins can."
    )
    assert "English" in await harness.say("/lang", sender=ADMIN, chat=ELSEWHERE)
