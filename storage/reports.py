"""Progress reports: the snapshot every reply reads, recording, corrections and undo, and
the undone reports a digest lists."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NotRequired, TypedDict, Unpack

from sqlalchemy import Select, bindparam
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from domain.trail import Kind
from domain.views import ReportView, Snapshot, UndoneReport, WorkstreamView
from storage import trail
from storage.models import Report, Tracker, Workstream
from storage.trackers import tracker_view

_REPORT = Report.__table__  # type: ignore[attr-defined]
_WORKSTREAM = Workstream.__table__  # type: ignore[attr-defined]

_REPORT_OF_MESSAGE = sa_select(_REPORT.c.id).where(
    _REPORT.c.chat_id == bindparam("chat_id"), _REPORT.c.message_id == bindparam("message_id")
)
_ADD_REPORT = _REPORT.insert()


def report_view(report: Report, workstream_key: str) -> ReportView:
    assert report.id is not None
    return ReportView(
        id=report.id,
        workstream_key=workstream_key,
        percent=report.percent,
        note=report.note,
        reporter_id=report.reporter_id,
        reporter_name=report.reporter_name,
        created_at=report.created_at,
        retracted_at=report.retracted_at,
    )


def _snapshot_statement() -> Select[Any]:
    ws, report, newer = _WORKSTREAM, _REPORT, _REPORT.alias("newest")
    latest_id = (
        sa_select(newer.c.id)
        .where(newer.c.workstream_id == ws.c.id, newer.c.retracted_at.is_(None))
        .order_by(newer.c.created_at.desc(), newer.c.id.desc())
        .limit(1)
        .correlate(ws)
        .scalar_subquery()
    )
    return (
        sa_select(
            ws.c.id,
            ws.c.key,
            ws.c.title,
            ws.c.weight,
            ws.c.created_at,
            report.c.id.label("report_id"),
            report.c.percent,
            report.c.note,
            report.c.reporter_id,
            report.c.reporter_name,
            report.c.created_at.label("reported_at"),
        )
        .select_from(ws.outerjoin(report, report.c.id == latest_id))
        .where(ws.c.tracker_id == bindparam("tracker_id"), ws.c.archived.is_(False))
        .order_by(ws.c.position, ws.c.id)
    )


def snapshot(session: Session, *, tracker: Tracker) -> Snapshot:
    """The tracker with every active workstream and its latest report.

    One statement whatever the number of workstreams: each workstream joined to its latest
    counted report (a correlated subquery served by ``ix_report_latest``). The cost depends
    on the number of workstreams, not on the history.
    """
    view = tracker_view(tracker)
    session.flush()  # a Core read: pending ORM changes (a retraction, say) first
    rows = session.connection().execute(_SNAPSHOT, {"tracker_id": view.id}).all()
    views = []
    for row in rows:
        latest = None
        if row.report_id is not None:
            latest = ReportView(
                id=row.report_id,
                workstream_key=row.key,
                percent=row.percent,
                note=row.note,
                reporter_id=row.reporter_id,
                reporter_name=row.reporter_name,
                created_at=row.reported_at,
            )
        views.append(
            WorkstreamView(
                id=row.id,
                key=row.key,
                title=row.title,
                weight=row.weight,
                latest=latest,
                created_at=row.created_at,
            )
        )
    return Snapshot(tracker=view, workstreams=tuple(views))


_SNAPSHOT = _snapshot_statement()


def report_exists(session: Session, *, chat_id: int, message_id: int) -> bool:
    session.flush()
    found = session.connection().execute(
        _REPORT_OF_MESSAGE, {"chat_id": chat_id, "message_id": message_id}
    )
    return found.first() is not None


class NewReport(TypedDict):
    """A new report's fields. ``recorded_at`` (when Pantau received it) defaults to
    ``created_at`` (when the progress was true): the same moment for a report made as it is
    sent."""

    tracker_id: int
    workstream_id: int
    # where it was said, by whom
    chat_id: int
    message_id: int
    update_id: int | None
    reporter_id: int
    reporter_name: str
    # what, and since when
    percent: int
    note: str | None
    created_at: datetime
    recorded_at: NotRequired[datetime | None]
    revision: NotRequired[int]
    corrects_id: NotRequired[int | None]


def _columns(fields: NewReport) -> dict[str, Any]:
    """Every column of the new row, defaults filled in."""
    return {
        "revision": 0,
        "corrects_id": None,
        **fields,
        "recorded_at": fields.get("recorded_at") or fields["created_at"],
        "retracted_at": None,
        "retracted_by": None,
        "retracted_chat_id": None,
        "retracted_message_id": None,
    }


def insert_report(
    session: Session, *, workstream_key: str, **fields: Unpack[NewReport]
) -> ReportView:
    """Insert a report, chained, and return its view. A Core insert: on the path of every
    /update, the ORM's unit of work and a table object cost several times the write itself."""
    values = _columns(fields)
    session.flush()  # pending ORM changes (a retraction, say) go first, in order
    key = session.connection().execute(_ADD_REPORT, values).inserted_primary_key
    assert key is not None
    act = trail.Act(
        values["tracker_id"], values["recorded_at"], values["reporter_id"], values["chat_id"]
    )
    kind = Kind.CORRECTION if values["corrects_id"] is not None else Kind.REPORT
    trail.record(session, act, kind, report_id=key[0])
    return ReportView(
        id=key[0],
        workstream_key=workstream_key,
        percent=values["percent"],
        note=values["note"],
        reporter_id=values["reporter_id"],
        reporter_name=values["reporter_name"],
        created_at=values["created_at"],
    )


