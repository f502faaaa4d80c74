"""``pantau verify``: a tracker's hash chain recomputed from the rows themselves.

The database rebuilds each report, correction, undo and evidence event's canonical text
(``domain.trail``'s form, ``storage.rebuilt``) from the rows it describes and names the events
whose text no longer matches; it also counts the rows and the events that account for them.
Meanwhile this thread reads only each event's text and hash, as bytes, and checks every link
of the chain. When all of that agrees, and the few events with no row of their own (read from
the trail to replay today's roles, weights and deadline) rebuild as written, the chain is
intact: no Python object is built per field or per row beyond the two the hash needs.

Anything else (an event that does not match, a link that breaks, a row too many) is looked at
event by event, in chain order (``_explained``), and the first event that does not match goes
through the slow path (``storage.explain``), which rebuilds it with ``domain.trail.canonical``
and says what differs.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

from domain import trail
from domain.trail import Kind
from storage import explain
from storage.rebuilt import Dialect as Dialect  # tests write slots the way the verifier does
from storage.rebuilt import kinds, statement


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


Rows = list[tuple[Any, ...]]


def _driver_rows(dbapi_connection: Any, sql: str, *, binary: bool = False) -> Rows:
    """All rows of a statement as the driver's own tuples: at a hundred thousand rows,
    SQLAlchemy's row objects would cost as much as the reading itself. ``binary``: psycopg's
    binary format, in which bytes arrive as they are, not as hex to decode (half the time)."""
    cursor = dbapi_connection.cursor(binary=True) if binary else dbapi_connection.cursor()
    try:
        cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def checked_events(connection: Connection, tracker_id: int) -> Rows:
    """Every event of the tracker in chain order, as (seq, kind, report_id, evidence_id,
    corrects, canonical, hash, same): ``same`` says whether the database's rebuilt text
    matched (tests read it to show the slow path is not what makes a chain intact)."""
    return _driver_rows(connection.connection, statement(connection, "checked", tracker_id))


# --- what the database works out ---------------------------------------------------------------

# Below this many events one connection runs the statements before the chain is hashed; from
# it on, they run on other connections while this one reads and hashes the chain.
PARALLEL_FROM = 20_000


def _parts() -> int:
    """In how many parts other connections check the rows: one for each core but one, at
    most four; none on one core. This thread's reading and hashing plus the accounts cost
    about as much as a whole core's share of the rebuilding, so they take the last core (on
    two cores, measured on a busy machine, a second part cost as much CPU time or more and
    finished no sooner: four threads then compete for two cores)."""
    cores = os.cpu_count() or 1
    return min(cores - 1, 4) if cores > 1 else 0


def _many_connections(engine: Any) -> bool:
    """Can other connections see this database? (Not an in-memory SQLite one, whose one
    connection is shared: a second would be another, empty, database.)"""
    return isinstance(engine, Engine) and not isinstance(engine.pool, StaticPool)


def _accounts(tracker_id: int) -> list[str]:
    """Statements whose answers tell whether every row is accounted for: (report rows, file
    rows, report events, reports they name, files evidence events name); the first report
    marked undone that neither an undo event nor a correction accounts for."""
    tracker = int(tracker_id)
    reports = kinds(trail.REPORT_KINDS)
    return [
        f"SELECT (SELECT count(*) FROM report WHERE tracker_id = {tracker}),"
        f" (SELECT count(*) FROM evidence WHERE tracker_id = {tracker}),"
        f" count(CASE WHEN kind IN ({reports}) THEN 1 END),"
        f" count(DISTINCT CASE WHEN kind IN ({reports}) THEN report_id END),"
        f" count(DISTINCT CASE WHEN kind = '{Kind.EVIDENCE}' THEN evidence_id END)"
        f" FROM tracker_event WHERE tracker_id = {tracker}",
        _silently_undone(tracker),
    ]


def _silently_undone(tracker: int) -> str:
    """The first report marked undone that no undo event names and no report corrects.

    The reports marked undone are found through the index on (workstream, retracted_at), so
    none is read when none is undone (the ``+`` keeps SQLite from reading every report through
    the tracker's index instead), and the lists they are looked up in are built only when one
    is. A report filed under another tracker's workstream is not looked at here, and need not
    be: its event no longer matches its row, or it has none and the counts differ."""
    return (
        f"SELECT min(id) FROM report WHERE workstream_id IN (SELECT id FROM workstream"
        f" WHERE tracker_id = {tracker}) AND retracted_at IS NOT NULL AND +tracker_id = {tracker}"
        f" AND id NOT IN (SELECT report_id FROM tracker_event WHERE tracker_id = {tracker}"
        f" AND kind = '{Kind.UNDO}' AND report_id IS NOT NULL)"
        f" AND id NOT IN (SELECT corrects_id FROM report WHERE tracker_id = {tracker}"
        " AND corrects_id IS NOT NULL)"
    )


class _Background:
    """Statements the database answers while this thread reads and hashes the chain.

    Rebuilding every row's text is most of a long chain's cost, and it is the database's
    work: on SQLite the sqlite3 module lets go of the GIL while a statement runs, on
    PostgreSQL the server does it. So from ``PARALLEL_FROM`` events on, each job (statements
    run in turn) gets a connection of its own in a thread. Another connection may see a later
    state than this one (a report recorded meanwhile, with its event): a row-backed event it
    names is decided on this connection by the slow path, and its counts agree with each
    other as this connection's do."""

    def __init__(self, engine: Engine | None, connection: Connection, jobs: list[list[str]]):
        self._pool: ThreadPoolExecutor | None = None
        self._futures: list[Future[list[Rows]]] = []
        self._now: list[Rows] = []
        if engine is None:
            sqls = [sql for job in jobs for sql in job]
            self._now = [_driver_rows(connection.connection, sql) for sql in sqls]
            return
        self._pool = ThreadPoolExecutor(max_workers=len(jobs), thread_name_prefix="verify")
        self._futures = [self._pool.submit(_on_own_connection, engine, job) for job in jobs]

    def results(self) -> list[Rows]:
        """Every statement's rows, in the order they were given."""
        try:
            return self._now + [rows for future in self._futures for rows in future.result()]
        finally:
            if self._pool is not None:
                self._pool.shutdown()


def _on_own_connection(engine: Engine, job: list[str]) -> list[Rows]:
    dbapi_connection = engine.raw_connection()
    try:
        return [_driver_rows(dbapi_connection, sql) for sql in job]
    finally:
        dbapi_connection.close()


def _jobs(session: Session, connection: Connection, tracker_id: int, total: int) -> _Background:
    """Start the database's part: the accounts, then the rows checked (in parts, on other
    connections, from ``PARALLEL_FROM`` events on; on this one, now, before that)."""
    mismatched = statement(connection, "mismatched", tracker_id)
    accounts = _accounts(tracker_id)
    engine = session.get_bind()
    parts = _parts() if total >= PARALLEL_FROM else 0
    if parts == 0 or not _many_connections(engine):
        whole = mismatched.replace(":low", "1").replace(":high", str(total))
        return _Background(None, connection, [[*accounts, whole]])
    assert isinstance(engine, Engine)
    size = -(-total // parts)
    ranges = [(low, low + size - 1) for low in range(1, total + 1, size)]
    return _Background(
        engine,
        connection,
        [
            accounts,
            *[[mismatched.replace(":low", str(a)).replace(":high", str(b))] for a, b in ranges],
        ],
    )


# --- the chain ----------------------------------------------------------------------------------


def verify_tracker(
    session: Session, *, tracker_id: int, tracker_key: str, keep_hashes: bool = False
) -> ChainResult:
    """Recompute one tracker's chain from its rows; the first mismatch, if any.

    The database checks the rows and counts them (``_jobs``) while this thread reads each
    event's text and hash and checks every link. If all agree and the events with no row of
    their own rebuild as written, the chain is intact; otherwise ``_explained`` goes through
    it event by event to name the first that does not match."""
    connection = session.connection()
    total, first, last = connection.execute(
        text("SELECT count(*), min(seq), max(seq) FROM tracker_event WHERE tracker_id = :tracker"),
        {"tracker": tracker_id},
    ).one()
    background = _jobs(session, connection, tracker_id, total)
    chain = _driver_rows(
        connection.connection,
        statement(connection, "chain", tracker_id),
        binary=connection.dialect.name == "postgresql",
    )
    linked = _links_hold(chain)
    counts, silently, *unmatched = background.results()
    # What the rows do not write out: events with no row of their own, and (if any)
    # row-backed events whose rows no longer match them.
    standalone = sorted(row for rows in unmatched for row in rows if row[1] not in trail.ROW_KINDS)
    suspects = {row[0] for rows in unmatched for row in rows if row[1] in trail.ROW_KINDS}
    reports, files, report_events, reported, attached = counts[0]
    # (first, last) is (1, total) only when the seqs are 1..total: (tracker_id, seq) is unique.
    if (
        linked
        and (first, last) == (1, total)
        and not suspects
        and reports == report_events == reported
        and files == attached
        and silently[0][0] is None
        and _standalone_hold(connection, tracker_id, chain, standalone)
    ):
        head = chain[-1][1].decode() if chain else trail.GENESIS
        hashes = tuple(digest.decode() for _stored, digest in chain) if keep_hashes else ()
        return ChainResult(tracker_key, total, head, None, hashes)
    return _explained(connection, tracker_id, tracker_key, suspects, keep_hashes)


def _links_hold(chain: Rows) -> bool:
    """Does every event's hash cover the hash before it and the event's own text? The tightest
    loop this module has: it runs once per event on every chain."""
    previous = trail.GENESIS.encode()
    sha256 = hashlib.sha256
    for stored, digest in chain:
        if sha256(previous + stored).hexdigest().encode() != digest:
            return False
        previous = digest
    return True


def _standalone_hold(connection: Connection, tracker_id: int, chain: Rows, events: Rows) -> bool:
    """Do the events with no row of their own rebuild as written, and does replaying them
    give today's roles, workstreams and deadline? (Every link holds: ``chain`` gives each
    event's hash and the one before it.)"""
    slow = explain.Explainer(connection, tracker_id)
    for seq, _kind, _stored in events:
        before = chain[seq - 2][1].decode() if seq > 1 else trail.GENESIS
        if slow.explain(seq, before, chain[seq - 1][1].decode()) is not None:
            return False
    changes = [(kind, json.loads(stored)[7]) for _seq, kind, stored in events]
    return explain.state_drift(connection, tracker_id, changes) is None


def _explained(
    connection: Connection,
    tracker_id: int,
    tracker_key: str,
    mismatched: set[int],
    keep_hashes: bool,
) -> ChainResult:
    """The chain gone through event by event (``mismatched``: the row-backed events the
    database found no longer match their rows): every event that needs a closer look (its row
    no longer matches, its hash does not, or it has no row of its own) goes, in chain order,
    through the slow path, which says what differs."""
    slow = explain.Explainer(connection, tracker_id)
    digests: list[str] = []  # digests[n - 1]: event n's hash as written
    suspects: list[int] = []  # events the slow path looks at, in chain order
    changes: list[tuple[str, Any]] = []  # events without a row: they replay into today's state
    reported: set[int] = set()
    attached: set[int] = set()
    # (the last event the slow path may look at first, seq, why, the hash before it)
    stop: tuple[int, int, str, str] | None = None
    count = 0
    previous = trail.GENESIS
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
            stop = (count - 1, seq, reason, previous)
            break
        if kind not in trail.ROW_KINDS:
            suspects.append(seq)
            changes.append((kind, json.loads(stored)[7]))
        elif hashlib.sha256((previous + stored).encode("utf-8")).hexdigest() != digest:
            suspects.append(seq)
        if kind in trail.REPORT_KINDS:
            if report_id in reported:
                what = explain.describe(kind, report_id, evidence_id)
                # The event itself is looked at first: its own text may be what is wrong.
                stop = (seq, seq, f"{what}: report #{report_id} is recorded twice", previous)
                digests.append(digest)
                break
            reported.add(report_id)
        elif kind == Kind.EVIDENCE:
            attached.add(evidence_id)
        digests.append(digest)
        previous = digest
    looked_at = len(digests) if stop is None else stop[0]
    for seq in sorted({*suspects, *mismatched}):
        if seq > looked_at:
            break
        before = digests[seq - 2] if seq > 1 else trail.GENESIS
        problem = slow.explain(seq, before, digests[seq - 1])
        if problem is not None:
            return ChainResult(tracker_key, seq, before, Problem(tracker_key, seq, problem))
    if stop is not None:
        return ChainResult(tracker_key, count, stop[3], Problem(tracker_key, stop[1], stop[2]))
    unaccounted = _unaccounted(connection, tracker_id, len(reported), len(attached))
    if unaccounted is not None:
        return ChainResult(tracker_key, count, previous, Problem(tracker_key, None, unaccounted))
    drift = explain.state_drift(connection, tracker_id, changes)
    if drift is not None:
        return ChainResult(tracker_key, count, previous, Problem(tracker_key, None, drift))
    return ChainResult(tracker_key, count, previous, None, tuple(digests) if keep_hashes else ())


def _unaccounted(
    connection: Connection, tracker_id: int, reported: int, attached: int
) -> str | None:
    """A report or file no event accounts for (added, or undone, behind Pantau's back).

    ``reported`` and ``attached`` count the distinct reports and files the events name, each
    a row of this tracker (its event matched the row), so the rows are only counted; the set
    difference that names the first row left over runs in the database, and only when there
    is one."""
    parameters = {"tracker": tracker_id}

    def first_left_over(table: str, event_kinds: str, column: str, known: int) -> int | None:
        count = connection.execute(
            text(f"SELECT count(*) FROM {table} WHERE tracker_id = :tracker"), parameters
        ).scalar_one()
        if count == known:
            return None
        return connection.execute(
            text(
                f"SELECT min(id) FROM (SELECT id FROM {table} WHERE tracker_id = :tracker"
                f" EXCEPT SELECT {column} FROM tracker_event WHERE tracker_id = :tracker"
                f" AND kind IN ({event_kinds})) AS left_over"
            ),
            parameters,
        ).scalar()

    unrecorded = first_left_over("report", kinds(trail.REPORT_KINDS), "report_id", reported)
    if unrecorded is not None:
        return f"report #{unrecorded} has no event (inserted directly?)"
    # Every report row has its event by now, so a report undone or replaced is accounted for
    # when an undo names it or another report's row says it corrects it.
    silently = connection.execute(text(_silently_undone(int(tracker_id)))).scalar()
    if silently is not None:
        return f"report #{silently} is marked undone but no event says so"
    unattached = first_left_over("evidence", f"'{Kind.EVIDENCE}'", "evidence_id", attached)
    if unattached is not None:
        return f"evidence #{unattached} has no event (inserted directly?)"
    return None


def trackers(session: Session, *, key: str | None = None) -> list[tuple[int, str]]:
    sql = "SELECT id, key FROM tracker"
    if key is not None:
        sql += " WHERE key = :key"
    rows = session.connection().execute(text(sql + " ORDER BY key"), {"key": key})
    return [(row.id, row.key) for row in rows]


def verify(
    session: Session, *, key: str | None = None, keep_hashes: bool = False
) -> Iterator[ChainResult]:
    """Every tracker's chain (or one's), recomputed from the rows."""
    for tracker_id, tracker_key in trackers(session, key=key):
        yield verify_tracker(
            session, tracker_id=tracker_id, tracker_key=tracker_key, keep_hashes=keep_hashes
        )
