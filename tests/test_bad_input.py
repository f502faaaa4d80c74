"""Every bad input gets a specific reply, changes nothing, and logs INFO without traceback."""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from bot.config import Settings
from bot.offline import ChatRef
from storage import reports as report_store
from storage.db import is_sqlite, make_engine, session_scope
from storage.models import Member, Tracker, Workstream
from tests.helpers import (
    ADMIN,
    BUDI,
    DEWI,
    ELSEWHERE,
    OPERATOR,
    SARI,
    Clock,
    Harness,
    assert_trail_intact,
    running_app,
    seed_tracker,
)


def _state(h: Harness) -> tuple[object, ...]:
    """Everything a bad command could have changed."""
    with session_scope(h.engine, readonly=True) as session:
        trackers = [(t.key, t.deadline, t.title) for t in session.exec(select(Tracker)).all()]
        workstreams = [
            (w.key, w.weight, w.archived, w.title) for w in session.exec(select(Workstream)).all()
        ]
        members = [(m.user_id, m.role) for m in session.exec(select(Member)).all()]
    return (trackers, workstreams, members, [(r.id, r.retracted_at) for r in h.reports()])


BAD_INPUTS = [
    # (command, sender, expected words in the reply)
    # A bare /update answers with buttons (tests/test_checkins.py), not with the usage.
    ("/update payments", BUDI, "Tell me the workstream and the percentage"),
    ("/update payments abc", BUDI, "abc is not a percentage: use a whole number from 0 to 100"),
    ("/update payments -5", BUDI, "-5 is not a percentage"),
    ("/update payments 101", BUDI, "101 is not a percentage"),
    ("/update payments 70.5", BUDI, "70.5 is not a percentage"),
    ("/update payments 7O", BUDI, "7O is not a percentage"),
    ("/update paymnets 50", BUDI, "has no workstream paymnets. Did you mean payments?"),
    ("/update marketing 50", BUDI, "has no workstream marketing. Workstreams: payments, sellers"),
    ("/update Payments! 50", BUDI, "is not a valid key"),
    (
        "/update payments 50 " + "x" * 1001,
        BUDI,
        "Your note has 1,001 characters; the limit is 1,000",
    ),
    ("/update payments 50", DEWI, "Only reporters and admins of TikTok Shop → Tokopedia"),
    ("/update payments 50", DEWI, "Ask its admins to /grant"),
    ("/undo now", BUDI, "/undo takes no arguments"),
    ("/undo", DEWI, "Only reporters and admins"),
    ("/history", BUDI, "Name the workstream: /history <workstream> [n]"),
    ("/history payments 0", BUDI, "must be a whole number from 1 to 50"),
    ("/history payments 51", BUDI, "must be a whole number from 1 to 50"),
    ("/history payments all", BUDI, "must be a whole number from 1 to 50"),
    ("/history payments 5 6", BUDI, "Type /history <workstream> [n]"),
    ("/history pay", BUDI, "Did you mean payments?"),
    ("/status payments sellers", BUDI, "Type /status or /status <workstream>"),
    ("/status selers", BUDI, "Did you mean sellers?"),
    ("/deadline 2024-4-12", ADMIN, "2024-4-12 is not a date: write it as YYYY-MM-DD"),
    ("/deadline 2024-02-30", ADMIN, "2024-02-30 is not a real date"),
    ("/deadline tomorrow", ADMIN, "tomorrow is not a date"),
    ("/deadline 2024-05-01 2024-06-01", ADMIN, "Type /deadline or /deadline YYYY-MM-DD"),
    ("/deadline 2024-05-01", BUDI, "Only admins of TikTok Shop → Tokopedia can do that"),
    ("/setup", ADMIN, "Name the tracker: /setup <key>"),
    ("/setup new-one", OPERATOR, "A new tracker needs a deadline: /setup new-one YYYY-MM-DD"),
    ("/setup new-one 2024-13-01", OPERATOR, "2024-13-01 is not a real date"),
    ("/setup new-one 2024-05-01", ADMIN, "New trackers are created by the bot's operators"),
    ("/setup tiktok-tokopedia 2024-05-01", BUDI, "Only admins of TikTok Shop → Tokopedia"),
    ("/setup Bad_Key! 2024-05-01", OPERATOR, "is not a valid key"),
    ("/workstream", ADMIN, "Type /workstream add <key> [weight=N] [title]"),
    ("/workstream rename payments", ADMIN, "Type /workstream add <key>"),
    ("/workstream add", ADMIN, "Type /workstream add <key>"),
    ("/workstream add legal weight=0", ADMIN, "weight=0: the weight must be a number above 0"),
    ("/workstream add legal weight=-1", ADMIN, "the weight must be a number above 0"),
    ("/workstream add legal weight=abc", ADMIN, "the weight must be a number above 0"),
    ("/workstream add legal weight=nan", ADMIN, "the weight must be a number above 0"),
    ("/workstream remove legal", ADMIN, "has no workstream legal"),
    ("/workstream remove payments now", ADMIN, "Too many words"),
    ("/workstream add legal", BUDI, "Only admins"),
    ("/grant", ADMIN, "Type /grant <@username | user-id> <reporter | admin>"),
    ("/grant @budi_s", ADMIN, "Type /grant"),
    ("/grant @budi_s boss", ADMIN, "boss is not a role: use reporter or admin"),
    ("/grant budi reporter", ADMIN, "budi is not a @username or a numeric user id"),
    ("/grant @nobody_here reporter", ADMIN, "I don't know @nobody_here yet"),
    ("/grant @dewi_a admin", BUDI, "Only admins"),
    ("/revoke", ADMIN, "Type /revoke <@username | user-id>"),
    ("/revoke @nobody_here", ADMIN, "I don't know @nobody_here yet"),
    ("/revoke @dewi_a", ADMIN, "Dewi has no role in"),
    ("/workstreams all", BUDI, "/workstreams takes no arguments"),
]


