"""The permission matrix: every command of the table × every role × every kind of place,
through the real application. Expectations are computed from the table itself, so the test
fails as soon as behaviour and table disagree (or a command has no sample here).
"""

from __future__ import annotations

import asyncio
import html
import logging
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import col, select

import domain.chart
from bot.access import Command, Place, Rank, help_lines
from bot.commands import COMMANDS
from bot.config import Settings
from bot.offline import ChatRef, Person
from storage import chats as chat_store
from storage import trackers as tracker_store
from storage.db import make_engine, session_scope
from storage.migrate import upgrade
from storage.models import (
    ChatLink,
    ChatSetting,
    Member,
    Report,
    Tracker,
    TrackerEvent,
    Workstream,
)
from tests.helpers import (
    ADMIN,
    BUDI,
    DEWI,
    ELSEWHERE,
    OPERATOR,
    STAFF,
    Clock,
    assert_trail_intact,
    running_app,
    seed_tracker,
)

BORIS = Person(1010, "Boris", None, "boris_b")  # admin of the other tracker only
OTHER = ChatRef(-1005555, "Other team")  # a group linked to the other tracker

# Who asks, and their rank in the story's tracker (the one STAFF follows).
PEOPLE: dict[str, tuple[Person, Rank]] = {
    "no role": (DEWI, Rank.NONE),
    "reporter": (BUDI, Rank.REPORTER),
    "admin": (ADMIN, Rank.ADMIN),
    "operator": (OPERATOR, Rank.OPERATOR),
}
FOLLOWING = "private chat that follows the tracker"
PLACES = (
    "linked group",
    "unlinked group",
    "group linked to another tracker",
    "private chat",
    FOLLOWING,
)

# A valid invocation of each form of each command: (form, text). "use" is the bare form,
# "change" the argument-taking form, "edit" an edited message. Keys name the story's tracker.
# Most commands have only the bare form:
BARE: dict[str, str] = {
    "start": "/start",
    "help": "/help",
    "trackers": "/trackers",
    "status": "/status",
    "workstreams": "/workstreams",
    "history": "/history payments",
    "chart": "/chart",
    "digest": "/digest",
    "undo": "/undo",
    "setup": "/setup tiktok-tokopedia",
    "archive": "/archive tiktok-tokopedia",
    "restore": "/restore tiktok-tokopedia",
    "workstream": "/workstream add extra Extra",
    "grant": "/grant 1003 reporter",
    "revoke": "/revoke 1003",
    "export": "/export",
    "evidence": "/evidence payments",
    "verify": "/verify",
    "follow": "/follow tiktok-tokopedia",
    "unfollow": "/unfollow tiktok-tokopedia",
    "away": "/away 2024-03-04",
    "use": "/use tiktok-tokopedia",
}
SAMPLES: dict[str, tuple[tuple[str, str], ...]] = {
    **{name: (("use", text),) for name, text in BARE.items()},
    "deadline": (("use", "/deadline"), ("change", "/deadline 2024-05-01")),
    "schedule": (("use", "/schedule"), ("change", "/schedule mon 09:00")),
    "quiet": (("use", "/quiet"), ("change", "/quiet 5")),
    "lang": (("use", "/lang"), ("change", "/lang id")),
    "update": (("use", "/update payments 50"), ("edit", "/update payments 55")),
    "owner": (("use", "/owner payments"), ("change", "/owner payments @budi_s")),
    "checkin": (("use", "/checkin"), ("change", "/checkin weekdays 09:00")),
    "holidays": (("use", "/holidays"), ("change", "/holidays SG")),
}

# Refusals that mean "not you, not here" (any other refusal is about the input or the data).
DENIALS = {
    "need_role",
    "not_linked",
    "not_member",
    "many_trackers",
    "group_only",
    "only_operators",
    "key_refused",
    "tracker_archived",
    "private_only",
    "use_refused",
}


