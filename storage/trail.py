"""The audit trail in the database: appending events to a tracker's hash chain, its head,
and what the export reads of it. ``storage.verify`` checks the chain against the rows.

Every storage function that changes what Pantau reports appends its event here, in the same
transaction as the change, so no caller (handler, CLI, importer, demo) can forget it. The
format is ``domain.trail``'s.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import Row
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from domain import trail
from domain.trail import Kind
from storage.models import Evidence, Report, Tracker, TrackerEvent, Workstream

_EVENT = TrackerEvent.__table__  # type: ignore[attr-defined]
# A report's fields the chain holds under the same name as the table's.
_REPORT_FIELDS = (
    "percent", "note", "reporter_id", "reporter_name", "chat_id", "message_id", "created_at",
    "recorded_at", "revision",
)  # fmt: skip


def report_subject(report: Any, workstream_key: str) -> dict[str, Any]:
    """A report (a model, or a row read raw, times as the driver returns them) as the chain
    holds it."""
    same = {name: getattr(report, name) for name in _REPORT_FIELDS}
    return trail.report_subject(
        report_id=report.id, workstream=workstream_key, corrects=report.corrects_id, **same
    )


def retraction(report: Any) -> dict[str, Any]:
    """A report's undo, or its replacement by a correction, as the chain holds it."""
    return trail.retraction_subject(
        report_id=report.id, retracted_at=report.retracted_at, retracted_by=report.retracted_by
    )


def evidence_subject(evidence: Any) -> dict[str, Any]:
    return trail.evidence_subject(
        evidence_id=evidence.id,
        report_id=evidence.report_id,
        file_unique_id=evidence.file_unique_id,
        name=evidence.name,
        mime=evidence.mime,
        size=evidence.size,
        sha256=evidence.sha256,
    )


def _subject_now(
    session: Session, kind: str, report_id: int | None, evidence_id: int | None
) -> Any:
    """The subject of a row-backed event, read from its row as flushed."""
    if kind in trail.REPORT_KINDS:
        report = session.get(Report, report_id)
        assert report is not None
        ws = session.get(Workstream, report.workstream_id)
        assert ws is not None
        subject = report_subject(report, ws.key)
        if report.corrects_id is not None:
            # A correction also says when and by whom the report it replaces was retracted.
            old = session.get(Report, report.corrects_id)
            assert old is not None
            subject["replaced"] = retraction(old)
        return subject
    if kind == Kind.UNDO:
        report = session.get(Report, report_id)
        assert report is not None
        return retraction(report)
    if kind == Kind.EVIDENCE:
        evidence = session.get(Evidence, evidence_id)
        assert evidence is not None
        return evidence_subject(evidence)
    return None


class _Stored(TypedDict):
    """An event's fields that both its canonical line and its row hold as they are."""

    kind: str
    at: datetime
    actor_id: int | None
    chat_id: int | None
    detail: str | None


@dataclass(frozen=True, slots=True)
class Act:
    """Who changed a tracker, when, and from which chat: the fields every event of one change
    carries. A use case builds it once and hands it, beside the session, to the storage
    functions that take one (``members.set_role``, ``trackers.change_tracker``,
    ``lifecycle.add_event`` …); the others build it from their own arguments."""

    tracker_id: int
    at: datetime
    actor_id: int | None = None
    chat_id: int | None = None


def record(
    session: Session,
    act: Act,
    kind: str,
    *,
    detail: str | None = None,
    report_id: int | None = None,
    evidence_id: int | None = None,
    subject: Mapping[str, Any] | None = None,
) -> TrackerEvent:
    """Append one event of ``act`` to its tracker's chain, in the caller's transaction.

    The tracker's row is locked first (PostgreSQL: SELECT … FOR NO KEY UPDATE), so two writers
    append one after the other; the unique (tracker, seq) is the backstop. SQLite writers
    already take turns.
    """
    session.flush()
    # FOR NO KEY UPDATE: it queues appenders one behind the other, but does not conflict with
    # the KEY SHARE lock the change itself took on the tracker row (a report's foreign key),
    # which FOR UPDATE would, deadlocking two appenders.
    locked = select(Tracker.id).where(Tracker.id == act.tracker_id).with_for_update(key_share=True)
    session.exec(locked).first()
    last = session.exec(
        select(TrackerEvent.seq, TrackerEvent.hash)
        .where(TrackerEvent.tracker_id == act.tracker_id)
        .order_by(col(TrackerEvent.seq).desc())
        .limit(1)
    ).first()
    seq, previous = (last[0] + 1, last[1]) if last is not None else (1, trail.GENESIS)
    if kind in trail.ROW_KINDS:
        subject = _subject_now(session, kind, report_id, evidence_id)
    detail = detail[:500] if detail else None
    shared = _Stored(
        kind=kind, at=act.at, actor_id=act.actor_id, chat_id=act.chat_id, detail=detail
    )
    text = trail.canonical(seq=seq, subject=subject, **shared)
    event = TrackerEvent(
        tracker_id=act.tracker_id,
        seq=seq,
        report_id=report_id,
        evidence_id=evidence_id,
        **shared,
        canonical=text,
        hash=trail.chain_hash(previous, text),
    )
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True, slots=True)
class Head:
    tracker_key: str
    count: int
    head: str  # GENESIS when there is no event
    last_at: datetime | None


def head(session: Session, *, tracker_id: int) -> Head:
    """A tracker's chain as stored: its last hash, the number of events, the last one's time."""
    tracker = session.get(Tracker, tracker_id)
    assert tracker is not None
    last = session.exec(
        select(TrackerEvent)
        .where(TrackerEvent.tracker_id == tracker_id)
        .order_by(col(TrackerEvent.seq).desc())
        .limit(1)
    ).first()
    if last is None:
        return Head(tracker.key, 0, trail.GENESIS, None)
    return Head(tracker.key, last.seq, last.hash, last.at)


def report_event_hashes(session: Session, *, tracker_id: int) -> dict[int, str]:
    """Each report's event hash (the report or correction that recorded it)."""
    statement = core_select(_EVENT.c.report_id, _EVENT.c.hash).where(
        _EVENT.c.tracker_id == tracker_id,
        _EVENT.c.kind.in_([Kind.REPORT.value, Kind.CORRECTION.value]),
    )
    return {row.report_id: row.hash for row in session.connection().execute(statement)}


def events_of(session: Session, *, tracker_id: int) -> Iterable[Row[Any]]:
    """A tracker's events in chain order, for the export bundle."""
    statement = (
        core_select(
            _EVENT.c.seq,
            _EVENT.c.kind,
            _EVENT.c.at,
            _EVENT.c.report_id,
            _EVENT.c.evidence_id,
            _EVENT.c.canonical,
            _EVENT.c.hash,
        )
        .where(_EVENT.c.tracker_id == tracker_id)
        .order_by(_EVENT.c.seq)
    )
    return session.connection().execute(statement)
