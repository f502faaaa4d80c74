"""Faults and bad input: fuzzed commands and messages, concurrent writers, a broken database."""

from __future__ import annotations

import asyncio
import logging
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event
from sqlmodel import select
from telegram import Update

from bot.app import build_application
from bot.config import Settings
from bot.offline import ChatRef, OfflineBotAPI, Person, SentMessage, UpdateFactory
from domain.errors import UserError
from domain.i18n import LANGUAGES
from domain.parsing import (
    parse_deadline,
    parse_export,
    parse_grant,
    parse_history,
    parse_lang,
    parse_revoke,
    parse_setup,
    parse_status,
    parse_update,
    parse_workstream,
)
from domain.schedule import parse_quiet, parse_schedule
from storage.db import make_engine, session_scope
from storage.migrate import upgrade
from storage.models import Report
from tests.helpers import (
    BUDI,
    OPERATOR,
    STAFF,
    TEST_TOKEN,
    Clock,
    Harness,
    flush,
    make_settings,
    run_pantau,
    seed_tracker,
)
from tests.telegram_html import html_problem, visible_length

COMMANDS = [
    "start", "help", "status", "history", "workstreams", "deadline", "digest", "chart",
    "update", "undo", "setup", "workstream", "grant", "revoke", "schedule", "quiet",
    "export", "lang", "nonsense",
]  # fmt: skip
PARSERS: list[Callable[[str], object]] = [
    parse_update,
    parse_setup,
    parse_workstream,
    parse_history,
    parse_status,
    parse_deadline,
    parse_lang,
    parse_export,
    parse_schedule,
    parse_quiet,
    lambda text: parse_grant(text, None),
    lambda text: parse_grant(text, 42),
    lambda text: parse_revoke(text, None),
    lambda text: parse_revoke(text, 42),
]


def assert_valid_reply(html: str) -> None:
    assert html_problem(html) is None, (html_problem(html), html)
    assert visible_length(html) <= 4096


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_every_parser_accepts_or_refuses_arbitrary_text_with_a_valid_reply(text: str) -> None:
    for parser in PARSERS:
        try:
            parser(text)
        except UserError as refused:
            for lang in LANGUAGES:
                assert_valid_reply(refused.render(lang))


class FuzzBot:
    """One application on its own event loop, shared by every example of a fuzz test."""

    def __init__(self, tmp: Path, migrated: Path) -> None:
        shutil.copy(migrated, tmp / "fuzz.db")  # the session's migrated database
        self.settings = make_settings(f"sqlite:///{tmp / 'fuzz.db'}")
        self.engine = make_engine(self.settings.database_url)
        self.clock = Clock()
        self.api = OfflineBotAPI(self.clock)
        self.app = build_application(
            self.settings, request=self.api, engine=self.engine, clock=self.clock
        )
        self.loop = asyncio.new_event_loop()
        self.loop.run_until_complete(self.app.initialize())
        self.harness = Harness(self.app, self.api, self.engine, self.clock)
        self.loop.run_until_complete(seed_tracker(self.harness))
        self.errors: list[logging.LogRecord] = []
        self.handler = _Collect(self.errors)
        logging.getLogger().addHandler(self.handler)

    def send(self, data: dict[str, Any]) -> list[SentMessage]:
        self.api.take()
        update = Update.de_json(data, self.app.bot)
        assert update is not None
        self.loop.run_until_complete(self.app.process_update(update))
        self.loop.run_until_complete(flush(self.app))
        return self.api.take()

    def close(self) -> None:
        logging.getLogger().removeHandler(self.handler)
        self.loop.run_until_complete(self.app.shutdown())
        self.loop.close()
        self.engine.dispose()


class _Collect(logging.Handler):
    def __init__(self, into: list[logging.LogRecord]) -> None:
        super().__init__(logging.ERROR)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(record)


@pytest.fixture(scope="module")
def fuzz_bot(tmp_path_factory: pytest.TempPathFactory, migrated_sqlite: Path) -> Iterator[FuzzBot]:
    bot = FuzzBot(tmp_path_factory.mktemp("fuzz"), migrated_sqlite)
    yield bot
    bot.close()


