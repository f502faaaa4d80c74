"""Charts and exports for a tracker: used by /chart, /export and the command line alike."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from sqlmodel import Session

from domain.forecast import build_insight
from domain.progress import local_today
from storage import evidence, trail
from storage import history as history_store
from storage import reports as report_store
from storage.db import PRIVATE_FILE
from storage.models import Tracker


def write_private(path: Path, content: bytes) -> None:
    """Write a chart or an export readable by its owner only (0600, even over an older file):
    the audit trail names people and what they said."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    with os.fdopen(fd, "wb") as out:
        os.fchmod(out.fileno(), PRIVATE_FILE)
        out.write(content)


def chart_png(
    session: Session, tracker: Tracker, *, now: datetime, lang: str, fmt: str = "png"
) -> bytes:
    """The burn-up chart as PNG (``fmt``: or ``svg``, ``pdf`` for the command line)."""
    # matplotlib takes a third of a second to import: only a chart pays for it, not start-up.
    from domain.chart import Series, render_chart

    snapshot = report_store.snapshot(session, tracker=tracker)
    insight = build_insight(
        snapshot, history_store.histories(session, snapshot=snapshot, now=now), now=now
    )
    series = [
        Series(
            ws.title,
            ws.weight,
            history_store.daily_history(session, workstream_id=ws.id, tz_name=tracker.timezone),
            insight.per_workstream.get(ws.id),
        )
        for ws in snapshot.workstreams
    ]
    return render_chart(snapshot.tracker, series, insight.whole, now=now, lang=lang, fmt=fmt)


def export_file(
    session: Session, tracker: Tracker, *, fmt: str, now: datetime, lang: str
) -> tuple[str, bytes, int]:
    """``(file name, content, number of reports)`` of the audit trail as csv or xlsx."""
    from domain.export import TrailRow, trail_csv, trail_xlsx  # openpyxl: imported on demand

    tracker_id = tracker.id or 0
    files = evidence.files_by_report(session, tracker_id=tracker_id)
    hashes = trail.report_event_hashes(session, tracker_id=tracker_id)
    rows = [
        TrailRow(
            report_id=report.id or 0,
            created_at=report.created_at,
            workstream=key,
            percent=report.percent,
            note=report.note,
            reporter_id=report.reporter_id,
            reporter_name=report.reporter_name,
            chat_id=report.chat_id,
            message_id=report.message_id,
            retracted_at=report.retracted_at,
            recorded_at=report.recorded_at,
            retracted_by=report.retracted_by,
            revision=report.revision,
            corrects=report.corrects_id,
            evidence=evidence.describe(files.get(report.id or 0, [])),
            event_hash=hashes.get(report.id or 0, ""),
        )
        for report, key in history_store.trail(session, tracker_id=tracker_id)
    ]
    stamp = local_today(now, tracker.timezone).isoformat()
    name = f"pantau-{tracker.key}-{stamp}.{fmt}"
    if fmt == "csv":
        return name, trail_csv(rows, tracker.timezone), len(rows)
    snapshot = report_store.snapshot(session, tracker=tracker)
    insight = build_insight(
        snapshot, history_store.histories(session, snapshot=snapshot, now=now), now=now
    )
    return name, trail_xlsx(rows, snapshot, insight, lang), len(rows)
