"""The audit trail in the database: the migration builds the chain over rows made before
it, and the database rebuilds each event's canonical text exactly as Python writes it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from benchmarks.verify import seed_chain
from storage import verify
from storage.db import make_engine
from storage.migrate import upgrade
from tests.audit_helpers import history, kinds, results
from tests.helpers import BUDI, Harness


@pytest.mark.sqlite_only
def test_migration_chains_rows_made_before_it_in_their_order(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0006")
    at = datetime(2024, 2, 1, 2, 0, tzinfo=UTC).replace(tzinfo=None)  # stored naive (SQLite)
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO tracker (id, key, title, deadline, timezone, created_at, quiet_days)"
                " VALUES (1, 'old', 'Old one', '2024-04-12', 'Asia/Jakarta', :at, 7)"
            ),
            {"at": at},
        )
        c.execute(
            text(
                "INSERT INTO workstream (id, tracker_id, key, title, weight, archived, position,"
                " created_at) VALUES (1, 1, 'pay', 'Payments', 1, 0, 1, :at)"
            ),
            {"at": at},
        )
        c.execute(text("INSERT INTO member (tracker_id, user_id, role) VALUES (1, 7, 'admin')"))
        for n, percent in enumerate((10, 20, 30), 1):
            when = at + timedelta(days=n)
            c.execute(
                text(
                    "INSERT INTO report (id, tracker_id, workstream_id, percent, reporter_id,"
                    " reporter_name, chat_id, message_id, created_at, recorded_at, revision,"
                    " corrects_id, retracted_at, retracted_by) VALUES (:id, 1, 1, :p, 7, 'A',"
                    " -5, :id, :t, :t, :rev, :corr, :ret, :by)"
                ),
                {
                    "id": n,
                    "p": percent,
                    "t": when,
                    "rev": 1 if n == 2 else 0,
                    "corr": None,
                    "ret": when + timedelta(hours=1) if n in (1, 3) else None,
                    "by": 7 if n in (1, 3) else None,
                },
            )
        # report 2 corrects report 1 (retracted by the correction); report 3 was undone.
        c.execute(text("UPDATE report SET corrects_id = 1 WHERE id = 2"))
        c.execute(
            text(
                "INSERT INTO tracker_event (tracker_id, at, actor_id, kind, chat_id, detail)"
                " VALUES (1, :t, 7, 'chat_linked', -5, 'Staff')"
            ),
            {"t": at + timedelta(minutes=5)},
        )
    upgrade(engine)
    (result,) = results(engine)
    assert result.problem is None
    assert kinds(engine) == [
        "tracker_created",
        "workstream_added",
        "role_given",
        "chat_linked",
        "report",
        "correction",
        "report",
        "undo",
    ]
    engine.dispose()


# --- the database writes the canonical text as Python does ------------------------------------

# Every kind of character JSON treats apart: quotes, backslash, each control character, DEL,
# the line and paragraph separators (escaped by some encoders, not by json.dumps), non-ASCII
# in one to four UTF-8 bytes.
SPECIAL = [
    '"',
    "\\",
    *map(chr, range(1, 32)),
    "\x7f",
    "\u2028",
    "\u2029",
    "é",
    "→",
    "🚀",
    "\ufeff",
]
# PostgreSQL text cannot hold NUL; SQLite's can, and it is checked there.
TEXTS = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"))


def _quoted_by_the_database(engine: Engine, value: str) -> str:
    quote = verify.Dialect(engine.dialect.name).json("CAST(:value AS TEXT)")
    with engine.connect() as connection:
        return str(connection.execute(text(f"SELECT {quote}"), {"value": value}).scalar_one())


def test_the_database_quotes_every_special_character_as_json_dumps(engine: Engine) -> None:
    values = [*SPECIAL, "".join(SPECIAL), 'a "quoted" \\ back\\slash']
    if engine.dialect.name == "sqlite":
        values.append("nul \x00 inside")
    for value in values:
        assert _quoted_by_the_database(engine, value) == json.dumps(value, ensure_ascii=False)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=TEXTS)
def test_the_database_quotes_any_text_as_json_dumps(engine: Engine, value: str) -> None:
    assert _quoted_by_the_database(engine, value) == json.dumps(value, ensure_ascii=False)


def _matched_in_the_database(engine: Engine) -> dict[str, list[bool]]:
    """Per kind, whether the database's rebuilt text matched each event (no slow path)."""
    matched: dict[str, list[bool]] = {}
    with engine.connect() as connection:
        for tracker_id in connection.execute(text("SELECT id FROM tracker")).scalars():
            for row in verify.checked_events(connection, tracker_id):
                matched.setdefault(row[1], []).append(bool(row[-1]))
    return matched


async def test_the_database_rebuilds_reports_corrections_and_undos_as_written(
    harness: Harness,
) -> None:
    await history(harness)
    await harness.say('/update payments 50 "quoted" \\ back → 🚀 \u2028 done', sender=BUDI)
    matched = _matched_in_the_database(harness.engine)
    for kind in ("report", "correction", "undo"):
        assert matched[kind], kind
        assert all(matched[kind]), kind
    # Events with no row of their own are read from the trail itself, in Python.
    assert not any(matched["role_given"])


def test_the_database_rebuilds_notes_of_every_kind_of_character(engine: Engine) -> None:
    seed_chain(engine, len(SPECIAL) + 2, notes=[*SPECIAL, "".join(SPECIAL), None])
    matched = _matched_in_the_database(engine)
    assert matched["report"] == [True] * (len(SPECIAL) + 2)
    (result,) = results(engine)
    assert result.problem is None
