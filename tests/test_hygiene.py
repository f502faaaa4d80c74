"""Operational hygiene: private files, logs without what people typed, a copy that never
blocks the running bot (issue 10, item 9)."""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.cli import main
from storage.copy import copy_database
from storage.db import make_engine
from storage.migrate import upgrade
from tests.helpers import BUDI, MANAGERS, STAFF, Harness, seed_tracker


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The usual umask of a service (022): files would be world-readable by default."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.mark.sqlite_only
@pytest.mark.usefixtures("open_umask")
def test_data_folder_is_created_0700_and_database_wal_and_shm_0600(tmp_path: Path) -> None:
    folder = tmp_path / "srv" / "data"
    engine = make_engine(f"sqlite:///{folder / 'pantau.db'}")
    upgrade(engine)
    with engine.begin() as connection:  # a write, so the -wal and -shm files exist
        connection.execute(
            text(
                "INSERT INTO seen_user (id, display_name, updated_at) "
                "VALUES (1, 'x', '2024-01-01 00:00:00.000000')"
            )
        )
        assert (folder / "pantau.db-wal").exists()
        assert (folder / "pantau.db-shm").exists()
        for name in ("pantau.db", "pantau.db-wal", "pantau.db-shm"):
            assert mode(folder / name) == 0o600, name
    engine.dispose()
    assert mode(folder) == 0o700
    assert mode(folder.parent) == 0o700  # every folder it had to create


@pytest.mark.sqlite_only
@pytest.mark.usefixtures("open_umask")
def test_an_existing_world_readable_database_is_kept_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "old.db"
    sqlite3.connect(path).close()
    path.chmod(0o644)
    with caplog.at_level(logging.WARNING):
        make_engine(f"sqlite:///{path}").dispose()
    assert mode(path) == 0o644  # the operator's choice is not changed behind their back
    assert "readable by other users (mode 644): chmod 600" in caplog.text


@pytest.mark.sqlite_only
@pytest.mark.usefixtures("open_umask")
async def test_cli_exports_and_charts_are_written_0600(
    harness: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed_tracker(harness)
    await harness.say("/update payments 40 confidential", sender=BUDI)
    monkeypatch.setenv("DATABASE_URL", str(harness.engine.url))
    monkeypatch.chdir(tmp_path)
    older = tmp_path / "trail.csv"
    older.write_text("an older export, world-readable")
    older.chmod(0o644)
    outputs = {
        older: ["export", "--tracker", "tiktok-tokopedia", "--out", str(older)],
        tmp_path / "trail.xlsx": [
            "export", "--tracker", "tiktok-tokopedia", "--format", "xlsx",
            "--out", str(tmp_path / "trail.xlsx"),
        ],
        tmp_path / "chart.png": [
            "chart", "--tracker", "tiktok-tokopedia", "--out", str(tmp_path / "chart.png")
        ],
    }  # fmt: skip
    for path, argv in outputs.items():
        assert main(argv) == 0
        assert mode(path) == 0o600, path
    assert "confidential" in older.read_text(encoding="utf-8-sig")


async def test_refused_commands_are_logged_with_command_and_reason_never_the_text(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await seed_tracker(harness)
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="bot"):
        await harness.say("/update payments 500 merger with PT Rahasia next week", sender=BUDI)
        await harness.say("/update rahasia-project 50", sender=BUDI)
        await harness.say("/deadline 9999-12-31 Rahasia")
        await harness.say("/setup Rahasia!", chat=MANAGERS)
    refusals = [r.getMessage() for r in caplog.records if r.getMessage().startswith("refused")]
    assert refusals == [
        f"refused /update in chat {STAFF.id}: bad_percent",
        f"refused /update in chat {STAFF.id}: no_workstream",
        f"refused /deadline in chat {STAFF.id}: deadline_usage",
        f"refused /setup in chat {MANAGERS.id}: bad_key",
    ]
    assert "rahasia" not in caplog.text.lower()


@pytest.mark.sqlite_only
async def test_db_copy_reads_a_live_sqlite_source_without_blocking_its_writers(
    harness: Harness, tmp_path: Path
) -> None:
    """While the copy reads, another connection (as the running bot would) writes, with a
    short busy timeout: it never meets "database is locked", and the copy is the snapshot
    the copy started from."""
    await seed_tracker(harness)
    for percent in range(10, 60, 10):
        await harness.say(f"/update payments {percent}", sender=BUDI)
    source_path = Path(str(harness.engine.url).removeprefix("sqlite:///"))
    target = make_engine(f"sqlite:///{tmp_path / 'copy.db'}")
    upgrade(target)
    writer = sqlite3.connect(source_path, timeout=0.2, isolation_level=None)
    written: list[str] = []

    def bot_writes_meanwhile(table: str, _rows: int) -> None:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute(
            "INSERT INTO seen_user (id, display_name, updated_at) "
            "VALUES (?, ?, '2024-02-23 02:00:00.000000')",
            (70_000 + len(written), f"written during the copy of {table}"),
        )
        writer.execute("COMMIT")
        written.append(table)

    counts = copy_database(harness.engine, target, progress=bot_writes_meanwhile)
    writer.close()
    assert len(written) == len(counts)  # one write after every table, none refused
    assert counts["report"] == (5, 5)
    with target.connect() as connection:  # the snapshot: none of the writes made meanwhile
        copied = connection.execute(text("SELECT count(*) FROM seen_user")).scalar_one()
    assert copied == counts["seen_user"][0]
    with sqlite3.connect(source_path) as source:
        now = source.execute("SELECT count(*) FROM seen_user").fetchone()[0]
    assert now == copied + len(written)
    target.dispose()