entity_types = st.sampled_from(["bold", "italic", "code", "url", "mention", "bot_command"])
commands = st.builds(
    lambda name, bot, args: f"/{name}{bot} {args}",
    st.sampled_from(COMMANDS),
    st.sampled_from(["", "@PantauBot", "@OtherBot"]),
    st.text(max_size=300),
)


@st.composite
def messages(draw: st.DrawFn) -> dict[str, Any]:
    text = draw(st.one_of(commands, st.text(max_size=400)))
    sender = draw(st.sampled_from([OPERATOR, BUDI, Person(5555, "Zed", None, None)]))
    chat = draw(st.sampled_from([STAFF, ChatRef(sender.id), ChatRef(-1007777, "Other")]))
    message: dict[str, Any] = {
        "message_id": draw(st.integers(1, 2**40)),
        "date": 1708653600,
        "chat": chat.as_json(sender),
        "from": sender.as_json(),
    }
    if draw(st.booleans()):
        message["caption"] = text  # a photo's caption is not a command
        message["photo"] = [{"file_id": "x", "file_unique_id": "x", "width": 1, "height": 1}]
    else:
        message["text"] = text
    entities = []
    if text.startswith("/") and draw(st.booleans()):
        entities.append({"type": "bot_command", "offset": 0, "length": len(text.split(" ")[0])})
    for _ in range(draw(st.integers(0, 3))):
        offset = draw(st.integers(0, max(len(text), 1)))
        entities.append(
            {"type": draw(entity_types), "offset": offset, "length": draw(st.integers(1, 20))}
        )
    if entities:
        message["entities" if "text" in message else "caption_entities"] = entities
    kind = "edited_message" if draw(st.integers(0, 9)) == 0 else "message"
    if kind == "edited_message":
        message["edit_date"] = 1708653700
    return {"update_id": draw(st.integers(1, 2**31)), kind: message}


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(data=messages())
def test_any_message_gets_valid_html_replies_and_never_an_unhandled_error(
    fuzz_bot: FuzzBot, data: dict[str, Any]
) -> None:
    fuzz_bot.errors.clear()
    sent = fuzz_bot.send(data)
    assert fuzz_bot.errors == [], [r.getMessage() for r in fuzz_bot.errors]
    for message in sent:
        assert_valid_reply(message.html)
        assert "Sorry, something went wrong" not in message.text


# --- concurrency ------------------------------------------------------------------------------


