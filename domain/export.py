"""The audit trail as CSV or as an Excel workbook, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from domain.forecast import Forecast, Insight
from domain.i18n import t
from domain.progress import overall_percent
from domain.render import state_text
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


# A cell starting with one of these is run as a formula by Excel, LibreOffice and Sheets.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class TrailRow:
    report_id: int
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


# The workbook's columns: catalogue keys, so the headers read in the workbook's language.
XLSX_TRAIL = (
    "xlsx_report_id",
    "xlsx_time",
    "xlsx_workstream",
    "xlsx_percent",
    "xlsx_note",
    "xlsx_reporter_id",
    "xlsx_reporter",
    "xlsx_chat_id",
    "xlsx_message_id",
    "xlsx_undone",
    "xlsx_recorded",
    "xlsx_undone_by",
    "xlsx_revision",
    "xlsx_corrects",
    "xlsx_evidence",
    "xlsx_event_hash",
)
XLSX_SUMMARY = (
    "xlsx_key",
    "xlsx_title",
    "xlsx_weight",
    "xlsx_latest",
    "xlsx_pace",
    "xlsx_finish",
    "xlsx_state",
)
IMPORTED_CHAT_ID = 0  # services.imports' chat of reports that came from a file
MAX_WIDTH = 60
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"


def _local(moment: datetime | None, tz: ZoneInfo) -> datetime | None:
    """Excel has no time zones: the tracker's wall-clock time, named in the header."""
    return moment.astimezone(tz).replace(tzinfo=None) if moment is not None else None


def _trail_xlsx_cells(row: TrailRow, tz: ZoneInfo) -> list[object]:
    # An imported report has no Telegram chat or message: its stored message id is a hash
    # with more digits than Excel keeps, so those cells stay empty rather than show -1.5E+16.
    telegram = row.chat_id != IMPORTED_CHAT_ID
    return [
        row.report_id,
        _local(row.created_at, tz),
        row.workstream,
        row.percent,
        row.note or None,
        row.reporter_id,
        row.reporter_name,
        row.chat_id if telegram else None,
        row.message_id if telegram else None,
        _local(row.retracted_at, tz),
        _local(row.recorded_at or row.created_at, tz),
        row.retracted_by,
        row.revision,
        row.corrects,
        row.evidence or None,
        row.event_hash or None,
    ]


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
                state_text(forecast.state, lang) if forecast else None,
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
            state_text(whole.state, lang) if whole else None,
        ]
    )
    return rows


def _finish(forecast: Forecast | None, lang: str) -> date | str | None:
    """The projected finish (the day 100% was reached, once done) as an Excel date; a positive
    pace that reaches 100% only past the horizon says so."""
    if forecast is None:
        return None
    if forecast.finish is not None:
        return forecast.finish
    if forecast.pace is None:
        return None
    return t(lang, "finish_never")


def trail_xlsx(rows: Iterable[TrailRow], snapshot: Snapshot, insight: Insight, lang: str) -> bytes:
    """A workbook with a summary sheet (one row per workstream) and the trail sheet: headers in
    ``lang``, ids as whole numbers, times as Excel date-times in the tracker's timezone, each
    sheet with fitted columns, a filter and its header row frozen."""
    tz_name = snapshot.tracker.timezone
    tz = ZoneInfo(tz_name)
    book = Workbook(write_only=False)
    summary = book.active
    assert isinstance(summary, Worksheet)
    summary.title = t(lang, "sheet_summary")
    _write(
        summary,
        [t(lang, key, tz=tz_name) for key in XLSX_SUMMARY],
        _summary_rows(snapshot, insight, lang),
    )
    trail = book.create_sheet(t(lang, "sheet_trail"))
    _write(
        trail,
        [t(lang, key, tz=tz_name) for key in XLSX_TRAIL],
        (_trail_xlsx_cells(row, tz) for row in rows),
    )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _write(sheet: Worksheet, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    sheet.append(list(header))
    widths = [len(title) for title in header]
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for values in rows:
        sheet.append(list(values))
        for index, cell in enumerate(sheet[sheet.max_row]):
            value = cell.value
            # openpyxl stores a string starting with "=" as a formula: force text instead.
            if isinstance(value, str) and value.startswith(_FORMULA_START):
                cell.data_type = "s"
            if isinstance(value, datetime):
                cell.number_format = DATETIME_FORMAT
                shown = len("2024-02-23 09:00")
            elif isinstance(value, date):
                cell.number_format = DATE_FORMAT
                shown = len("2024-02-23")
            else:
                shown = max((len(line) for line in str(value or "").splitlines()), default=0)
            widths[index] = max(widths[index], shown)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, MAX_WIDTH)
    sheet.auto_filter.ref = sheet.dimensions
    sheet.freeze_panes = "A2"
