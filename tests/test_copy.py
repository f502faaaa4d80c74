"""`pantau db copy`: a deployment moved between databases, rows compared."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import SQLModel

from bot.cli import main
from storage.copy import CopyError, copy_database
from storage.db import make_engine
from storage.migrate import upgrade
from storage.models import Tracker
from tests.helpers import ADMIN, BUDI, MANAGERS, SARI, STAFF, Harness, seed_tracker

# A deployment in use, as (who, where, what they sent) after the story's tracker is made:
# rows in every table `db copy` moves (a link, its schedule and language, reports, an undo,
# a digest sent).
IN_USE = [
    (ADMIN, MANAGERS, "/setup tiktok-tokopedia"),
    (ADMIN, MANAGERS, "/schedule weekdays 09:00"),
    (BUDI, STAFF, "/update payments 40 kick-off"),
    (SARI, STAFF, "/update sellers 20"),
    (SARI, STAFF, "/undo"),
    (ADMIN, MANAGERS, "/lang id"),
    (ADMIN, MANAGERS, "/digest"),
]


async def _deployment(h: Harness) -> None:
    await seed_tracker(h)
    for sender, chat, text in IN_USE:
        await h.say(text, sender=sender, chat=chat)


def _snapshot(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, in primary-key order."""
    rows = {}
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            order = list(table.primary_key.columns)
            rows[table.name] = [
                tuple(r) for r in connection.execute(select(table).order_by(*order))
            ]
    return rows


async def test_copy_between_two_sqlite_files_keeps_every_row(
    harness: Harness, tmp_path: Path
) -> None:
    await _deployment(harness)
    target = make_engine(f"sqlite:///{tmp_path / 'copy.db'}")
    upgrade(target)
    counts = copy_database(harness.engine, target)
    assert counts["report"] == (2, 2)
    assert counts["notice"] == (1, 1)
    assert _snapshot(target) == _snapshot(harness.engine)
    with pytest.raises(CopyError, match="already has rows"):
        copy_database(harness.engine, target)  # never into a database in use
    target.dispose()


@pytest.mark.postgres
@pytest.mark.sqlite_only  # the harness (the source) stays on SQLite
async def test_copy_sqlite_to_postgresql_and_back(
    harness: Harness, tmp_path: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    await _deployment(harness)
    source_url = str(harness.engine.url)
    assert main(["db", "copy", "--from", source_url, "--to", postgres_url]) == 0
    assert "row counts match in every table" in capsys.readouterr().out
    back = f"sqlite:///{tmp_path / 'back.db'}"
    assert main(["db", "copy", "--from", postgres_url, "--to", back]) == 0
    original, returned = make_engine(source_url), make_engine(back)
    assert _snapshot(returned) == _snapshot(original)
    pg = make_engine(postgres_url)
    with pg.begin() as connection:  # new rows after the copy get fresh ids
        connection.execute(
            Tracker.__table__.insert().values(  # type: ignore[attr-defined]
                key="after-copy",
                title="T",
                deadline=date(2030, 1, 1),
                timezone="UTC",
                created_at=datetime.now(UTC),
                quiet_days=7,
            )
        )
        assert connection.execute(select(func.count()).select_from(Tracker)).scalar_one() == 2
    for engine in (original, returned, pg):
        engine.dispose()
