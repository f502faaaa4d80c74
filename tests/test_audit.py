"""The audit trail: a hash chain anyone can verify from the rows (`pantau verify`, /verify),
published heads found again, and how long a long chain takes. Tampering is in
test_audit_tampering.py, the migration and the database's canonical text in
test_audit_database.py, exports and the bundle's own verifier in test_audit_bundle.py."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from benchmarks.verify import seed_chain
from bot.audit import find_head
from bot.cli import main
from storage import verify
from storage.db import session_scope
from tests.audit_helpers import history, kinds, results, rows_checked_on_other_connections
from tests.helpers import ADMIN, BUDI, EXAMPLE, MANAGERS, Harness, seed_tracker


async def test_chain_is_intact_after_a_realistic_history(
    harness: Harness, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    await history(harness)
    trail = kinds(harness.engine)
    every_kind = {
        "tracker_created",
        "role_given",
        "role_taken",
        "workstream_added",
        "workstream_changed",
        "workstream_archived",
        "report",
        "correction",
        "undo",
        "deadline_moved",
        "archived",
        "restored",
        "chat_linked",
    }
    assert every_kind - set(trail) == set()  # the history left every kind of event
    (result,) = results(harness.engine)
    assert result.problem is None
    assert result.count == len(trail)
    monkeypatch.setenv("DATABASE_URL", str(harness.engine.url))
    assert main(["verify", "--tracker", "tiktok-tokopedia"]) == 0
    out = capsys.readouterr().out
    assert out.strip() == f"{len(trail)} events, intact, head {result.head[:16]}"


def test_verify_on_an_empty_database_is_zero_events_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    assert main(["verify"]) == 0
    assert capsys.readouterr().out.strip() == "0 events, intact"


def test_an_imported_example_verifies_and_its_import_is_chained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    assert main(["import", str(EXAMPLE)]) == 0
    assert main(["import", str(EXAMPLE)]) == 0  # again: nothing new, nothing chained
    capsys.readouterr()
    assert main(["verify"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1].startswith("18 events, intact, head ")


# --- published heads ----------------------------------------------------------------------------


async def test_head_once_published_is_found_and_an_unknown_one_is_not(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    await seed_tracker(harness)
    await harness.say("/setup tiktok-tokopedia", sender=ADMIN, chat=MANAGERS)
    await harness.say("/update payments 40", sender=BUDI)
    digest = await harness.say("/digest", chat=MANAGERS)
    (published,) = [line for line in digest.splitlines() if line.startswith("🔗 trail ")]
    published = published.removeprefix("🔗 trail ")
    assert len(published) == 17  # 8 hex … 8 hex
    await harness.say("/update sellers 10", sender=BUDI)
    monkeypatch.setenv("DATABASE_URL", str(harness.engine.url))
    capsys.readouterr()
    assert main(["verify", "--head", published]) == 0
    assert "(1 events since); the chain is intact" in capsys.readouterr().out
    (result,) = results(harness.engine)
    assert main(["verify", "--head", result.head[:16], "--tracker", "tiktok-tokopedia"]) == 0
    assert "(0 events since)" in capsys.readouterr().out
    assert main(["verify", "--head", "3f9a…c2d1"]) == 1
    assert "is not part of any chain" in capsys.readouterr().err
    with session_scope(harness.engine, readonly=True) as session:
        assert find_head(session, published="abc", key=None).exit_code == 1  # too short


async def test_verify_command_answers_head_count_and_last_time(harness: Harness) -> None:
    await seed_tracker(harness)
    await harness.say("/update payments 40", sender=BUDI)
    (result,) = results(harness.engine)
    answer = await harness.say("/verify", sender=BUDI)
    assert f"Audit trail of TikTok Shop → Tokopedia: {result.count} events" in answer
    assert result.head in answer
    assert "09:00" in answer  # the last event's time, in the tracker's timezone
    assert "pantau verify --tracker tiktok-tokopedia" in answer


# --- speed ------------------------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_a_5000_event_chain_verifies_and_the_time_is_printed(engine: Engine) -> None:
    seed_chain(engine, 5_000)
    with session_scope(engine, readonly=True) as session:
        wall, cpu = time.perf_counter(), time.process_time()
        (result,) = list(verify.verify(session))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert result.problem is None
    assert result.count == 5_000
    # A long chain, small enough for the suite; the time of 100,000
    # events ("well under a second") is a figure for the benchmarks (`./dev bench`).
    print(f"\nverified 5,000 events in {wall:.3f} s ({cpu:.3f} s CPU)")  # noqa: T201


@pytest.mark.tampers
def test_a_long_chain_checked_in_parts_names_a_row_changed_in_its_last_part(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_chain(engine, 3_000)
    rows_checked_on_other_connections(monkeypatch)
    with session_scope(engine, readonly=True) as session:
        (intact,) = list(verify.verify(session, keep_hashes=True))
    assert intact.problem is None
    assert intact.count == 3_000
    assert len(intact.hashes) == 3_000
    with engine.begin() as connection:
        connection.execute(text("UPDATE report SET percent = 7 WHERE id IN (2900, 2950)"))
    with session_scope(engine, readonly=True) as session:
        (result,) = list(verify.verify(session))
    assert result.problem is not None
    assert result.problem.seq == 2900
    assert "percent: 72 in the trail, 7 in the row" in str(result.problem)