def place_and_rank(where: str, who: str) -> tuple[Place, Rank]:
    _person, rank_in_story = PEOPLE[who]
    operator = Rank.OPERATOR if who == "operator" else Rank.NONE
    if where == "linked group":
        return Place.LINKED, rank_in_story
    if where == "group linked to another tracker":
        return Place.LINKED, operator
    if where == "unlinked group":
        return Place.UNLINKED, operator
    if where == FOLLOWING:
        return Place.PRIVATE_LINKED, rank_in_story
    return Place.PRIVATE, rank_in_story


def expected_allowed(command: Command, form: str, where: str, who: str) -> bool:
    place, rank = place_and_rank(where, who)
    allowed = command.allows(place, rank, changing=form == "change")
    if allowed and command.key_rank is not None:  # the samples name the story's tracker
        allowed = PEOPLE[who][1] >= command.key_rank
    return allowed


def chat_of(where: str, person: Person) -> ChatRef:
    return {
        "linked group": STAFF,
        "unlinked group": ELSEWHERE,
        "group linked to another tracker": OTHER,
        "private chat": ChatRef(person.id),
        FOLLOWING: ChatRef(person.id),
    }[where]


def follow_privately(engine: Engine, person: Person) -> None:
    """Link the person's private chat to the story's tracker (as an earlier /setup there, or
    an import, would have)."""
    with session_scope(engine) as session:
        tracker = tracker_store.get_tracker(session, key="tiktok-tokopedia")
        assert tracker is not None
        assert tracker.id is not None
        chat_store.link_chat(session, chat_id=person.id, tracker_id=tracker.id, title=None)


@dataclass(frozen=True)
class Cells:
    """One database file and one engine for every cell of a module (the engine keeps its
    cache of compiled statements): each cell writes its starting file over the database, the
    seeded template or, in a private chat that follows the tracker, the template with that
    person's chat linked. The audit trail of each starting file verified when it was made."""

    path: Path
    engine: Engine
    settings: Settings
    starts: dict[tuple[str, int], bytes]  # (place, person id) -> the starting file

    def start(self, where: str, person: Person) -> bytes:
        return self.starts[(where, person.id)]

    def fresh(self, where: str, person: Person) -> Engine:
        """The data the cell ``where`` for ``person`` starts from."""
        self.engine.dispose()  # no connection keeps the previous cell's file open
        for suffix in ("-wal", "-shm"):
            self.path.with_name(self.path.name + suffix).unlink(missing_ok=True)
        self.path.write_bytes(self.start(where, person))
        return self.engine

    def changed(self, where: str, person: Person) -> bool:
        """After a cell: whether its data may differ from what it started from; if so, its
        audit trail must verify (asserted here). Closing the last connection moves what the
        -wal file holds into the database file and deletes it (no -wal left: nothing was
        kept back), so a file byte for byte its starting file holds the same rows, whose
        trail verified when that file was made (verification is a function of the rows)."""
        self.engine.dispose()
        wal = self.path.with_name(self.path.name + "-wal")
        if not wal.exists() and self.path.read_bytes() == self.start(where, person):
            return False
        assert_trail_intact(self.engine)
        return True


@contextmanager
def database(settings: Settings) -> Iterator[Engine]:
    """An engine of its own on ``settings``' database, whose audit trail verifies at the end."""
    engine = make_engine(settings.database_url)
    try:
        yield engine
        assert_trail_intact(engine)
    finally:
        engine.dispose()


def settings_for(base: Settings, path: Path) -> Settings:
    """``make_settings`` for ``path``, without reading the environment again (~800 cells)."""
    return base.model_copy(update={"database_url": f"sqlite:///{path}"})


async def _seed(settings: Settings) -> None:
    with database(settings) as engine:
        async with running_app(settings, engine, Clock()) as h:
            await seed_tracker(h)
            await h.say("/update payments 40", sender=BUDI)
            await h.say("/start", sender=BORIS, chat=ChatRef(BORIS.id))
            await h.say("/setup other-b 2024-06-01 Other tracker", sender=OPERATOR, chat=OTHER)
            await h.say(f"/grant {BORIS.id} admin", sender=OPERATOR, chat=OTHER)
            # The operator keeps only the story's tracker, so their private chat resolves to it.
            await h.say(f"/revoke {OPERATOR.id}", sender=BORIS, chat=OTHER)
            await h.say("/workstream add payments Payments", sender=BORIS, chat=OTHER)
            await h.say("/update payments 10", sender=BORIS, chat=OTHER)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, test_settings: Settings) -> Path:
    path = tmp_path_factory.mktemp("matrix") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    asyncio.run(_seed(settings_for(test_settings, path)))
    return path


