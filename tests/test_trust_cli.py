"""Issue 10 on the command line: `pantau trackers` archives and restores, `pantau import` never
links chats to an archived tracker nor leaves one without an admin, and migration 0006 keeps
the reports of older databases."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.cli import main
from storage import chats as chat_store
from storage import members as member_store
from storage.db import make_engine, session_scope
from storage.migrate import upgrade
from storage.models import ChatLink, Member, Report, Tracker, TrackerEvent
from tests.helpers import EXAMPLE


@pytest.fixture
def imported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The example imported with ``pantau import`` into a database in the test's folder (the
    current one, named by DATABASE_URL); its URL."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["import", str(EXAMPLE)]) == 0
    return url


def test_cli_lists_archives_and_restores_trackers(
    imported: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["trackers", "list"]) == 0
    assert "tiktok-tokopedia\tactive" in capsys.readouterr().out
    assert main(["trackers", "archive", "tiktok-tokopedia"]) == 0
    assert main(["trackers", "list"]) == 0
    assert "tiktok-tokopedia\tarchived" in capsys.readouterr().out
    assert main(["trackers", "restore", "tiktok-tokopedia"]) == 0
    assert main(["trackers", "archive", "no-such"]) == 2
    assert "no tracker 'no-such'" in capsys.readouterr().err
    engine = make_engine(imported)
    with session_scope(engine, readonly=True) as session:
        events = [e.kind for e in session.exec(select(TrackerEvent)).all()]
    engine.dispose()
    # The trail holds the import's events too (revision 0008 chains everything): the last
    # two are the command line's.
    assert events[-2:] == ["archived", "restored"]


def test_import_never_links_chats_to_an_archived_tracker(
    imported: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["trackers", "archive", "tiktok-tokopedia"]) == 0
    capsys.readouterr()
    again = tmp_path / "again.toml"
    again.write_text(
        EXAMPLE.read_text(encoding="utf-8")
        + '\n[[chats]]\nchat_id = -1003333\ntitle = "Stray group"\n'
        + '\n[[members]]\nuser_id = 4242\nrole = "admin"\n',
        encoding="utf-8",
    )
    engine = make_engine(imported)

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
    example = EXAMPLE.read_text(encoding="utf-8")
    engine = make_engine(imported)
    with session_scope(engine) as session:  # Ayu (1001, the only admin) follows it privately
        chat_store.link_chat(session, chat_id=1001, tracker_id=1, title=None)
    demoted = example.replace(
        'name = "Ayu Lestari"\nrole = "admin"', 'name = "Ayu Lestari"\nrole = "reporter"'
    )
    assert demoted != example
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


def test_migration_0006_backfills_recorded_at_from_created_at(db_url: str) -> None:
    """A database from before 0006 keeps its reports; each was received when it was made."""
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