async def tell_story(h: Harness) -> None:
    await seed_tracker(h)
    await h.say("/update payments 40", sender=BUDI)


@pytest.fixture(scope="module")
def story_file(
    tmp_path_factory: pytest.TempPathFactory, migrated_sqlite: Path, test_settings: Settings
) -> Path:
    """A SQLite database on which the story was told through the application, made once for
    the module; its audit trail verifies."""
    path = tmp_path_factory.mktemp("story") / "pantau.db"
    shutil.copy(migrated_sqlite, path)
    settings = test_settings.model_copy(update={"database_url": f"sqlite:///{path}"})
    engine = make_engine(settings.database_url)

    async def tell() -> None:
        async with running_app(settings, engine, Clock()) as h:
            await tell_story(h)

    asyncio.run(tell())
    assert_trail_intact(engine)
    engine.dispose()  # the last connection closes: the -wal is moved into the file
    return path


@pytest.fixture
async def story(
    db_url: str, settings: Settings, engine: Engine, clock: Clock, story_file: Path
) -> AsyncIterator[Harness]:
    """The harness on the story: on SQLite a copy of ``story_file`` (telling it again for
    each of some fifty cases was most of their time), on PostgreSQL told here."""
    if is_sqlite(db_url):
        engine.dispose()
        shutil.copy(story_file, db_url.removeprefix("sqlite:///"))
    async with running_app(settings, engine, clock) as h:
        if not is_sqlite(db_url):
            await tell_story(h)
        yield h


@pytest.mark.parametrize(("text", "sender", "expected"), BAD_INPUTS)
async def test_bad_input_gets_specific_reply_and_changes_nothing(
    story: Harness,
    caplog: pytest.LogCaptureFixture,
    text: str,
    sender: object,
    expected: str,
) -> None:
    before = _state(story)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        reply = await story.say(text, sender=sender)  # type: ignore[arg-type]
    assert expected in reply
    assert len(reply.splitlines()) <= 2
    assert _state(story) == before
    refusals = [r for r in caplog.records if r.getMessage().startswith("refused")]
    assert len(refusals) == 1
    assert refusals[0].levelno == logging.INFO
    assert refusals[0].exc_info is None


async def test_unlinked_group_is_told_how_to_link(harness: Harness) -> None:
    await seed_tracker(harness)
    for command in ("/status", "/update payments 10", "/history payments", "/workstreams"):
        reply = await harness.say(command, sender=BUDI, chat=ELSEWHERE)
        assert "This chat is not linked to a tracker yet" in reply
        assert "/setup <tracker-key>" in reply
    assert harness.reports() == []


async def test_private_chat_of_a_stranger_says_what_to_do(harness: Harness) -> None:
    await seed_tracker(harness)
    reply = await harness.say("/update payments 10", sender=DEWI, chat=ChatRef(DEWI.id))
    assert "You are not a member of any tracker yet" in reply


async def test_private_chat_with_two_trackers_asks_for_the_group(harness: Harness) -> None:
    await seed_tracker(harness)
    await harness.say("/setup other-one 2024-06-01", sender=OPERATOR, chat=ELSEWHERE)
    await harness.say(f"/grant {SARI.id} reporter", sender=OPERATOR, chat=ELSEWHERE)
    reply = await harness.say("/status", sender=SARI, chat=ChatRef(SARI.id))
    assert "You belong to 2 trackers (other-one, tiktok-tokopedia)" in reply


async def test_unknown_command_in_private_chat_points_to_help(harness: Harness) -> None:
    reply = await harness.say("/frobnicate", sender=DEWI, chat=ChatRef(DEWI.id))
    assert reply == "I don't know /frobnicate. Send /help to see what you can do here."
    assert await harness.say("/frobnicate", sender=DEWI) == ""  # groups: other bots' commands


async def test_unexpected_error_apologises_logs_traceback_and_bot_keeps_running(
    harness: Harness, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed_tracker(harness)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(report_store, "insert_report", broken)
    with caplog.at_level(logging.INFO):
        reply = await harness.say("/update payments 10", sender=BUDI)
    assert reply.startswith("😔 Sorry, something went wrong on my side")
    assert "disk on fire" not in reply
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert errors
    assert errors[0].exc_info is not None
    monkeypatch.undo()
    assert "Payments: 20%" in await harness.say("/update payments 20", sender=BUDI)
    assert [r.percent for r in harness.reports()] == [20]


async def test_a_message_marked_as_a_command_with_no_command_gets_the_help_pointer(
    harness: Harness,
) -> None:
    from telegram import Update

    data = harness.factory.message("/x", sender=DEWI, chat=ChatRef(DEWI.id)).to_dict()
    data["message"]["text"] = ""
    update = Update.de_json(data, harness.app.bot)
    assert update is not None
    harness.api.take()
    await harness.app.process_update(update)
    await harness.flush()
    (reply,) = harness.api.take()
    assert "Send /help to see what you can do here" in reply.text
