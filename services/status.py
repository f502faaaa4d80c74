"""Reading where things stand: /status (a tracker, a portfolio, one workstream), /history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel import Session

from domain.forecast import Forecast
from domain.portfolio import Entry
from domain.views import ReportView, TrackerView, WorkstreamView
from services.checkins import person_label
from services.notices import entry
from services.progress import tracker_state
from services.reports import active_workstream
from storage import checkins, evidence
from storage import reports as report_store
from storage import trackers as tracker_store
from storage.models import Report, Tracker


def portfolio(session: Session, trackers: list[Tracker], now: datetime) -> list[Entry]:
    """Each tracker of a portfolio chat, as of now."""
    return [entry(session, tr, lambda s, t: tracker_state(s, t, now), now) for tr in trackers]


def with_files(session: Session, rows: Sequence[Report], key: str) -> list[ReportView]:
    """Reports as views, each with the names of its evidence files (📎)."""
    files = evidence.of_reports(session, report_ids=[row.id for row in rows if row.id])
    return [
        replace(
            report_store.report_view(row, key),
            files=tuple(f.name for f in files.get(row.id or 0, [])),
        )
        for row in rows
    ]


@dataclass(frozen=True, slots=True)
class WorkstreamReports:
    """One workstream with its latest reports (/history; /status <workstream> with more)."""

    tracker: TrackerView
    workstream: WorkstreamView
    reports: list[ReportView]
    forecast: Forecast | None = None
    owners: tuple[str, ...] = ()


def history(session: Session, tracker: Tracker, key: str, limit: int) -> WorkstreamReports:
    """/history: the last ``limit`` reports of an active workstream, with their files."""
    ws = active_workstream(report_store.snapshot(session, tracker=tracker), key)
    rows = report_store.recent_reports(session, workstream_id=ws.id, limit=limit)
    return WorkstreamReports(
        tracker_store.tracker_view(tracker), ws, with_files(session, rows, ws.key)
    )


def workstream_status(
    session: Session, tracker: Tracker, key: str, *, limit: int, now: datetime
) -> WorkstreamReports:
    """/status <workstream>: its reports, forecast and owners."""
    snap, insight = tracker_state(session, tracker, now)
    ws = active_workstream(snap, key)
    rows = report_store.recent_reports(session, workstream_id=ws.id, limit=limit)
    owners = checkins.owners_of(session, workstream_id=ws.id)
    return WorkstreamReports(
        snap.tracker,
        ws,
        with_files(session, rows, ws.key),
        insight.per_workstream.get(ws.id),
        tuple(person_label(session, user_id) for user_id in owners),
    )
