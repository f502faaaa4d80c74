"""Storage: the migrated schema, SQLite settings, constraints, concurrency and the importer."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, func, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import Session, SQLModel, select

from domain.spec import SpecError, load_spec
from services.imports import apply_spec
from storage import chats as chat_store
from storage import history as history_store
from storage import members as member_store
from storage import reports as report_store
from storage import trackers as tracker_store
from storage import workstreams as workstream_store
from storage.db import make_engine, session_scope
from storage.migrate import current_revision, upgrade
from storage.models import Report, Tracker

NOW = datetime(2024, 2, 23, 2, 0, tzinfo=UTC)
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "tiktok-tokopedia.toml"


def _tracker_with_workstream(engine: Engine) -> tuple[int, int]:
    with session_scope(engine) as session:
        tracker = tracker_store.create_tracker(
            session,
            key="t",
            title="T",
            deadline=date(2024, 4, 12),
            timezone="Asia/Jakarta",
            created_by=1,
            now=NOW,
        )
        assert tracker.id is not None
        ws, _ = workstream_store.save_workstream(
            session, tracker_id=tracker.id, key="w", title=None, weight=None, now=NOW
        )
        assert ws.id is not None
        return tracker.id, ws.id


def _add(engine: Engine, tracker_id: int, ws_id: int, message_id: int, chat_id: int = -1) -> None:
    with session_scope(engine) as session:
        report_store.add_report(
            session,
            tracker_id=tracker_id,
            workstream_id=ws_id,
            percent=50,
            note=None,
            reporter_id=7,
            reporter_name="R",
            chat_id=chat_id,
            message_id=message_id,
            update_id=None,
            created_at=NOW,
        )


def _count_reports(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(Report)).one())


def test_migrations_create_exactly_the_models_schema(engine: Engine) -> None:
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert diff == []
    assert current_revision(engine) is not None


def test_upgrade_twice_is_harmless(engine: Engine) -> None:
    before = current_revision(engine)
    upgrade(engine)
    assert current_revision(engine) == before


@pytest.mark.sqlite_only
def test_sqlite_runs_in_wal_with_busy_timeout_and_foreign_keys(engine: Engine) -> None:
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert int(connection.execute(text("PRAGMA busy_timeout")).scalar() or 0) >= 5000
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_sqlite_directory_is_created_on_first_use(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'deep' / 'er' / 'pantau.db'}")
    upgrade(engine)
    engine.dispose()
    assert (tmp_path / "deep" / "er" / "pantau.db").exists()


def test_same_chat_and_message_cannot_make_two_reports(engine: Engine) -> None:
    tracker_id, ws_id = _tracker_with_workstream(engine)
    _add(engine, tracker_id, ws_id, message_id=1)
    with pytest.raises(IntegrityError):
        _add(engine, tracker_id, ws_id, message_id=1)
    _add(engine, tracker_id, ws_id, message_id=1, chat_id=-2)
    with session_scope(engine) as session:
        assert _count_reports(session) == 2


def test_times_come_back_timezone_aware_and_naive_times_are_refused(engine: Engine) -> None:
    tracker_id, _ = _tracker_with_workstream(engine)
    with session_scope(engine) as session:
        tracker = session.get(Tracker, tracker_id)
        assert tracker is not None
        assert tracker.created_at == NOW
        assert tracker.created_at.tzinfo is not None
    with pytest.raises(StatementError, match="naive datetime"), session_scope(engine) as session:
        session.add(
            Tracker(
                key="naive",
                title="N",
                deadline=date(2024, 1, 1),
                timezone="UTC",
                created_at=datetime(2024, 1, 1),  # noqa: DTZ001 (the point of the test)
            )
        )


def test_ids_are_64_bit(engine: Engine) -> None:
    tracker_id, ws_id = _tracker_with_workstream(engine)
    big_chat = -1002_147_483_648_123
    _add(engine, tracker_id, ws_id, message_id=2**40, chat_id=big_chat)
    with session_scope(engine) as session:
        report = session.exec(select(Report)).one()
        assert (report.chat_id, report.message_id) == (big_chat, 2**40)


def test_concurrent_writers_never_see_database_is_locked(engine: Engine) -> None:
    tracker_id, ws_id = _tracker_with_workstream(engine)
    errors: list[BaseException] = []

    def writer(offset: int) -> None:
        try:
            for n in range(25):
                with session_scope(engine) as session:
                    # Read then write in one transaction: the pattern that deadlocks on a
                    # deferred BEGIN when two writers upgrade their read locks together.
                    session.exec(select(Report).where(Report.workstream_id == ws_id)).first()
                    report_store.add_report(
                        session,
                        tracker_id=tracker_id,
                        workstream_id=ws_id,
                        percent=n,
                        note=None,
                        reporter_id=offset,
                        reporter_name="R",
                        chat_id=-offset,
                        message_id=n,
                        update_id=None,
                        created_at=NOW,
                    )
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(i + 1,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with session_scope(engine) as session:
        assert _count_reports(session) == 200


def test_import_of_example_is_idempotent(engine: Engine) -> None:
    spec = load_spec(EXAMPLE.read_text(encoding="utf-8"))
    with session_scope(engine) as session:
        first = apply_spec(session, spec=spec, now=NOW)
    with session_scope(engine) as session:
        second = apply_spec(session, spec=spec, now=NOW)
    assert (first.created, second.created) == (True, False)
    assert (first.reports_added, second.reports_added) == (11, 0)
    with session_scope(engine) as session:
        tracker = tracker_store.get_tracker(session, key="tiktok-tokopedia")
        assert tracker is not None
        snap = report_store.snapshot(session, tracker=tracker)
        assert [ws.percent for ws in snap.workstreams] == [100, 50, 60]
        assert member_store.find_user_by_username(session, username="BUDI_S") is not None
        # Imported reports were true at their own time and received at the import's.
        (report, _key), *_rest = history_store.trail(session, tracker_id=tracker.id or 0)
        assert report.recorded_at == NOW
        assert report.created_at < NOW


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        (("deadline = 2024-04-12", "deadline = 2024-04-31"), "not valid TOML"),
        (("deadline = 2024-04-12", 'deadline = "soon"'), "tracker.deadline"),
        (('key = "payments"', 'key = "Pay ments"'), "workstreams.0.key"),
        (('title = "Payments on Tokopedia systems"', "weight = -1"), "workstreams.0.weight"),
        (('key = "sellers"', 'key = "payments"'), "workstreams[1]: duplicate 'payments'"),
        (('regulation = "Permendag 31/2023"', 'colour = "red"'), "tracker.colour: Extra inputs"),
        (('timezone = "Asia/Jakarta"', 'timezone = "Mars/Olympus"'), "unknown timezone"),
        (('role = "reporter"', 'role = "boss"'), "members.1.role"),
        (("percent = 45", "percent = 145"), "reports.1.percent"),
        (('workstream = "app"', 'workstream = "legal"'), "reports[3].workstream"),
        (("[tracker]", "[trackr]"), "tracker: Field required"),
    ],
)
def test_malformed_import_names_the_field_and_writes_nothing(
    engine: Engine, patch: tuple[str, str], message: str
) -> None:
    text_ = EXAMPLE.read_text(encoding="utf-8")
    assert patch[0] in text_
    with pytest.raises(SpecError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_spec(text_.replace(patch[0], patch[1], 1))
    with session_scope(engine) as session:
        assert session.exec(select(Tracker)).all() == []


def test_import_failing_midway_rolls_back_everything(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = load_spec(EXAMPLE.read_text(encoding="utf-8"))

    def broken(*_args: object, **_kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(chat_store, "link_chat", broken)
    with pytest.raises(OSError, match="disk full"), session_scope(engine) as session:
        apply_spec(session, spec=spec, now=NOW)
    with session_scope(engine) as session:
        assert session.exec(select(Tracker)).all() == []


def test_upgrade_from_baseline_keeps_data_and_backfills_workstream_created_at(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0001")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO tracker (id, key, title, deadline, timezone, created_at) "
                "VALUES (1, 't', 'T', '2024-04-12', 'Asia/Jakarta', '2023-12-12 02:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO workstream (id, tracker_id, key, title, weight, archived, position) "
                "VALUES (1, 1, 'w', 'W', 1.0, 0, 1)"
            )
        )
    upgrade(engine)
    with session_scope(engine) as session:
        tracker = tracker_store.get_tracker(session, key="t")
        assert tracker is not None
        assert tracker.quiet_days == 7
        (ws,) = workstream_store.active_workstreams(session, tracker_id=1)
        assert ws.created_at == datetime(2023, 12, 12, 2, 0, tzinfo=UTC)
    engine.dispose()
