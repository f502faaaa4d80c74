"""Reports read as history: the forecast's window, the chart's daily points, the audit
stream, and where a demo database stopped."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, literal, union_all
from sqlmodel import Session, col, select

from domain.forecast import WINDOW, Point
from domain.progress import daily
from domain.views import Snapshot
from storage.models import InboxUpdate, Notice, Report, Tracker, Workstream
from storage.types import UTCDateTime


def recent_history(session: Session, *, workstream_id: int, now: datetime) -> list[Point]:
    """The forecast's input: the last counted report of each day of the window, oldest first,
    after the last one before the window (the value when the window opened).

    One statement: for each of the 29 day boundaries, the latest report at or before it
    (an index seek on ``ix_report_latest`` each), so the cost is the same for a thousand
    reports or a million.
    """
    since = now - WINDOW
    days = WINDOW.days
    bounds = [since + timedelta(days=n) for n in range(days)] + [now]
    boundary = union_all(
        *[
            select(literal(n).label("n"), bindparam(f"b{n}", value, type_=UTCDateTime).label("t"))
            for n, value in enumerate(bounds)
        ]
    ).subquery("bounds")
    latest = (
        select(Report.id)
        .where(
            Report.workstream_id == workstream_id,
            col(Report.retracted_at).is_(None),
            col(Report.created_at) <= boundary.c.t,
        )
        .order_by(col(Report.created_at).desc(), col(Report.id).desc())
        .limit(1)
        .correlate(boundary)
        .scalar_subquery()
    )
    ids = list(session.exec(select(latest).select_from(boundary).order_by(boundary.c.n)).all())
    wanted = list(dict.fromkeys(report_id for report_id in ids if report_id is not None))
    if not wanted:
        return []
    rows = session.exec(
        select(Report.id, Report.created_at, Report.percent).where(col(Report.id).in_(wanted))
    ).all()
    found = {report_id: (when, float(percent)) for report_id, when, percent in rows}
    return sorted(found[report_id] for report_id in wanted)


def histories(session: Session, *, snapshot: Snapshot, now: datetime) -> dict[int, list[Point]]:
    return {
        ws.id: recent_history(session, workstream_id=ws.id, now=now) for ws in snapshot.workstreams
    }


def daily_history(session: Session, *, workstream_id: int, tz_name: str) -> list[Point]:
    """A workstream's whole history, one point per local day, read as a stream."""
    statement = (
        select(Report.created_at, Report.percent)
        .where(Report.workstream_id == workstream_id, col(Report.retracted_at).is_(None))
        .order_by(col(Report.created_at), col(Report.id))
        .execution_options(yield_per=5_000)
    )
    rows = session.exec(statement)
    return daily(((when, float(percent)) for when, percent in rows), tz_name)


def trail(session: Session, *, tracker_id: int) -> Iterator[tuple[Report, str]]:
    """Every report of a tracker, retracted ones included, oldest first, with its workstream
    key: the audit trail, streamed."""
    statement = (
        select(Report, Workstream.key)
        .join(Workstream, col(Workstream.id) == col(Report.workstream_id))
        .where(Report.tracker_id == tracker_id)
        .order_by(col(Report.created_at), col(Report.id))
        .execution_options(yield_per=5_000)
    )
    yield from session.exec(statement)


@dataclass(frozen=True, slots=True)
class ResumePoint:
    """Where a demo database stopped: its last moment and the highest ids it has seen."""

    last_event: datetime | None
    message_id: int
    update_id: int


def resume_point(session: Session) -> ResumePoint:
    """The latest thing that happened (a report, an undo, a notice, a new workstream or
    tracker) and the highest Telegram message and update ids recorded."""
    moments = [
        session.exec(select(func.max(Report.created_at))).one(),
        session.exec(select(func.max(Report.retracted_at))).one(),
        session.exec(select(func.max(Report.recorded_at))).one(),
        session.exec(select(func.max(Notice.created_at))).one(),
        session.exec(select(func.max(Workstream.created_at))).one(),
        session.exec(select(func.max(Tracker.created_at))).one(),
    ]
    known = [moment for moment in moments if moment is not None]
    message_ids = [
        session.exec(select(func.max(Report.message_id))).one(),
        session.exec(select(func.max(Report.retracted_message_id))).one(),
    ]
    update_ids = [
        session.exec(select(func.max(Report.update_id))).one(),
        session.exec(select(func.max(InboxUpdate.update_id))).one(),
    ]
    return ResumePoint(
        last_event=max(known) if known else None,
        message_id=max((int(i) for i in message_ids if i is not None), default=0),
        update_id=max((int(i) for i in update_ids if i is not None), default=0),
    )
