"""Charts and exports of a tracker, for /chart, /export, weekly digests and the command line.

Each comes in two steps: what to draw is read in the transaction (``chart_data``,
``export_data``); the drawing (matplotlib) or the workbook (openpyxl) is made after it
(``draw_chart``, ``export_file``), so no transaction stays open for a second of CPU. Both
libraries are imported on demand: only a chart or an export pays for them, not start-up.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session

from domain.forecast import Forecast, Insight
from domain.progress import local_today
from domain.views import Snapshot, TrackerView
from services.progress import tracker_state
from storage import evidence, trail
from storage import history as history_store
from storage.models import Report, Tracker

if TYPE_CHECKING:
    from domain.chart import Series
    from domain.export import TrailRow

    # The report's own columns, as the trail's rows carry them (by the same names).
    columns = [f.name for f in fields(TrailRow) if f.name in Report.model_fields]


@dataclass(frozen=True, slots=True)
class ChartData:
    tracker: TrackerView
    series: list[Series]
    whole: Forecast | None


def chart_data(session: Session, tracker: Tracker, *, now: datetime) -> ChartData:
    """What the burn-up chart shows: each workstream's daily history and forecast."""
    from domain.chart import Series

    snapshot, insight = tracker_state(session, tracker, now)
    series = [
        Series(
            ws.title,
            ws.weight,
            history_store.daily_history(session, workstream_id=ws.id, tz_name=tracker.timezone),
            insight.per_workstream.get(ws.id),
        )
        for ws in snapshot.workstreams
    ]
    return ChartData(snapshot.tracker, series, insight.whole)


def draw_chart(data: ChartData, *, now: datetime, lang: str, fmt: str = "png") -> bytes:
    """The burn-up chart as PNG (``fmt``: or ``svg``, ``pdf`` for the command line)."""
    from domain.chart import render_chart

    return render_chart(data.tracker, data.series, data.whole, now=now, lang=lang, fmt=fmt)


@dataclass(frozen=True, slots=True)
class ExportData:
    name: str  # the file's name
    fmt: str  # csv | xlsx
    timezone: str
    rows: list[TrailRow]
    state: tuple[Snapshot, Insight] | None  # xlsx: the summary sheet's figures


def export_data(session: Session, tracker: Tracker, *, fmt: str, now: datetime) -> ExportData:
    """The audit trail's rows (with each report's evidence and event hash) to export."""
    from domain.export import TrailRow

    # The report's own columns, as the trail's rows carry them (by the same names).
    columns = [f.name for f in fields(TrailRow) if f.name in Report.model_fields]
    tracker_id = tracker.id or 0
    files = evidence.files_by_report(session, tracker_id=tracker_id)
    hashes = trail.report_event_hashes(session, tracker_id=tracker_id)
    rows = [
        TrailRow(
            report_id=report.id or 0,
            workstream=key,
            corrects=report.corrects_id,
            evidence=evidence.describe(files.get(report.id or 0, [])),
            event_hash=hashes.get(report.id or 0, ""),
            **{name: getattr(report, name) for name in columns},
        )
        for report, key in history_store.trail(session, tracker_id=tracker_id)
    ]
    stamp = local_today(now, tracker.timezone).isoformat()
    state = tracker_state(session, tracker, now) if fmt == "xlsx" else None
    return ExportData(f"pantau-{tracker.key}-{stamp}.{fmt}", fmt, tracker.timezone, rows, state)


def export_file(data: ExportData, *, lang: str) -> tuple[str, bytes, int]:
    """``(file name, content, number of reports)`` of the audit trail as csv or xlsx."""
    from domain.export import trail_csv, trail_xlsx

    if data.state is None:
        return data.name, trail_csv(data.rows, data.timezone), len(data.rows)
    snapshot, insight = data.state
    return data.name, trail_xlsx(data.rows, snapshot, insight, lang), len(data.rows)
