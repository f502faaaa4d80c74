"""The Excel export, read back as a manager's spreadsheet would: types, widths, filter, pane."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from tests.helpers import ADMIN, BUDI, EXAMPLE, Harness, run_pantau, seed_tracker

HEADERS = {
    "en": (
        ["Summary", "Reports"],
        ["Key", "Title", "Weight", "Latest %", "Pace (points/week)", "Projected finish", "State"],
        [
            "Report id",
            "Time (Asia/Jakarta)",
            "Workstream",
            "Percent",
            "Note",
            "Reporter id",
            "Reporter",
            "Chat id",
            "Message id",
            "Undone at (Asia/Jakarta)",
        ],
    ),
    "id": (
        ["Ikhtisar", "Laporan"],
        ["Kode", "Judul", "Bobot", "Persen terakhir", "Laju (poin/minggu)", "Perkiraan selesai"],
        ["ID laporan", "Waktu (Asia/Jakarta)", "Komponen", "Persen", "Catatan", "ID pelapor"],
    ),
}


def _header(sheet: Worksheet) -> list[object]:
    return [cell.value for cell in sheet[1]]


def _looks_usable(sheet: Worksheet) -> None:
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == sheet.dimensions
    for column, title in zip("ABCDEFG", _header(sheet), strict=False):
        width = sheet.column_dimensions[column].width
        assert width is not None
        assert len(str(title)) < width <= 62


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder whose database holds the example, imported by ``pantau import``; the export
    only reads it."""
    workdir = tmp_path_factory.mktemp("imported")
    assert run_pantau(workdir, "import", str(EXAMPLE)).returncode == 0
    return workdir


@pytest.mark.parametrize("lang", ["en", "id"])
def test_imported_trail_as_a_workbook(imported: Path, tmp_path: Path, lang: str) -> None:
    out = tmp_path / "trail.xlsx"
    result = run_pantau(
        imported,
        "export",
        "--tracker",
        "tiktok-tokopedia",
        "--format",
        "xlsx",
        "--lang",
        lang,
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    book = load_workbook(out)
    sheets, summary_head, trail_head = HEADERS[lang]
    assert book.sheetnames == sheets
    summary, trail = book[sheets[0]], book[sheets[1]]
    assert _header(summary)[: len(summary_head)] == summary_head
    assert _header(trail)[: len(trail_head)] == trail_head
    _looks_usable(summary)
    _looks_usable(trail)

    rows = list(trail.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 11
    first = rows[0]
    assert isinstance(first[0], int)  # the report's id
    assert first[1] == datetime.fromisoformat("2023-12-18T10:15")  # wall-clock Jakarta time
    assert trail["B2"].number_format == "yyyy-mm-dd hh:mm"
    assert isinstance(first[5], int)  # reporter id
    # Imported reports have no Telegram chat or message: empty, never a float like -1.5E+16.
    assert all(row[7] is None and row[8] is None for row in rows)
    assert all(isinstance(cell, int) for row in rows for cell in (row[0], row[3], row[5]))

    payments = next(
        row for row in summary.iter_rows(min_row=2, values_only=True) if row[0] == "payments"
    )
    # Finished on 5 Feb 2024 (its first 100%), not "today" whenever the export is made.
    assert payments[5] == datetime.fromisoformat("2024-02-05T00:00")
    assert summary["F2"].number_format == "yyyy-mm-dd"
    assert isinstance(payments[3], int)


async def test_telegram_reports_keep_their_chat_and_message_ids(harness: Harness) -> None:
    await seed_tracker(harness)
    await harness.say("/update payments 40 first", sender=BUDI)
    harness.api.files.clear()
    await harness.say("/export xlsx", sender=ADMIN)
    (sent,) = harness.api.files
    book = load_workbook(io.BytesIO(sent.content))
    row = next(book["Reports"].iter_rows(min_row=2, values_only=True))
    assert row[7] == -1001001
    assert isinstance(row[8], int)
    assert row[8] == harness.reports()[0].message_id
    assert isinstance(row[1], datetime)
    assert row[1].date() == date(2024, 2, 23)
