"""The audit trail in the database: appending events to a tracker's hash chain, and verifying
the chain against the rows themselves.

Every storage function that changes what Pantau reports appends its event here, in the same
transaction as the change, so no caller (handler, CLI, importer, demo) can forget it. The
format is ``domain.trail``'s. Verification reads with Core statements, not the ORM: it must
go through a hundred thousand events in well under a second.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, String, type_coerce
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from domain import trail
from domain.trail import Kind
from storage.models import Evidence, Member, Report, Tracker, TrackerEvent, Workstream

_EVENT = TrackerEvent.__table__  # type: ignore[attr-defined]
_REPORT = Report.__table__  # type: ignore[attr-defined]
_EVIDENCE = Evidence.__table__  # type: ignore[attr-defined]
_WORKSTREAM = Workstream.__table__  # type: ignore[attr-defined]
_TRACKER = Tracker.__table__  # type: ignore[attr-defined]
_MEMBER = Member.__table__  # type: ignore[attr-defined]


def report_subject(report: Report | Row[Any], workstream_key: str) -> dict[str, Any]:
    assert report.id is not None
    return trail.report_subject(
        report_id=report.id,
        workstream=workstream_key,
        percent=report.percent,
        note=report.note,
        reporter_id=report.reporter_id,
        reporter_name=report.reporter_name,
        chat_id=report.chat_id,
        message_id=report.message_id,
        created_at=report.created_at,
        recorded_at=report.recorded_at,
        revision=report.revision,
        corrects=report.corrects_id,
    )


def evidence_subject(evidence: Evidence | Row[Any]) -> dict[str, Any]:
    assert evidence.id is not None
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
            subject["replaced"] = trail.retraction_subject(
                report_id=report.corrects_id,
                retracted_at=old.retracted_at,
                retracted_by=old.retracted_by,
            )
        return subject
    if kind == Kind.UNDO:
        report = session.get(Report, report_id)
        assert report is not None
        assert report.id is not None
        return trail.retraction_subject(
            report_id=report.id, retracted_at=report.retracted_at, retracted_by=report.retracted_by
        )
    if kind == Kind.EVIDENCE:
        evidence = session.get(Evidence, evidence_id)
        assert evidence is not None
        return evidence_subject(evidence)
    return None


def record(
    session: Session,
    *,
    tracker_id: int,
    kind: str,
    at: datetime,
    actor_id: int | None = None,
    chat_id: int | None = None,
    detail: str | None = None,
    report_id: int | None = None,
    evidence_id: int | None = None,
    subject: Mapping[str, Any] | None = None,
) -> TrackerEvent:
    """Append one event to a tracker's chain, in the caller's transaction.

    The tracker's row is locked first (PostgreSQL: SELECT … FOR NO KEY UPDATE), so two writers
    append one after the other; the unique (tracker, seq) is the backstop. SQLite writers
    already take turns.
    """
    session.flush()
    # FOR NO KEY UPDATE: it queues appenders one behind the other, but does not conflict with
    # the KEY SHARE lock the change itself took on the tracker row (a report's foreign key),
    # which FOR UPDATE would, deadlocking two appenders.
    locked = select(Tracker.id).where(Tracker.id == tracker_id).with_for_update(key_share=True)
    session.exec(locked).first()
    last = session.exec(
        select(TrackerEvent.seq, TrackerEvent.hash)
        .where(TrackerEvent.tracker_id == tracker_id)
        .order_by(col(TrackerEvent.seq).desc())
        .limit(1)
    ).first()
    seq, previous = (last[0] + 1, last[1]) if last is not None else (1, trail.GENESIS)
    if kind in trail.ROW_KINDS:
        subject = _subject_now(session, kind, report_id, evidence_id)
    detail = detail[:500] if detail else None
    text = trail.canonical(
        seq=seq,
        kind=kind,
        at=at,
        actor_id=actor_id,
        chat_id=chat_id,
        detail=detail,
        subject=subject,
    )
    event = TrackerEvent(
        tracker_id=tracker_id,
        at=at,
        actor_id=actor_id,
        kind=kind,
        chat_id=chat_id,
        detail=detail,
        seq=seq,
        report_id=report_id,
        evidence_id=evidence_id,
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


# --- verification -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Problem:
    """The first place a chain does not match: which event (or row) and why."""

    tracker_key: str
    seq: int | None  # None: a row no event accounts for
    reason: str

    def __str__(self) -> str:
        where = f"event {self.seq}" if self.seq is not None else "a row"
        return f"{self.tracker_key}: {where}: {self.reason}"


@dataclass(frozen=True, slots=True)
class ChainResult:
    tracker_key: str
    count: int
    head: str
    problem: Problem | None
    # Every hash of the chain as recomputed, only when asked for (``--head``).
    hashes: tuple[str, ...] = ()


def _raw(column: Any) -> Any:
    """A time column as the driver returns it (SQLite: text), unparsed: the verifier writes
    it out with ``domain.trail.time_text`` instead of building a datetime per row."""
    return type_coerce(column, String).label(column.name)


def _report_rows(session: Session, tracker_id: int) -> dict[int, Any]:
    statement = (
        core_select(
            _REPORT.c.id,
            _REPORT.c.percent,
            _REPORT.c.note,
            _REPORT.c.reporter_id,
            _REPORT.c.reporter_name,
            _REPORT.c.chat_id,
            _REPORT.c.message_id,
            _raw(_REPORT.c.created_at),
            _raw(_REPORT.c.recorded_at),
            _REPORT.c.revision,
            _REPORT.c.corrects_id,
            _raw(_REPORT.c.retracted_at),
            _REPORT.c.retracted_by,
            _WORKSTREAM.c.key.label("workstream_key"),
        )
        .join(_WORKSTREAM, _WORKSTREAM.c.id == _REPORT.c.workstream_id)
        .where(_REPORT.c.tracker_id == tracker_id)
    )
    return {row.id: row for row in session.connection().execute(statement).all()}


def _evidence_rows(session: Session, tracker_id: int) -> dict[int, Any]:
    statement = core_select(_EVIDENCE).where(_EVIDENCE.c.tracker_id == tracker_id)
    return {row.id: row for row in session.connection().execute(statement)}


def _retraction(row: Any) -> dict[str, Any]:
    return {
        "report": row.id,
        "retracted_at": trail.time_text(row.retracted_at),
        "by": row.retracted_by,
    }


def _row_subject(
    kind: str,
    report_id: int | None,
    evidence_id: int | None,
    reports: Mapping[int, Any],
    evidence: Mapping[int, Any],
) -> tuple[Any, str | None]:
    """The subject rebuilt from the rows, or why it cannot be (its row is gone)."""
    if kind in trail.REPORT_KINDS or kind == Kind.UNDO:
        row = reports.get(report_id) if report_id is not None else None
        if row is None:
            return None, f"report #{report_id} is missing (deleted?)"
        if kind == Kind.UNDO:
            return _retraction(row), None
        subject = {
            "id": row.id,
            "workstream": row.workstream_key,
            "percent": row.percent,
            "note": row.note,
            "reporter_id": row.reporter_id,
            "reporter_name": row.reporter_name,
            "chat_id": row.chat_id,
            "message_id": row.message_id,
            "created_at": trail.time_text(row.created_at),
            "recorded_at": trail.time_text(row.recorded_at),
            "revision": row.revision,
            "corrects": row.corrects_id,
        }
        if row.corrects_id is not None:
            old = reports.get(row.corrects_id)
            if old is None:
                return None, f"report #{row.corrects_id}, corrected by #{row.id}, is missing"
            subject["replaced"] = _retraction(old)
        return subject, None
    if kind == Kind.EVIDENCE:
        row = evidence.get(evidence_id) if evidence_id is not None else None
        if row is None:
            return None, f"evidence #{evidence_id} is missing (deleted?)"
        return evidence_subject(row), None
    return None, None


def _describe(kind: str, report_id: int | None, evidence_id: int | None) -> str:
    if report_id is not None:
        return f"{kind} of report #{report_id}"
    if evidence_id is not None:
        return f"{kind} #{evidence_id}"
    return kind


def _fetch_all(connection: Connection, statement: Any) -> list[tuple[Any, ...]]:
    """All rows of a statement as the driver's own tuples: at a hundred thousand rows,
    SQLAlchemy's row objects cost as much as the reading itself. Only for statements whose
    columns need no conversion (times are read raw) and whose one parameter is an integer,
    written in as a literal."""
    literal = {"literal_binds": True}
    sql = str(statement.compile(dialect=connection.dialect, compile_kwargs=literal))
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def verify_tracker(
    session: Session, *, tracker_id: int, tracker_key: str, keep_hashes: bool = False
) -> ChainResult:
    """Recompute one tracker's chain from its rows; the first mismatch, if any.

    One statement reads every event with the report it records; report events are rebuilt
    the fast way (``domain.trail.report_canonical``); everything else, and any mismatch, the
    slow way (``domain.trail.canonical``), which also says what differs.
    """
    connection = session.connection()
    time_text = trail.time_text
    r = _REPORT.alias("r")
    statement = (
        core_select(
            _EVENT.c.seq,
            _EVENT.c.kind,
            _raw(_EVENT.c.at),
            _EVENT.c.actor_id,
            _EVENT.c.chat_id,
            _EVENT.c.detail,
            _EVENT.c.report_id,
            _EVENT.c.evidence_id,
            _EVENT.c.canonical,
            _EVENT.c.hash,
            r.c.percent,
            r.c.note,
            r.c.reporter_id,
            r.c.reporter_name,
            r.c.chat_id,
            r.c.message_id,
            _raw(r.c.created_at),
            _raw(r.c.recorded_at),
            r.c.revision,
            r.c.corrects_id,
            r.c.workstream_id,
        )
        .select_from(_EVENT.outerjoin(r, r.c.id == _EVENT.c.report_id))
        .where(_EVENT.c.tracker_id == tracker_id)
        .order_by(_EVENT.c.seq, _EVENT.c.id)
    )
    # Few rows: the workstreams' keys, and the reports that corrections replaced.
    keys: dict[int, str] = dict(
        connection.execute(
            core_select(_WORKSTREAM.c.id, _WORKSTREAM.c.key).where(
                _WORKSTREAM.c.tracker_id == tracker_id
            )
        ).all()
    )
    corrected = core_select(r.c.corrects_id).where(
        r.c.tracker_id == tracker_id, r.c.corrects_id.is_not(None)
    )
    replaced = {
        row[0]: (row[0], time_text(row[1]), row[2])
        for row in connection.execute(
            core_select(_REPORT.c.id, _raw(_REPORT.c.retracted_at), _REPORT.c.retracted_by).where(
                _REPORT.c.id.in_(corrected)
            )
        ).all()
    }
    full: list[tuple[dict[int, Any], dict[int, Any]]] = []

    def rows() -> tuple[dict[int, Any], dict[int, Any]]:
        """Every report and file of the tracker, read only when the slow path needs them."""
        if not full:
            full.append((_report_rows(session, tracker_id), _evidence_rows(session, tracker_id)))
        return full[0]

    previous = trail.GENESIS
    hashes: list[str] = []
    changes: list[tuple[str, Any]] = []  # events without a row: they replay into today's state
    reported: set[int] = set()
    retracted: set[int] = set()
    attached: set[int] = set()
    count = 0
    report_kinds = trail.REPORT_KINDS
    sha256 = hashlib.sha256
    canonical = trail.report_canonical

    def fail(seq: int | None, reason: str) -> ChainResult:
        return ChainResult(tracker_key, count, previous, Problem(tracker_key, seq, reason))

    for (
        seq,
        kind,
        at,
        actor,
        chat,
        detail,
        report_id,
        evidence_id,
        stored,
        digest,
        percent,
        note,
        reporter_id,
        reporter_name,
        report_chat,
        message_id,
        created_at,
        recorded_at,
        revision,
        corrects,
        workstream_id,
    ) in _fetch_all(connection, statement):
        count += 1
        if seq != count:
            what = _describe(kind, report_id, evidence_id)
            reason = f"expected event {count} here, found event {seq} ({what}): " + (
                "an event was deleted" if seq > count else "events were reordered or added"
            )
            return fail(seq, reason)
        at = time_text(at)
        created, recorded = time_text(created_at), time_text(recorded_at)
        workstream = keys.get(workstream_id)
        rebuilt = None
        if (
            kind in report_kinds
            and workstream is not None
            and at is not None
            and created is not None
            and recorded is not None
            and (corrects is None or corrects in replaced)
        ):
            rebuilt = canonical(
                seq,
                kind,
                at,
                actor,
                chat,
                detail,
                report_id,
                workstream,
                percent,
                note,
                reporter_id,
                reporter_name,
                report_chat,
                message_id,
                created,
                recorded,
                revision,
                corrects,
                None if corrects is None else replaced[corrects],
            )
        if rebuilt != stored or sha256((previous + stored).encode("utf-8")).hexdigest() != digest:
            what = _describe(kind, report_id, evidence_id)
            if not stored.startswith(f'["{trail.FORMAT}",{seq},'):
                number = stored.split(",", 2)[1] if stored.count(",") >= 2 else "?"
                return fail(
                    seq,
                    f"{what}: the event in place {seq} is written as event {number}: "
                    "events were reordered",
                )
            if sha256((previous + stored).encode("utf-8")).hexdigest() != digest:
                return fail(
                    seq, f"{what}: its hash does not match its text (the event was edited)"
                )
            event = (seq, kind, at, actor, chat, detail, report_id, evidence_id, stored)
            # Only row-backed events need every report and file read; the rest stand alone.
            problem = _explain(event, *(rows() if kind in trail.ROW_KINDS else ({}, {})))
            if problem is not None:
                return fail(seq, problem)
        if kind not in trail.ROW_KINDS:
            changes.append((kind, json.loads(stored)[7]))
        if kind in report_kinds:
            if report_id in reported:
                what = _describe(kind, report_id, evidence_id)
                return fail(seq, f"{what}: report #{report_id} is recorded twice")
            reported.add(report_id)
            if corrects is not None:
                retracted.add(corrects)
        elif kind == Kind.UNDO:
            retracted.add(report_id)
        elif kind == Kind.EVIDENCE:
            attached.add(evidence_id)
        previous = digest
        if keep_hashes:
            hashes.append(digest)
    # Rows no event accounts for: added, or undone, behind Pantau's back.
    state = connection.execute(
        core_select(_REPORT.c.id, _REPORT.c.retracted_at.is_not(None)).where(
            _REPORT.c.tracker_id == tracker_id
        )
    ).all()
    unrecorded = {report_id for report_id, _undone in state} - reported
    if unrecorded:
        return fail(None, f"report #{min(unrecorded)} has no event (inserted directly?)")
    silently = [report_id for report_id, undone in state if undone and report_id not in retracted]
    if silently:
        return fail(None, f"report #{min(silently)} is marked undone but no event says so")
    files = connection.execute(
        core_select(_EVIDENCE.c.id).where(_EVIDENCE.c.tracker_id == tracker_id)
    ).scalars()
    unattached = set(files) - attached
    if unattached:
        return fail(None, f"evidence #{min(unattached)} has no event (inserted directly?)")
    drift = _state_drift(connection, tracker_id, changes)
    if drift is not None:
        return fail(None, drift)
    return ChainResult(tracker_key, count, previous, None, tuple(hashes))


def _state_drift(
    connection: Connection, tracker_id: int, changes: list[tuple[str, Any]]
) -> str | None:
    """Replay the events that have no row of their own (the tracker created and changed,
    roles given and taken, workstreams added, re-weighted and archived) and compare the result
    with today's rows: a role, a weight or a deadline changed in the database directly is named
    (None: they agree). Skipped for a chain that does not begin with the tracker's creation
    (made outside Pantau; its reports are then reported as unrecorded anyway)."""
    if not changes or changes[0][0] != Kind.TRACKER_CREATED:
        return None
    tracker: dict[str, Any] = {}
    members: dict[int, str] = {}
    workstreams: dict[str, tuple[str, float, bool]] = {}
    archived = False
    for kind, subject in changes:
        if kind == Kind.TRACKER_CREATED:
            tracker = {name: subject.get(name) for name in ("title", "deadline", "timezone")}
        elif kind == Kind.TRACKER_CHANGED:
            tracker.update({name: change["to"] for name, change in subject.items()})
        elif kind == Kind.DEADLINE_MOVED:
            tracker["deadline"] = subject["to"]
        elif kind in (Kind.ARCHIVED, Kind.RESTORED):
            archived = kind == Kind.ARCHIVED
        elif kind == Kind.ROLE_GIVEN:
            members[subject["user_id"]] = subject["role"]
        elif kind == Kind.ROLE_TAKEN:
            members.pop(subject["user_id"], None)
        elif kind in (Kind.WORKSTREAM_ADDED, Kind.WORKSTREAM_CHANGED):
            workstreams[subject["key"]] = (subject["title"], subject["weight"], False)
        elif kind == Kind.WORKSTREAM_ARCHIVED and subject["key"] in workstreams:
            title, weight, _archived = workstreams[subject["key"]]
            workstreams[subject["key"]] = (title, weight, True)
    row = connection.execute(
        core_select(
            _TRACKER.c.title, _TRACKER.c.deadline, _TRACKER.c.timezone, _TRACKER.c.archived_at
        ).where(_TRACKER.c.id == tracker_id)
    ).one()
    now = {
        "title": row.title,
        "deadline": row.deadline.isoformat() if row.deadline is not None else None,
        "timezone": row.timezone,
    }
    for name, value in now.items():
        if name in tracker and tracker[name] != value:
            return (
                f"the tracker's {name} is {value!r} in the table, {tracker[name]!r} in the trail"
            )
    if (row.archived_at is not None) != archived:
        return "the tracker's archived state in the table is not the trail's"
    table: dict[int, str] = dict(
        connection.execute(
            core_select(_MEMBER.c.user_id, _MEMBER.c.role).where(
                _MEMBER.c.tracker_id == tracker_id
            )
        ).all()
    )
    for user_id in sorted(set(table) | set(members)):
        if table.get(user_id) != members.get(user_id):
            return (
                f"user {user_id}'s role is {table.get(user_id)!r} in the table, "
                f"{members.get(user_id)!r} in the trail"
            )
    for key, title, weight, is_archived in connection.execute(
        core_select(
            _WORKSTREAM.c.key, _WORKSTREAM.c.title, _WORKSTREAM.c.weight, _WORKSTREAM.c.archived
        ).where(_WORKSTREAM.c.tracker_id == tracker_id)
    ).all():
        expected = workstreams.get(key)
        if expected is None:
            return f"workstream {key} has no event (inserted directly?)"
        if (title, float(weight), bool(is_archived)) != (
            expected[0],
            float(expected[1]),
            expected[2],
        ):
            return (
                f"workstream {key} is (title {title!r}, weight {weight}, archived "
                f"{bool(is_archived)}) in the table, (title {expected[0]!r}, weight "
                f"{expected[1]}, archived {expected[2]}) in the trail"
            )
    return None


def _explain(
    event: tuple[int, str, Any, int | None, int | None, str | None, Any, Any, str],
    reports: Mapping[int, Any],
    evidence: Mapping[int, Any],
) -> str | None:
    """The slow path: rebuild the event with ``domain.trail.canonical``'s form and, when it
    differs from what was written, say which fields (None: it matches after all)."""
    seq, kind, at, actor, chat, detail, report_id, evidence_id, stored = event
    what = _describe(kind, report_id, evidence_id)
    written = json.loads(stored)
    if kind in trail.ROW_KINDS:
        subject, missing = _row_subject(kind, report_id, evidence_id, reports, evidence)
        if missing is not None:
            return f"{what}: {missing}"
    else:
        subject = written[7]
    rebuilt = json.dumps(
        [trail.FORMAT, seq, kind, at, actor, chat, detail, subject],
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )
    if rebuilt == stored:
        return None
    changed = trail.differences(written[7], subject) or [
        "the event row no longer says what its hash covers: " + _first_field(written, rebuilt)
    ]
    return f"{what}: " + "; ".join(changed)


def _first_field(written: list[Any], rebuilt: str) -> str:
    names = ["format", "seq", "kind", "at", "actor_id", "chat_id", "detail", "subject"]
    for name, a, b in zip(names, written, json.loads(rebuilt), strict=True):
        if a != b:
            return f"{name}: {a!r} in the trail, {b!r} in the row"
    return "?"


def trackers(session: Session, *, key: str | None = None) -> list[tuple[int, str]]:
    statement = core_select(_TRACKER.c.id, _TRACKER.c.key).order_by(_TRACKER.c.key)
    if key is not None:
        statement = statement.where(_TRACKER.c.key == key)
    return [(row.id, row.key) for row in session.connection().execute(statement)]


def verify(
    session: Session, *, key: str | None = None, keep_hashes: bool = False
) -> Iterator[ChainResult]:
    """Every tracker's chain (or one's), recomputed from the rows."""
    for tracker_id, tracker_key in trackers(session, key=key):
        yield verify_tracker(
            session, tracker_id=tracker_id, tracker_key=tracker_key, keep_hashes=keep_hashes
        )


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