async def test_50_concurrent_writers_on_one_sqlite_file_all_recorded(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    busy = settings.model_copy(update={"pantau_concurrent_updates": 50})
    engine = make_engine(busy.database_url)
    upgrade(engine)
    api = OfflineBotAPI()
    app = build_application(busy, request=api, engine=engine)
    people = [Person(3000 + n, f"Staff{n}") for n in range(50)]
    async with app:
        harness = Harness(app, api, engine, Clock())
        await seed_tracker(harness)
        for person in people:
            await harness.say(f"/grant {person.id} reporter")
        api.take()
        factory = UpdateFactory(app.bot)
        with caplog.at_level(logging.INFO):
            await app.start()
            for n, person in enumerate(people):
                await app.update_queue.put(
                    factory.message(f"/update payments {n + 1}", sender=person, chat=STAFF)
                )
            for _ in range(500):
                if len(api.sent) >= 50:
                    break
                await asyncio.sleep(0.02)
            await app.stop()
    with session_scope(engine, readonly=True) as session:
        count = len(session.exec(select(Report)).all())
    engine.dispose()
    assert count == 50
    assert len(api.sent) == 50
    assert "locked" not in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# --- the token --------------------------------------------------------------------------------


async def test_token_never_in_debug_logs_error_replies_or_reprs(
    harness: Harness, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storage import reports as report_store

    with caplog.at_level(logging.DEBUG):
        assert harness.app.post_init is not None
        await harness.app.post_init(harness.app)
        await seed_tracker(harness)
        await harness.say("/update payments 50", sender=BUDI)
        await harness.say("/update payments 500", sender=BUDI)

        def broken(*_args: object, **_kwargs: object) -> None:
            raise RuntimeError("boom")

        monkeypatch.setattr(report_store, "insert_report", broken)
        apology = await harness.say("/update payments 60", sender=BUDI)
    secret = TEST_TOKEN.split(":")[1]
    assert secret not in caplog.text
    for record in caplog.records:
        assert secret not in record.getMessage()
        assert secret not in repr(record.args)
    assert secret not in apology
    assert secret not in repr(harness.app.bot_data.settings)
    assert secret not in str(harness.app.bot_data.settings.model_dump())


# --- a broken database ------------------------------------------------------------------------


@pytest.mark.parametrize("command", [("db", "upgrade"), ("run",)])
def test_corrupt_database_file_gives_one_clear_error_at_start(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    db = tmp_path / "pantau.db"
    db.write_bytes(b"this is not a database, it is a spreadsheet someone saved here" * 100)
    before = db.read_bytes()
    result = run_pantau(
        tmp_path, *command, DATABASE_URL=f"sqlite:///{db}", TELEGRAM_BOT_TOKEN=TEST_TOKEN
    )
    assert result.returncode == 2
    assert "cannot use the database" in result.stderr
    assert "file is not a database" in result.stderr
    assert "Traceback" not in result.stderr
    assert db.read_bytes() == before  # nothing written


async def _broken_app(
    settings: Settings, url: str, clock: Clock, tweak: Any = None
) -> tuple[Any, OfflineBotAPI, Any]:
    engine = make_engine(url)
    if tweak is not None:
        tweak(engine)
    api = OfflineBotAPI(clock)
    app = build_application(settings, request=api, engine=engine, clock=clock)
    await app.initialize()
    return app, api, engine


def _count(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute("SELECT count(*) FROM report").fetchone()[0])


async def _prepared(harness: Harness) -> Path:
    await seed_tracker(harness)
    await harness.say("/update payments 40", sender=BUDI)
    url = str(harness.engine.url)
    return Path(url.removeprefix("sqlite:///"))


@pytest.mark.sqlite_only
@pytest.mark.parametrize("fault", ["read-only", "disk-full", "locked"])
async def test_a_failing_write_gets_an_apology_writes_nothing_and_the_bot_goes_on(
    harness: Harness, settings: Settings, caplog: pytest.LogCaptureFixture, fault: str
) -> None:
    path = await _prepared(harness)
    url, tweak, holder = f"sqlite:///{path}", None, None
    if fault == "read-only":
        url = f"sqlite:///file:{path}?mode=ro&uri=true"
    elif fault == "disk-full":

        def tweak(engine: Any) -> None:  # every write fails as SQLite fails on a full disk
            def refuse(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
                if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
                    raise sqlite3.OperationalError("database or disk is full")

            event.listen(engine, "before_cursor_execute", refuse)

    else:
        url = f"sqlite:///{path}?timeout=0.2"
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
    app, api, engine = await _broken_app(settings, url, harness.clock, tweak)
    factory = UpdateFactory(app.bot, harness.clock)
    try:
        with caplog.at_level(logging.INFO):
            for n in range(3):  # every write fails; never a loop, never a crash
                if fault != "locked":
                    harness.clock.advance(minutes=1)
                await app.process_update(
                    factory.message(
                        f"/update payments {90 + n} lots of text " * 20, sender=BUDI, chat=STAFF
                    )
                )
        await flush(app)
        replies = api.take()
        assert len(replies) == 3
        assert all("Sorry, something went wrong" in r.text for r in replies)
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert len(errors) == 3
        if holder is None:  # reading still works: the bot keeps answering
            await app.process_update(factory.message("/status", sender=BUDI, chat=STAFF))
            await flush(app)
            assert "overall" in api.take()[0].text
    finally:
        if holder is not None:
            holder.execute("ROLLBACK")
            holder.close()
        await app.shutdown()
        engine.dispose()
    assert _count(path) == 1  # the report from before, nothing half-written
    assert "Payments: 55%" in await harness.say("/update payments 55", sender=BUDI)
    assert _count(path) == 2
