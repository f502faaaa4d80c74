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
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.pool import StaticPool
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


_STATEMENTS: dict[tuple[str, str], str] = {}


def _statement(connection: Connection, which: str, tracker_id: int) -> str:
    """One of the verifier's statements for this database, the tracker's id written in (an
    integer: no placeholder style differs by driver)."""
    dialect = connection.dialect.name
    if (dialect, which) not in _STATEMENTS:
        _STATEMENTS[dialect, which] = {
            "checked": _events_statement,
            "mismatched": _mismatched_statement,
        }[which](Dialect(dialect))
    return _STATEMENTS[dialect, which].replace(":tracker", str(int(tracker_id)))


def _driver_rows(dbapi_connection: Any, sql: str) -> list[tuple[Any, ...]]:
    """All rows of a statement as the driver's own tuples: at a hundred thousand rows,
    SQLAlchemy's row objects would cost as much as the reading itself."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def checked_events(connection: Connection, tracker_id: int) -> list[tuple[Any, ...]]:
    """Every event of the tracker in chain order, as (seq, kind, report_id, evidence_id,
    corrects, canonical, hash, same): ``same`` says whether the database's rebuilt text
    matched (tests read it to show the slow path is not what makes a chain intact)."""
    return _driver_rows(connection.connection, _statement(connection, "checked", tracker_id))


def _mismatched_statement(dialect: Dialect) -> str:
    """The sequence numbers, between :low and :high, of the row-backed events whose rows no
    longer write out the text the event holds (a row changed, or gone)."""
    joins = _events_statement(dialect)
    joins = joins[joins.index(" FROM tracker_event e") : joins.index(" WHERE ")]
    return (
        f"SELECT e.seq{joins} WHERE e.tracker_id = :tracker AND e.seq BETWEEN :low AND :high"
        f" AND e.kind IN ({_kinds(trail.ROW_KINDS)})"
        f" AND (e.canonical = {_rebuilt(dialect)}) IS NOT TRUE"
    )


# Below this many events one connection checks the rows before the chain is hashed; from it
# on, the rows are checked on other connections while this one reads and hashes the chain.
PARALLEL_FROM = 20_000


class _RowChecks:
    """Which row-backed events no longer match their rows, worked out by the database.

    The rebuilding is most of a long chain's cost, and it is the database's work: on SQLite
    the sqlite3 module lets go of the GIL while a statement runs, on PostgreSQL the server does
    it. So a long chain's range is cut in parts, each checked on a connection of its own in a
    thread, while this thread reads and hashes the chain. Another connection may see a later
    state than this one (a report recorded meanwhile); that can only name an event that did
    match here, and every event named goes through the slow path on this connection, which
    decides."""

    def __init__(self, session: Session, connection: Connection, tracker_id: int, total: int):
        sql = _statement(connection, "mismatched", tracker_id)
        engine = session.get_bind()
        parts = _parts()
        self._pool: ThreadPoolExecutor | None = None
        self._parts: list[Future[list[tuple[Any, ...]]]] = []
        self._now: list[tuple[Any, ...]] = []
        if total < PARALLEL_FROM or parts == 0 or not _many_connections(engine):
            self._now = _driver_rows(
                connection.connection, sql.replace(":low", "1").replace(":high", str(total))
            )
            return
        assert isinstance(engine, Engine)
        self._pool = ThreadPoolExecutor(max_workers=parts, thread_name_prefix="verify")
        size = -(-total // parts)
        for low in range(1, total + 1, size):
            ranged = sql.replace(":low", str(low)).replace(":high", str(low + size - 1))
            self._parts.append(self._pool.submit(_on_own_connection, engine, ranged))

    def result(self) -> set[int]:
        rows = list(self._now)
        for part in self._parts:
            rows += part.result()
        if self._pool is not None:
            self._pool.shutdown()
        return {row[0] for row in rows}


def _parts() -> int:
    """How many parts other connections check: one for each core but this thread's (which
    reads and hashes), at most three; none on one core."""
    cores = os.cpu_count() or 1
    return min(cores - 1, 3)


def _many_connections(engine: Any) -> bool:
    """Can other connections see this database? (Not an in-memory SQLite one, whose one
    connection is shared: a second would be another, empty, database.)"""
    return isinstance(engine, Engine) and not isinstance(engine.pool, StaticPool)


def _on_own_connection(engine: Engine, sql: str) -> list[tuple[Any, ...]]:
    dbapi_connection = engine.raw_connection()
    try:
        return _driver_rows(dbapi_connection, sql)
    finally:
        dbapi_connection.close()


# --- the chain ----------------------------------------------------------------------------------


def verify_tracker(
    session: Session, *, tracker_id: int, tracker_key: str, keep_hashes: bool = False
) -> ChainResult:
    """Recompute one tracker's chain from its rows; the first mismatch, if any.

    The rows are checked against their events by the database (``_RowChecks``) while this
    thread reads the chain and hashes it; then every event that needs a closer look (its row
    no longer matches, its hash does not, or it has no row of its own) goes, in chain order,
    through the slow path, which says what differs."""
    connection = session.connection()
    total = connection.execute(
        text("SELECT count(*) FROM tracker_event WHERE tracker_id = :tracker"),
        {"tracker": tracker_id},
    ).scalar_one()
    checks = _RowChecks(session, connection, tracker_id, total)
    slow = explain.Explainer(connection, tracker_id)
    digests: list[str] = []  # digests[n - 1]: event n's hash as written
    suspects: list[int] = []  # events the slow path looks at, in chain order
    changes: list[tuple[str, Any]] = []  # events without a row: they replay into today's state
    reported: set[int] = set()
    attached: set[int] = set()
    stop: tuple[int, int, str] | None = None  # (last event looked at before it, seq, why)
    count = 0
    previous = trail.GENESIS
    row_kinds = trail.ROW_KINDS
    report_kinds = trail.REPORT_KINDS
    sha256 = hashlib.sha256
    events = _driver_rows(
        connection.connection,
        "SELECT seq, kind, report_id, evidence_id, canonical, hash FROM tracker_event"
        f" WHERE tracker_id = {int(tracker_id)} ORDER BY seq",
    )
    for seq, kind, report_id, evidence_id, stored, digest in events:
        count += 1
        if seq != count:
            what = explain.describe(kind, report_id, evidence_id)
            reason = f"expected event {count} here, found event {seq} ({what}): " + (
                "an event was deleted" if seq > count else "events were reordered or added"
            )
            stop = (count - 1, seq, reason)
            break
        if kind not in row_kinds:
            suspects.append(seq)
            changes.append((kind, json.loads(stored)[7]))
        elif sha256((previous + stored).encode("utf-8")).hexdigest() != digest:
            suspects.append(seq)
        if kind in report_kinds:
            if report_id in reported:
                what = explain.describe(kind, report_id, evidence_id)
                stop = (seq, seq, f"{what}: report #{report_id} is recorded twice")
                break
            reported.add(report_id)
        elif kind == Kind.EVIDENCE:
            attached.add(evidence_id)
        digests.append(digest)
        previous = digest
    looked_at = len(digests) if stop is None else stop[0]
    for seq in sorted({*suspects, *checks.result()}):
        if seq > looked_at:
            break
        before = digests[seq - 2] if seq > 1 else trail.GENESIS
        problem = slow.explain(seq, before, digests[seq - 1])
        if problem is not None:
            return ChainResult(tracker_key, seq, before, Problem(tracker_key, seq, problem))
    if stop is not None:
        before = digests[stop[0] - 1] if stop[0] > 0 else trail.GENESIS
        return ChainResult(tracker_key, count, before, Problem(tracker_key, stop[1], stop[2]))
    unaccounted = _unaccounted(connection, tracker_id, reported, attached)
    if unaccounted is not None:
        return ChainResult(tracker_key, count, previous, Problem(tracker_key, None, unaccounted))
    drift = explain.state_drift(connection, tracker_id, changes)
    if drift is not None:
        return ChainResult(tracker_key, count, previous, Problem(tracker_key, None, drift))
    return ChainResult(tracker_key, count, previous, None, tuple(digests) if keep_hashes else ())


def _unaccounted(
    connection: Connection,
    tracker_id: int,
    reported: set[int],
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
    # Every report row has its event by now, so a report undone or replaced is accounted for
    # when an undo names it or another report's row says it corrects it.
    silently = connection.execute(
        text(
            "SELECT min(id) FROM (SELECT id FROM report WHERE tracker_id = :tracker"
            " AND retracted_at IS NOT NULL"
            f" EXCEPT SELECT report_id FROM tracker_event WHERE tracker_id = :tracker"
            f" AND kind = '{Kind.UNDO}'"
            " EXCEPT SELECT corrects_id FROM report WHERE tracker_id = :tracker"
            " AND corrects_id IS NOT NULL) AS silently"
        ),
        parameters,
    ).scalar()
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
