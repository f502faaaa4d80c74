"""`pantau import` says what it did and did not do, and changes history only when asked."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from domain.spec import report_lines
from tests.helpers import EXAMPLE, copy_database, refused, run_pantau

SECOND = 'at = 2024-01-08T14:30:00+07:00\nworkstream = "payments"\npercent = 45'

PAYMENTS_45_50 = (
    "percent IN (45, 50) AND workstream_id = (SELECT id FROM workstream WHERE key = 'payments')"
)


@pytest.fixture(scope="module")
def imported_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = tmp_path_factory.mktemp("imported")
    assert run_pantau(workdir, "import", str(EXAMPLE)).returncode == 0
    return workdir


@pytest.fixture
def imported(imported_once: Path, tmp_path: Path) -> Path:
    """A folder whose database holds the example, imported by ``pantau import``."""
    return copy_database(imported_once, tmp_path)


def _variant(tmp_path: Path, name: str, old: str, new: str) -> Path:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _rows(tmp_path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(tmp_path / "cli.db") as db:
        return db.execute(sql).fetchall()


def test_a_changed_report_is_listed_and_left_alone_then_corrected_on_request(
    imported: Path,
) -> None:
    changed = _variant(imported, "changed.toml", SECOND, SECOND.replace("45", "50"))
    line = report_lines(changed.read_text(encoding="utf-8"))[1]

    result = run_pantau(imported, "import", str(changed))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "reports: 0 new, 10 already there, 1 differ from the database (left as they are)" in (
        out
    )
    assert (
        f"line {line} (payments, 2024-01-08T14:30:00+07:00): "
        "percent 45 in the database, 50 in the file"
    ) in out
    assert f"pantau import --corrections {changed}" in out
    assert _rows(imported, f"SELECT percent FROM report WHERE {PAYMENTS_45_50}") == [(45,)]

    corrected = run_pantau(imported, "import", "--corrections", str(changed))
    assert corrected.returncode == 0, corrected.stderr
    assert "reports: 0 new, 10 already there, 1 corrected" in corrected.stdout
    # The trail keeps the report as it was, retracted, and links the correction to it.
    rows = _rows(
        imported,
        "SELECT r.percent, r.retracted_at IS NOT NULL, o.percent FROM report r "
        "LEFT JOIN report o ON o.id = r.corrects_id WHERE "
        + PAYMENTS_45_50.replace("percent", "r.percent").replace(
            "workstream_id", "r.workstream_id"
        )
        + " ORDER BY r.id",
    )
    assert rows == [(45, 1, None), (50, 0, 45)]

    again = run_pantau(imported, "import", str(changed))
    assert "reports: 0 new, 11 already there" in again.stdout


def test_a_changed_time_is_a_difference_not_a_second_report(imported: Path) -> None:
    moved = _variant(imported, "moved.toml", SECOND, SECOND.replace("14:30", "16:30"))
    result = run_pantau(imported, "import", str(moved))
    assert "1 differ from the database" in result.stdout
    assert "time 2024-01-08T07:30:00+00:00 in the database" in result.stdout
    assert _rows(imported, "SELECT count(*) FROM report") == [(11,)]
    assert "1 corrected" in run_pantau(imported, "import", "--corrections", str(moved)).stdout
    assert "reports: 0 new, 11 already there" in run_pantau(imported, "import", str(moved)).stdout
    assert _rows(imported, "SELECT count(*) FROM report WHERE retracted_at IS NULL") == [(11,)]


def test_workstreams_missing_from_the_file_are_listed_as_still_active(tmp_path: Path) -> None:
    extra = _variant(
        tmp_path,
        "extra.toml",
        "[[members]]",
        '[[workstreams]]\nkey = "legal"\ntitle = "Legal"\n\n[[members]]',
    )
    assert run_pantau(tmp_path, "import", str(extra)).returncode == 0
    result = run_pantau(tmp_path, "import", str(EXAMPLE))
    assert result.returncode == 0
    assert (
        "still active in the database but not in the file: legal; "
        "archive them with `/workstream remove <key>`"
    ) in result.stdout


def test_a_report_from_the_future_is_an_error_naming_its_line(tmp_path: Path) -> None:
    future = _variant(tmp_path, "future.toml", "2024-01-08T14:30", "2999-01-08T14:30")
    line = report_lines(future.read_text(encoding="utf-8"))[1]
    stderr = refused(run_pantau(tmp_path, "import", str(future)))
    assert f"line {line}: 2999-01-08T14:30:00+07:00 is in the future" in stderr
    assert "nothing was changed" in stderr
    assert _rows(tmp_path, "SELECT count(*) FROM tracker") == [(0,)]


def test_a_reporter_who_is_not_a_member_is_an_error_naming_its_line(tmp_path: Path) -> None:
    stranger = _variant(
        tmp_path, "stranger.toml", SECOND + "\nreporter = 1002", SECOND + "\nreporter = 4242"
    )
    line = report_lines(stranger.read_text(encoding="utf-8"))[1]
    stderr = refused(run_pantau(tmp_path, "import", str(stranger)))
    assert f"line {line}: reporter 4242 is not a member" in stderr
    assert _rows(tmp_path, "SELECT count(*) FROM report") == [(0,)]
