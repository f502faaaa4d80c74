"""Percentages and deadlines."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from domain.views import ReportView, Snapshot, WorkstreamView


def overall_percent(workstreams: Iterable[WorkstreamView]) -> float:
    """Weighted mean of each active workstream's latest percent (no report counts as 0%)."""
    total_weight = 0.0
    weighted = 0.0
    for ws in workstreams:
        total_weight += ws.weight
        weighted += ws.weight * ws.percent
    if total_weight <= 0:
        return 0.0
    return weighted / total_weight


def round_percent(value: float) -> int:
    """Round half up, so 69.5% shows as 70% (Python's round() would give banker's rounding)."""
    return int(value + 0.5)


def local_today(now_utc: datetime, tz_name: str) -> date:
    """The calendar date in the tracker's timezone at ``now_utc``."""
    return now_utc.astimezone(ZoneInfo(tz_name)).date()


def progress_bar(percent: float, width: int = 10) -> str:
    """A text bar that reads well in a monospace line on a phone: ``███████░░░``."""
    filled = max(0, min(width, int(percent / 100 * width + 0.5)))
    return "█" * filled + "░" * (width - filled)


def with_report(snapshot: Snapshot, report: ReportView, workstream_id: int) -> Snapshot:
    """The snapshot after ``report`` was added, without reading the database again.

    A report older than the workstream's current latest (a late delivery) changes nothing.
    """
    updated = []
    for ws in snapshot.workstreams:
        if ws.id == workstream_id and (
            ws.latest is None or report.created_at >= ws.latest.created_at
        ):
            ws = replace(ws, latest=report)
        updated.append(ws)
    return replace(snapshot, workstreams=tuple(updated))


def find_workstream(snapshot: Snapshot, workstream_id: int) -> WorkstreamView:
    for ws in snapshot.workstreams:
        if ws.id == workstream_id:
            return ws
    raise KeyError(workstream_id)


def daily(points: Iterable[tuple[datetime, float]], tz_name: str) -> list[tuple[datetime, float]]:
    """The last value of each local day: a year of reports is a few hundred points to draw."""
    tz = ZoneInfo(tz_name)
    by_day: dict[date, tuple[datetime, float]] = {}
    for when, value in points:
        by_day[when.astimezone(tz).date()] = (when, value)
    return [by_day[day] for day in sorted(by_day)]
