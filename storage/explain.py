"""The verifier's slow path: an event that the database's rebuilt text does not match, or
that has no row of its own, is read whole, rebuilt with ``domain.trail.canonical``'s form and,
when it still differs, explained (which field, which row is gone); and the replay of the
events without a row (roles, workstreams, the deadline) against today's tables.

Only the odd event comes here; ``storage.verify`` goes through the rest without it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, String, bindparam, type_coerce
from sqlalchemy import select as core_select

from domain import trail
from domain.trail import Kind
from storage.models import Evidence, Member, Report, Tracker, TrackerEvent, Workstream
from storage.trail import evidence_subject, report_subject, retraction

_EVENT = TrackerEvent.__table__  # type: ignore[attr-defined]
_REPORT = Report.__table__  # type: ignore[attr-defined]
_EVIDENCE = Evidence.__table__  # type: ignore[attr-defined]
_WORKSTREAM = Workstream.__table__  # type: ignore[attr-defined]
_TRACKER = Tracker.__table__  # type: ignore[attr-defined]
_MEMBER = Member.__table__  # type: ignore[attr-defined]


def describe(kind: str, report_id: int | None, evidence_id: int | None) -> str:
    """An event as a problem names it: ``report of report #4``, ``evidence #2``."""
    if report_id is not None:
        return f"{kind} of report #{report_id}"
    if evidence_id is not None:
        return f"{kind} #{evidence_id}"
    return kind


def _raw(column: Any) -> Any:
    """A time column as the driver returns it (SQLite: text), unparsed: written out with
    ``domain.trail.time_text``, which also copes with a time in another form."""
    return type_coerce(column, String).label(column.name)


# Built once: every event with no row of its own comes here on every verification, and
# building the statement and its cache key each time cost more than running it.
_ONE_EVENT = core_select(
    _EVENT.c.kind,
    _raw(_EVENT.c.at),
    _EVENT.c.actor_id,
    _EVENT.c.chat_id,
    _EVENT.c.detail,
    _EVENT.c.report_id,
    _EVENT.c.evidence_id,
    _EVENT.c.canonical,
).where(_EVENT.c.tracker_id == bindparam("tracker_id"), _EVENT.c.seq == bindparam("seq"))


class Explainer:
    """The slow path for one tracker. Every report and file of the tracker is read the first
    time an event about one needs explaining, and only then."""

    def __init__(self, connection: Connection, tracker_id: int) -> None:
        self._connection = connection
        self._tracker_id = tracker_id
        self._rows: tuple[dict[int, Any], dict[int, Any]] | None = None

    def _reports_and_files(self) -> tuple[dict[int, Any], dict[int, Any]]:
        if self._rows is None:
            self._rows = (
                _report_rows(self._connection, self._tracker_id),
                _evidence_rows(self._connection, self._tracker_id),
            )
        return self._rows

    def explain(self, seq: int, previous: str, digest: str) -> str | None:
        """Why event ``seq`` does not match (None: it does, rebuilt the slow way)."""
        event = self._connection.execute(
            _ONE_EVENT, {"tracker_id": self._tracker_id, "seq": seq}
        ).one()
        what = describe(event.kind, event.report_id, event.evidence_id)
        stored = event.canonical
        if not stored.startswith(f'["{trail.FORMAT}",{seq},'):
            number = stored.split(",", 2)[1] if stored.count(",") >= 2 else "?"
            return (
                f"{what}: the event in place {seq} is written as event {number}: "
                "events were reordered"
            )
        if hashlib.sha256((previous + stored).encode("utf-8")).hexdigest() != digest:
            return f"{what}: its hash does not match its text (the event was edited)"
        written = json.loads(stored)
        if event.kind in trail.ROW_KINDS:
            # Only row-backed events need every report and file read; the rest stand alone.
            reports, files = self._reports_and_files()
            subject, missing = _row_subject(
                event.kind, event.report_id, event.evidence_id, reports, files
            )
            if missing is not None:
                return f"{what}: {missing}"
        else:
            subject = written[7]
        fields = (event.kind, trail.time_text(event.at), event.actor_id, event.chat_id)
        try:
            rebuilt = json.dumps(
                [trail.FORMAT, seq, *fields, event.detail, subject],
                ensure_ascii=False,
                separators=(",", ":"),
                sort_keys=True,
            )
        except TypeError:
            # SQLite keeps whatever a column is given: only a write past Pantau can put bytes
            # (a BLOB) where Pantau writes text or a number. Named, not a crash.
            return f"{what}: a field holds bytes where the trail has text or a number"
        if rebuilt == stored:
            return None
        changed = trail.differences(written[7], subject) or [
            "the event row no longer says what its hash covers: " + _first_field(written, rebuilt)
        ]
        return f"{what}: " + "; ".join(changed)


def _report_rows(connection: Connection, tracker_id: int) -> dict[int, Any]:
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
    return {row.id: row for row in connection.execute(statement).all()}


def _evidence_rows(connection: Connection, tracker_id: int) -> dict[int, Any]:
    statement = core_select(_EVIDENCE).where(_EVIDENCE.c.tracker_id == tracker_id)
    return {row.id: row for row in connection.execute(statement)}


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
            return retraction(row), None
        subject = report_subject(row, row.workstream_key)
        if row.corrects_id is not None:
            old = reports.get(row.corrects_id)
            if old is None:
                return None, f"report #{row.corrects_id}, corrected by #{row.id}, is missing"
            subject["replaced"] = retraction(old)
        return subject, None
    if kind == Kind.EVIDENCE:
        row = evidence.get(evidence_id) if evidence_id is not None else None
        if row is None:
            return None, f"evidence #{evidence_id} is missing (deleted?)"
        return evidence_subject(row), None
    return None, None


def state_drift(
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


def _first_field(written: list[Any], rebuilt: str) -> str:
    names = ["format", "seq", "kind", "at", "actor_id", "chat_id", "detail", "subject"]
    for name, a, b in zip(names, written, json.loads(rebuilt), strict=True):
        if a != b:
            return f"{name}: {a!r} in the trail, {b!r} in the row"
    return "?"
