"""The audit trail as CSV or as an Excel workbook, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from domain.forecast import Forecast, Insight
from domain.i18n import t
from domain.progress import overall_percent
from domain.views import Snapshot

TRAIL_COLUMNS = (
    "time_utc",
    "time_local",
    "workstream",
    "percent",
    "note",
    "reporter_id",
    "reporter_name",
    "chat_id",
    "message_id",
    "retracted_at_utc",
    # Added after the first release, at the end so that existing sheets keep their columns.
    "recorded_at_utc",  # when Pantau received it (time_utc: when the progress was true)
    "retracted_by",  # who undid or corrected it
    # What an auditor needs to relate rows: the report's id, which edit it was and which
    # report it replaced, its files, and its event in the hash chain.
    "report_id",
    "revision",
    "corrects",
    "evidence",
    "event_hash",
)
SUMMARY_COLUMNS = (
    "workstream",
    "title",
    "weight",
    "latest_percent",
    "pace_points_per_week",
    "projected_finish",
    "state",
)
# A cell starting with one of these is run as a formula by Excel, LibreOffice and Sheets.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class TrailRow:
    created_at: datetime
    workstream: str
    percent: int
    note: str | None
    reporter_id: int
    reporter_name: str
    chat_id: int
    message_id: int
    retracted_at: datetime | None
    recorded_at: datetime | None = None
    retracted_by: int | None = None
    report_id: int = 0
    revision: int = 0
    corrects: int | None = None
    evidence: str = ""  # "name sha256:…; …"
    event_hash: str = ""


def neutralise(value: str) -> str:
    """Text that a spreadsheet would take for a formula gets a leading apostrophe."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _trail_cells(row: TrailRow, tz: ZoneInfo) -> list[str | int]:
    return [
        row.created_at.isoformat(),
        row.created_at.astimezone(tz).isoformat(),
        row.workstream,
        row.percent,
        row.note or "",
        row.reporter_id,
        row.reporter_name,
        row.chat_id,
        row.message_id,
        row.retracted_at.isoformat() if row.retracted_at else "",
        (row.recorded_at or row.created_at).isoformat(),
        row.retracted_by if row.retracted_by is not None else "",
        row.report_id,
        row.revision,
        row.corrects if row.corrects is not None else "",
        row.evidence,
        row.event_hash,
    ]


def trail_csv(rows: Iterable[TrailRow], tz_name: str) -> bytes:
    """UTF-8 with a BOM, so Excel shows Indonesian and arrows right."""
    tz = ZoneInfo(tz_name)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(TRAIL_COLUMNS)
    for row in rows:
        writer.writerow(
            [neutralise(cell) if isinstance(cell, str) else cell for cell in _trail_cells(row, tz)]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _summary_rows(snapshot: Snapshot, insight: Insight, lang: str) -> list[list[object]]:
    rows: list[list[object]] = []
    for ws in snapshot.workstreams:
        forecast = insight.per_workstream.get(ws.id)
        rows.append(
            [
                ws.key,
                ws.title,
                ws.weight,
                ws.percent,
                round(forecast.pace, 1) if forecast and forecast.pace is not None else None,
                _finish(forecast, lang),
                t(lang, f"state_{forecast.state.value}") if forecast else None,
            ]
        )
    whole = insight.whole
    rows.append(
        [
            "*",
            t(lang, "chart_overall"),
            sum(ws.weight for ws in snapshot.workstreams),
            round(overall_percent(snapshot.workstreams), 1),
            round(whole.pace, 1) if whole and whole.pace is not None else None,
            _finish(whole, lang),
            t(lang, f"state_{whole.state.value}") if whole else None,
        ]
    )
    return rows


def _finish(forecast: Forecast | None, lang: str) -> str | None:
    """The projected finish; a positive pace that reaches 100% only past the horizon says so."""
    if forecast is None or forecast.pace is None:
        return None
    if forecast.finish is not None:
        return forecast.finish.isoformat()
    return t(lang, "finish_never")


def trail_xlsx(rows: Iterable[TrailRow], snapshot: Snapshot, insight: Insight, lang: str) -> bytes:
    """A workbook with a summary sheet (one row per workstream) and the trail sheet."""
    tz = ZoneInfo(snapshot.tracker.timezone)
    book = Workbook(write_only=False)
    summary = book.active
    assert isinstance(summary, Worksheet)
    summary.title = t(lang, "sheet_summary")
    _write(summary, SUMMARY_COLUMNS, _summary_rows(snapshot, insight, lang))
    trail = book.create_sheet(t(lang, "sheet_trail"))
    _write(trail, TRAIL_COLUMNS, (_trail_cells(row, tz) for row in rows))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _write(sheet: Worksheet, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for values in rows:
        sheet.append(list(values))
        for cell in sheet[sheet.max_row]:
            # openpyxl stores a string starting with "=" as a formula: force text instead.
            if isinstance(cell.value, str) and cell.value.startswith(_FORMULA_START):
                cell.data_type = "s"