@pytest.fixture(scope="module")
def cells(template: Path, test_settings: Settings) -> Iterator[Cells]:
    seeded = template.read_bytes()
    starts = {(where, person.id): seeded for where in PLACES for person, _ in PEOPLE.values()}
    for person, _rank in PEOPLE.values():
        following = template.with_name(f"follows-{person.id}.db")
        following.write_bytes(seeded)
        with database(settings_for(test_settings, following)) as engine:
            follow_privately(engine, person)
        starts[(FOLLOWING, person.id)] = following.read_bytes()
    path = template.with_name("cell.db")
    engine = make_engine(f"sqlite:///{path}")
    yield Cells(path, engine, settings_for(test_settings, path), starts)
    engine.dispose()


@pytest.fixture(scope="module")
def untouched(cells: Cells) -> dict[str, Fingerprint]:
    """Each place's data before any command: what a cell starts from (the same for everyone
    but the person whose private chat follows the tracker, so computed per place and person)."""
    found = {}
    for where in PLACES:
        for who, (person, _rank) in PEOPLE.items():
            found[f"{where}-{who}"] = fingerprint_of(cells.fresh(where, person))
    return found


@pytest.fixture(scope="module")
def charts_drawn_once() -> Iterator[None]:
    """Most cells of /chart and /digest draw the same chart (the same data, the same day).
    ``render_chart`` is a function of its arguments alone (frozen dataclasses, whose repr
    holds every field): each distinct chart is drawn for real once, by the first cell that
    asks, and later cells send that same PNG."""
    real = domain.chart.render_chart
    drawn: dict[str, bytes] = {}

    def once(*args: Any, **kwargs: Any) -> bytes:
        key = repr((args, sorted(kwargs.items())))
        if key not in drawn:
            drawn[key] = real(*args, **kwargs)
        return drawn[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(domain.chart, "render_chart", once)
        yield


@dataclass(frozen=True)
class Fingerprint:
    rows: tuple[int, ...]
    trackers: tuple[tuple[str, str, int, bool], ...]


def fingerprint_of(engine: Engine) -> Fingerprint:
    with session_scope(engine, readonly=True) as session:
        rows = tuple(
            int(session.exec(select(func.count()).select_from(table)).one())
            for table in (Report, Member, ChatLink, ChatSetting, Workstream, TrackerEvent)
        )
        retracted = int(
            session.exec(
                select(func.count()).where(Report.retracted_at.is_not(None))  # type: ignore[union-attr]
            ).one()
        )
        trackers = tuple(
            (t.key, t.deadline.isoformat(), t.quiet_days, t.archived_at is not None)
            for t in session.exec(select(Tracker).order_by(col(Tracker.id))).all()
        )
        links = tuple(
            f"{link.chat_id}:{link.tracker_id}:{link.digest_days}:{link.digest_time}"
            for link in session.exec(select(ChatLink).order_by(col(ChatLink.id))).all()
        )
    return Fingerprint((*rows, retracted, hash(links)), trackers)


CELLS = [
    pytest.param(command.name, form, text, id=f"{command.name}-{form}")
    for command in COMMANDS
    for form, text in SAMPLES.get(command.name, (("use", ""),))
]


def test_every_command_of_the_table_has_a_sample_and_nothing_else_does() -> None:
    assert set(SAMPLES) == {command.name for command in COMMANDS}
    for command in COMMANDS:
        forms = {form for form, _ in SAMPLES[command.name]}
        has_change = any(
            (a := command.access(p)) is not None and a.change is not None for p in Place
        )
        assert ("change" in forms) == has_change, command.name
        assert ("edit" in forms) == (command.edit_handler is not None), command.name


@pytest.mark.parametrize(("name", "form", "text"), CELLS)
@pytest.mark.usefixtures("charts_drawn_once")
async def test_permission_matrix(
    cells: Cells,
    untouched: dict[str, Fingerprint],
    caplog: pytest.LogCaptureFixture,
    name: str,
    form: str,
    text: str,
) -> None:
    command = next(c for c in COMMANDS if c.name == name)
    disagreements = []
    for where in PLACES:
        for who, (person, _rank) in PEOPLE.items():
            engine = cells.fresh(where, person)
            async with running_app(cells.settings, engine, Clock()) as h:
                chat = chat_of(where, person)
                if form == "edit":  # the message was refused when sent; now edited valid
                    await h.say("/update payments", sender=person, chat=chat, message_id=77)
                    before = fingerprint_of(engine)
                else:
                    before = untouched[f"{where}-{who}"]
                calls = len(h.api.calls)
                caplog.clear()
                with caplog.at_level(logging.INFO, logger="bot.handlers.errors"):
                    extra = {"message_id": 77, "edited": True} if form == "edit" else {}
                    await h.say(text, sender=person, chat=chat, **extra)
                refusals = [
                    str(r.args[-1])
                    for r in caplog.records
                    if r.msg == "refused /%s in chat %s: %s" and isinstance(r.args, tuple)
                ]
                denied = any(key in DENIALS for key in refusals)
                answered = any(
                    c.method in ("sendMessage", "sendPhoto", "sendDocument")
                    for c in h.api.calls[calls:]
                )
            expected = expected_allowed(command, form, where, who)
            if denied == expected or not answered:
                disagreements.append(
                    f"{text!r} by {who} in {where}: table says "
                    f"{'allowed' if expected else 'refused'}, got "
                    f"{refusals or 'no refusal'}{'' if answered else ' and no answer'}"
                )
            # Whatever the command did, or refused, the trail verifies (checked by
            # ``changed``); the data is the starting file's when nothing changed it, and the
            # edit's ``before`` is taken after its first message.
            changed = cells.changed(where, person)
            if denied and (changed or form == "edit") and fingerprint_of(engine) != before:
                disagreements.append(f"{text!r} by {who} in {where}: refused but changed data")
    assert disagreements == []


@pytest.mark.parametrize("where", PLACES)
@pytest.mark.parametrize("who", list(PEOPLE))
async def test_help_lists_exactly_what_the_table_allows_here(
    cells: Cells, where: str, who: str
) -> None:
    person = PEOPLE[who][0]
    engine = cells.fresh(where, person)
    place, rank = place_and_rank(where, who)
    if where == "private chat" and who == "no role":
        rank = Rank.NONE
    wanted = {
        html.unescape(line.usage)
        for line in help_lines(COMMANDS, place, rank, can_create=who == "operator")
    }
    async with running_app(cells.settings, engine, Clock()) as h:
        reply = await h.say("/help", sender=person, chat=chat_of(where, person))
    cells.changed(where, person)  # the trail verifies
    listed = {line[2:].split(" — ")[0] for line in reply.splitlines() if line.startswith("• ")}
    assert listed == wanted
    if where == "linked group" and who == "no role":
        # A member without a role may read the nudge threshold and the language here.
        assert {"/quiet", "/lang", "/status [workstream]"} <= listed
        assert "/update <workstream> <percent> [note]" not in listed


async def test_command_menus_in_both_languages_are_the_tables_menu_rows(
    template: Path, tmp_path: Path, test_settings: Settings
) -> None:
    cell = tmp_path / "menu.db"
    shutil.copy(template, cell)
    settings = settings_for(test_settings, cell)
    with database(settings) as engine:
        async with running_app(settings, engine, Clock()) as h:
            assert h.app.post_init is not None
            await h.app.post_init(h.app)
            menus = {
                str(c.params.get("language_code")): c.params["commands"]
                for c in h.api.calls
                if c.method == "setMyCommands"
            }
    wanted = [c.name for c in COMMANDS if c.menu_key is not None]
    assert set(menus) == {"None", "en", "id"}
    for commands in menus.values():
        assert [entry["command"] for entry in commands] == wanted
    update = next(e for e in menus["id"] if e["command"] == "update")
    assert update["description"] == "Laporkan kemajuan: /update <komponen> <persen> [catatan]"