def add_report(session: Session, **fields: Unpack[NewReport]) -> Report:
    """A new report (see :func:`insert_report`); the row returned is not attached to the
    session: read it, do not change it."""
    view = insert_report(session, workstream_key="", **fields)
    return Report(id=view.id, **_columns(fields))


def get_report(session: Session, *, report_id: int) -> Report | None:
    return session.get(Report, report_id)


def imported_reports(session: Session, *, tracker_id: int, chat_id: int) -> Sequence[Report]:
    """Every report a file import made in a tracker (all revisions), oldest first."""
    statement = (
        select(Report)
        .where(Report.tracker_id == tracker_id, Report.chat_id == chat_id)
        .order_by(col(Report.id))
    )
    return session.exec(statement).all()


def revisions_of_message(session: Session, *, chat_id: int, message_id: int) -> list[Report]:
    """Every report a message made (as sent and each edit), oldest revision first."""
    statement = (
        select(Report)
        .where(Report.chat_id == chat_id, Report.message_id == message_id)
        .order_by(col(Report.revision))
    )
    return list(session.exec(statement).all())


def recent_reports(
    session: Session, *, workstream_id: int, limit: int, include_retracted: bool = True
) -> Sequence[Report]:
    statement = select(Report).where(Report.workstream_id == workstream_id)
    if not include_retracted:
        statement = statement.where(col(Report.retracted_at).is_(None))
    statement = statement.order_by(col(Report.created_at).desc(), col(Report.id).desc())
    return session.exec(statement.limit(limit)).all()


def last_report_by(session: Session, *, tracker_id: int, reporter_id: int) -> Report | None:
    """The caller's most recent report in a tracker that still counts."""
    statement = (
        select(Report)
        .where(
            Report.tracker_id == tracker_id,
            Report.reporter_id == reporter_id,
            col(Report.retracted_at).is_(None),
        )
        .order_by(col(Report.created_at).desc(), col(Report.id).desc())
        .limit(1)
    )
    return session.exec(statement).first()


def retract_report(
    session: Session,
    *,
    report: Report,
    now: datetime,
    chat_id: int | None,
    message_id: int | None,
    by: int | None,
    replaced: bool = False,
) -> None:
    """Retract a report: an undo (chained here), or ``replaced`` by a correction (chained by
    the correction's own event, which names it)."""
    report.retracted_at = now
    report.retracted_by = by
    report.retracted_chat_id = chat_id
    report.retracted_message_id = message_id
    session.add(report)
    session.flush()
    if not replaced:
        assert report.id is not None
        act = trail.Act(report.tracker_id, now, by, chat_id)
        trail.record(session, act, Kind.UNDO, report_id=report.id)


def retracted_by(session: Session, *, chat_id: int, message_id: int) -> Report | None:
    """The report an /undo message already retracted (a redelivered /undo)."""
    statement = select(Report).where(
        Report.retracted_chat_id == chat_id, Report.retracted_message_id == message_id
    )
    return session.exec(statement).first()


def undone_statement(
    workstream_ids: Sequence[int], *, since: datetime, until: datetime
) -> SelectOfScalar[Report]:
    """Reports of these workstreams undone in (since, until], oldest undo first.

    A report replaced by an edit of its message is retracted too, but it is a correction, not
    an undo: a later revision of the same message exists. Both conditions are index seeks
    (``ix_report_latest`` per workstream, the unique chat/message/revision key), so a digest
    reads the same whatever the history's size.
    """
    later = aliased(Report)
    replaced = (
        select(later.id)
        .where(
            later.chat_id == Report.chat_id,
            later.message_id == Report.message_id,
            later.revision > Report.revision,
        )
        .exists()
    )
    return (
        select(Report)
        .where(
            col(Report.workstream_id).in_(list(workstream_ids)),
            col(Report.retracted_at) > since,
            col(Report.retracted_at) <= until,
            ~replaced,
        )
        .order_by(col(Report.retracted_at), col(Report.id))
    )


def undone_reports(
    session: Session, *, snapshot: Snapshot, since: datetime, until: datetime, limit: int
) -> list[UndoneReport]:
    """The active workstreams' reports undone in (since, until], at most ``limit``."""
    titles = {ws.id: ws.title for ws in snapshot.workstreams}
    if not titles:
        return []
    statement = undone_statement(list(titles), since=since, until=until).limit(limit)
    return [
        UndoneReport(
            workstream=titles[report.workstream_id],
            percent=report.percent,
            reporter_name=report.reporter_name,
            created_at=report.created_at,
            undone_at=report.retracted_at or until,
        )
        for report in session.exec(statement)
    ]
