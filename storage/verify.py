"""``pantau verify``: a tracker's hash chain recomputed from the rows themselves.

The database rebuilds each report, correction, undo and evidence event's canonical text
(``domain.trail``'s form) from the rows it describes and compares it with the text the
event holds, in the statement that reads the events; only the sequence number, the stored
text, its hash and whether it matched cross into Python, which hashes the chain. An event
that does not match, and every event with no row of its own (their subjects are read from
the trail to replay today's roles, weights and deadline), takes the slow path
(``storage.explain``), which rebuilds it with ``domain.trail.canonical`` and says what
differs. The rows are still read, every one, but no Python object is built per field: on
SQLite that took a hundred thousand events from 2.3 to 1.6 s of CPU on the shared machine
(``./dev bench --only 6``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text
from sqlmodel import Session

from domain import trail
from domain.trail import Kind
from storage import explain


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


# --- the canonical text, written by the database ---------------------------------------------
#
# One printf (SQLite) or format (PostgreSQL) per event fills ``domain.trail.canonical``'s form,
# keys in sorted order; each slot is a column written as ``json.dumps(..., ensure_ascii=False)``
# writes it:
# - text and nullable numbers through JSON quoting (SQLite's json_quote, PostgreSQL's to_json:
#   a test holds both equal to json.dumps for every kind of character);
# - numbers that cannot be NULL as they are (SQLite turns an integer written as text into an
#   integer, so what is left as text there is never digits alone, and cannot match);
# - times as ``domain.trail.time_text`` writes them (SQLite keeps 'YYYY-MM-DD HH:MM:SS.ffffff'
#   text: the date, a T, the rest, a Z; any other text cannot match the 27 characters it
#   should, or is a time Python reads the same).
# The constant keys between the slots (``,"percent":``) occur once each in a stored event, and
# never inside one of its strings, so the text equals the stored one only if every slot equals
# the stored value: a row that is gone (NULL slots print as nothing) never matches.


@dataclass(frozen=True, slots=True)
class Dialect:
    """How one database writes a slot."""

    name: str

    def json(self, column: str) -> str:
        if self.name == "sqlite":
            return f"json_quote({column})"
        return f"coalesce(to_json({column})::text, 'null')"

    def time(self, column: str) -> tuple[str, list[str]]:
        """A time's template piece (its quotes included) and arguments."""
        if self.name == "sqlite":
            return '"%.10sT%sZ"', [column, f"substr({column}, 12)"]
        return '"%s"', [
            f"""to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""
        ]

    def null_time(self, column: str) -> str:
        piece, arguments = self.time(column)
        return f"CASE WHEN {column} IS NULL THEN 'null' ELSE {self.fill(piece, arguments)} END"

    def fill(self, template: str, arguments: list[str]) -> str:
        function = "printf" if self.name == "sqlite" else "format"
        return f"{function}('{template}', {', '.join(arguments)})"


def _object(dialect: Dialect, fields: str, splice: str = "") -> str:
    """A JSON object of the fields ``key:how:column``, in key order. how: ``int`` as it is,
    ``json`` quoted, ``time`` a time, ``ntime`` a time or null; the field ``*`` is ``splice``,
    an SQL text expression that brings its own comma and key (or nothing)."""
    template = ""
    arguments: list[str] = []
    comma = ""
    for field in fields.split():
        if field == "*":
            template += "%s"
            arguments.append(splice)
            continue
        key, how, column = field.split(":")
        template += f'{comma}"{key}":'
        comma = ","
        if how == "time":
            piece, extra = dialect.time(column)
            template += piece
            arguments += extra
        else:
            template += "%s"
            arguments.append(
                {"int": column, "json": dialect.json(column)}.get(how) or dialect.null_time(column)
            )
    return dialect.fill("{" + template + "}", arguments)


def _rebuilt(dialect: Dialect) -> str:
    """The canonical text of a report, correction, undo or evidence event, from its rows
    (aliases: e the event, r its report, o the report a correction replaced, w the report's
    workstream, v the file); NULL for other events."""

    def retraction(row: str) -> str:
        fields = (
            f"by:json:{row}.retracted_by report:int:{row}.id retracted_at:ntime:{row}.retracted_at"
        )
        return _object(dialect, fields)

    replaced = (
        "CASE WHEN r.corrects_id IS NULL THEN '' WHEN o.id IS NOT NULL THEN "
        f"',\"replaced\":' || {retraction('o')} END"
    )
    # "replaced" sorts after recorded_at: the * brings its own comma and key.
    report = _object(
        dialect,
        """chat_id:int:r.chat_id corrects:json:r.corrects_id created_at:time:r.created_at
        id:int:r.id message_id:int:r.message_id note:json:r.note percent:int:r.percent
        recorded_at:time:r.recorded_at * reporter_id:int:r.reporter_id
        reporter_name:json:r.reporter_name revision:int:r.revision workstream:json:w.key""",
        replaced,
    )
    evidence = _object(
        dialect,
        """file_unique_id:json:v.file_unique_id id:int:v.id mime:json:v.mime name:json:v.name
        report:json:v.report_id sha256:json:v.sha256 size:json:v.size""",
    )
    subject = (
        f"CASE WHEN e.kind IN ({_kinds(trail.REPORT_KINDS)}) THEN {report}"
        f" WHEN e.kind = '{Kind.UNDO}' THEN {retraction('r')}"
        f" WHEN e.kind = '{Kind.EVIDENCE}' THEN {evidence} END"
    )
    at, at_arguments = dialect.time("e.at")
    event = [dialect.json(f"e.{name}") for name in ("actor_id", "chat_id", "detail")]
    # The kind is one of the row kinds' names (the subject is NULL otherwise): no escaping.
    return dialect.fill(
        f'["{trail.FORMAT}",%s,"%s",{at},%s,%s,%s,%s]',
        ["e.seq", "e.kind", *at_arguments, *event, subject],
    )


def _kinds(kinds: Iterable[str]) -> str:
    return ", ".join(f"'{kind}'" for kind in sorted(kinds))


def _events_statement(dialect: Dialect) -> str:
    return (
        "SELECT e.seq, e.kind, e.report_id, e.evidence_id, r.corrects_id, e.canonical, e.hash,"
        f" e.canonical = {_rebuilt(dialect)} AS same"
        " FROM tracker_event e"
        " LEFT JOIN report r ON r.id = e.report_id"
        f" AND e.kind IN ({_kinds(trail.REPORT_KINDS | {Kind.UNDO})})"
        " AND r.tracker_id = e.tracker_id"
        " LEFT JOIN report o ON o.id = r.corrects_id AND o.tracker_id = e.tracker_id"
        " LEFT JOIN workstream w ON w.id = r.workstream_id AND w.tracker_id = e.tracker_id"
        f" LEFT JOIN evidence v ON v.id = e.evidence_id AND e.kind = '{Kind.EVIDENCE}'"
        " AND v.tracker_id = e.tracker_id"
        " WHERE e.tracker_id = :tracker ORDER BY e.seq, e.id"
    )


_STATEMENTS: dict[str, str] = {}


def checked_events(connection: Connection, tracker_id: int) -> list[tuple[Any, ...]]:
    """Every event of the tracker in chain order, as (seq, kind, report_id, evidence_id,
    corrects, canonical, hash, same), as the driver's own tuples: at a hundred thousand rows,
    SQLAlchemy's row objects would cost as much as the reading itself."""
    dialect = connection.dialect.name
    if dialect not in _STATEMENTS:
        _STATEMENTS[dialect] = _events_statement(Dialect(dialect))
    # The one parameter is an integer, written in: no placeholder style differs by driver.
    sql = _STATEMENTS[dialect].replace(":tracker", str(int(tracker_id)))
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        cursor.close()


# --- the chain ----------------------------------------------------------------------------------


def verify_tracker(
    session: Session, *, tracker_id: int, tracker_key: str, keep_hashes: bool = False
) -> ChainResult:
    """Recompute one tracker's chain from its rows; the first mismatch, if any."""
    connection = session.connection()
    slow = explain.Explainer(connection, tracker_id)
    previous = trail.GENESIS
    hashes: list[str] = []
    changes: list[tuple[str, Any]] = []  # events without a row: they replay into today's state
    reported: set[int] = set()
    retracted: set[int] = set()
    attached: set[int] = set()
    count = 0
    report_kinds = trail.REPORT_KINDS
    sha256 = hashlib.sha256

    def fail(seq: int | None, reason: str) -> ChainResult:
        return ChainResult(tracker_key, count, previous, Problem(tracker_key, seq, reason))

    for seq, kind, report_id, evidence_id, corrects, stored, digest, same in checked_events(
        connection, tracker_id
    ):
        count += 1
        if seq != count:
            what = explain.describe(kind, report_id, evidence_id)
            reason = f"expected event {count} here, found event {seq} ({what}): " + (
                "an event was deleted" if seq > count else "events were reordered or added"
            )
            return fail(seq, reason)
        if not same or sha256((previous + stored).encode("utf-8")).hexdigest() != digest:
            problem = slow.explain(seq, previous, digest)
            if problem is not None:
                return fail(seq, problem)
        if kind in report_kinds:
            if report_id in reported:
                what = explain.describe(kind, report_id, evidence_id)
                return fail(seq, f"{what}: report #{report_id} is recorded twice")
            reported.add(report_id)
            if corrects is not None:
                retracted.add(corrects)
        elif kind == Kind.UNDO:
            retracted.add(report_id)
        elif kind == Kind.EVIDENCE:
            attached.add(evidence_id)
        else:
            changes.append((kind, json.loads(stored)[7]))
        previous = digest
        if keep_hashes:
            hashes.append(digest)
    unaccounted = _unaccounted(connection, tracker_id, reported, retracted, attached)
    if unaccounted is not None:
        return fail(None, unaccounted)
    drift = explain.state_drift(connection, tracker_id, changes)
    if drift is not None:
        return fail(None, drift)
    return ChainResult(tracker_key, count, previous, None, tuple(hashes))


def _unaccounted(
    connection: Connection,
    tracker_id: int,
    reported: set[int],
    retracted: set[int],
    attached: set[int],
) -> str | None:
    """A report or file no event accounts for (added, or undone, behind Pantau's back).

    Every id in ``reported`` and ``attached`` is a row of this tracker (its event matched the
    row), so the rows are only compared by number; the set difference that names the first
    row left over runs in the database, and only when there is one."""
    parameters = {"tracker": tracker_id}

    def first_left_over(table: str, kinds: str, column: str, known: set[int]) -> int | None:
        count = connection.execute(
            text(f"SELECT count(*) FROM {table} WHERE tracker_id = :tracker"), parameters
        ).scalar_one()
        if count == len(known):
            return None
        return connection.execute(
            text(
                f"SELECT min(id) FROM (SELECT id FROM {table} WHERE tracker_id = :tracker"
                f" EXCEPT SELECT {column} FROM tracker_event WHERE tracker_id = :tracker"
                f" AND kind IN ({kinds})) AS left_over"
            ),
            parameters,
        ).scalar()

    unrecorded = first_left_over("report", _kinds(trail.REPORT_KINDS), "report_id", reported)
    if unrecorded is not None:
        return f"report #{unrecorded} has no event (inserted directly?)"
    # Few rows: the reports undone or replaced, each of which an undo or a correction names.
    undone = connection.execute(
        text(
            "SELECT id FROM report WHERE tracker_id = :tracker AND retracted_at IS NOT NULL"
            " ORDER BY id"
        ),
        parameters,
    ).scalars()
    silently = next((report_id for report_id in undone if report_id not in retracted), None)
    if silently is not None:
        return f"report #{silently} is marked undone but no event says so"
    unattached = first_left_over("evidence", f"'{Kind.EVIDENCE}'", "evidence_id", attached)
    if unattached is not None:
        return f"evidence #{unattached} has no event (inserted directly?)"
    return None


def trackers(session: Session, *, key: str | None = None) -> list[tuple[int, str]]:
    statement = "SELECT id, key FROM tracker"
    if key is not None:
        statement += " WHERE key = :key"
    rows = session.connection().execute(text(statement + " ORDER BY key"), {"key": key})
    return [(row.id, row.key) for row in rows]


def verify(
    session: Session, *, key: str | None = None, keep_hashes: bool = False
) -> Iterator[ChainResult]:
    """Every tracker's chain (or one's), recomputed from the rows."""
    for tracker_id, tracker_key in trackers(session, key=key):
        yield verify_tracker(
            session, tracker_id=tracker_id, tracker_key=tracker_key, keep_hashes=keep_hashes
        )
