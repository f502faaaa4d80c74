"""The canonical text of a report, correction, undo or evidence event, written by the
database from the rows it describes (``storage.verify`` compares it with the text the event
holds).

One printf (SQLite) or format (PostgreSQL) per event fills ``domain.trail.canonical``'s form,
keys in sorted order; each slot is a column written as ``json.dumps(..., ensure_ascii=False)``
writes it:
- text through JSON quoting (SQLite's json_quote, PostgreSQL's to_json: a test holds both
  equal to json.dumps for every kind of character);
- numbers that may be NULL: on PostgreSQL quoted the same way; on SQLite, with no function
  call per row, NULL as null, a number as it is and anything else as x (``Dialect.null_int``);
- numbers that cannot be NULL as they are (SQLite turns an integer written as text into an
  integer, so what is left as text there is never digits alone, and cannot match);
- times as ``domain.trail.time_text`` writes them (SQLite keeps 'YYYY-MM-DD HH:MM:SS.ffffff'
  text: the date, a T, the rest, a Z; any other text cannot match the 27 characters it
  should, or is a time Python reads the same).
The constant keys between the slots (``,"percent":``) occur once each in a stored event, and
never inside one of its strings, so the text equals the stored one only if every slot equals
the stored value: a row that is gone (NULL slots print as nothing) never matches.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection

from domain import trail
from domain.trail import Kind


@dataclass(frozen=True, slots=True)
class Dialect:
    """How one database writes a slot."""

    name: str

    def json(self, column: str) -> str:
        if self.name == "sqlite":
            return f"json_quote({column})"
        return f"coalesce(to_json({column})::text, 'null')"

    def null_int(self, column: str) -> str:
        """A number that may be NULL. SQLite: without a function call per row (json_quote
        was a sixth of the rebuilding): NULL as null, a number as it is, anything else
        (text, even 'null', or a blob: ``x = x + 0`` holds only for a number) as x, which
        no stored number or null equals."""
        if self.name == "sqlite":
            return (
                f"CASE WHEN {column} IS NULL THEN 'null'"
                f" WHEN {column} = {column} + 0 THEN {column} ELSE 'x' END"
            )
        return self.json(column)

    def null_json(self, column: str) -> str:
        """A text that may be NULL, and nearly always is: no function call for NULL."""
        if self.name == "sqlite":
            return f"CASE WHEN {column} IS NULL THEN 'null' ELSE json_quote({column}) END"
        return self.json(column)

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

    def utf8(self, column: str) -> str:
        """A text column as its UTF-8 bytes, which the chain hashes: the driver makes no text
        object only to have it encoded again."""
        if self.name == "sqlite":
            return f"CAST({column} AS BLOB)"
        return f"convert_to({column}, 'UTF8')"

    def fill(self, template: str, arguments: list[str]) -> str:
        function = "printf" if self.name == "sqlite" else "format"
        return f"{function}('{template}', {', '.join(arguments)})"


Piece = tuple[str, list[str]]  # a template and the arguments that fill it


def _object(dialect: Dialect, fields: str, splice: str = "") -> Piece:
    """A JSON object of the fields ``key:how:column``, in key order. how: ``int`` as it is,
    ``json`` quoted, ``nint`` a number or null, ``time`` a time, ``ntime`` a time or null;
    the field ``*`` is ``splice``, an SQL text expression that brings its own comma and key
    (or nothing)."""
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
            written = {"json": dialect.json, "nint": dialect.null_int, "ntime": dialect.null_time}
            arguments.append(column if how == "int" else written[how](column))
    return "{" + template + "}", arguments


def _rebuilt(dialect: Dialect) -> str:
    """The canonical text of a report, correction, undo or evidence event, from its rows
    (aliases: e the event, r its report, o the report a correction replaced, w the report's
    workstream, v the file); NULL for other events."""

    def retraction(row: str) -> Piece:
        fields = (
            f"by:nint:{row}.retracted_by report:int:{row}.id retracted_at:ntime:{row}.retracted_at"
        )
        return _object(dialect, fields)

    replaced = (
        "CASE WHEN r.corrects_id IS NULL THEN '' WHEN o.id IS NOT NULL THEN "
        f"',\"replaced\":' || {dialect.fill(*retraction('o'))} END"
    )
    # "replaced" sorts after recorded_at: the * brings its own comma and key.
    report = _object(
        dialect,
        """chat_id:int:r.chat_id corrects:nint:r.corrects_id created_at:time:r.created_at
        id:int:r.id message_id:int:r.message_id note:json:r.note percent:int:r.percent
        recorded_at:time:r.recorded_at * reporter_id:int:r.reporter_id
        reporter_name:json:r.reporter_name revision:int:r.revision workstream:json:w.key""",
        replaced,
    )
    evidence = _object(
        dialect,
        """file_unique_id:json:v.file_unique_id id:int:v.id mime:json:v.mime name:json:v.name
        report:nint:v.report_id sha256:json:v.sha256 size:nint:v.size""",
    )
    at, at_arguments = dialect.time("e.at")
    event = [
        dialect.null_int("e.actor_id"),
        dialect.null_int("e.chat_id"),
        dialect.null_json("e.detail"),
    ]

    def whole(subject: Piece) -> str:
        # One printf per event, the subject's slots among the event's: a second printf for
        # the subject alone, its text then copied into the first, cost a sixth more.
        # The kind is one of the row kinds' names (the text is NULL otherwise): no escaping.
        return dialect.fill(
            f'["{trail.FORMAT}",%s,"%s",{at},%s,%s,%s,{subject[0]}]',
            ["e.seq", "e.kind", *at_arguments, *event, *subject[1]],
        )

    return (
        f"CASE WHEN e.kind IN ({kinds(trail.REPORT_KINDS)}) THEN {whole(report)}"
        f" WHEN e.kind = '{Kind.UNDO}' THEN {whole(retraction('r'))}"
        f" WHEN e.kind = '{Kind.EVIDENCE}' THEN {whole(evidence)} END"
    )


def kinds(kinds: Iterable[str]) -> str:
    return ", ".join(f"'{kind}'" for kind in sorted(kinds))


def _events_statement(dialect: Dialect) -> str:
    return (
        "SELECT e.seq, e.kind, e.report_id, e.evidence_id, r.corrects_id, e.canonical, e.hash,"
        f" e.canonical = {_rebuilt(dialect)} AS same"
        " FROM tracker_event e"
        " LEFT JOIN report r ON r.id = e.report_id"
        f" AND e.kind IN ({kinds(trail.REPORT_KINDS | {Kind.UNDO})})"
        " AND r.tracker_id = e.tracker_id"
        " LEFT JOIN report o ON o.id = r.corrects_id AND o.tracker_id = e.tracker_id"
        " LEFT JOIN workstream w ON w.id = r.workstream_id AND w.tracker_id = e.tracker_id"
        f" LEFT JOIN evidence v ON v.id = e.evidence_id AND e.kind = '{Kind.EVIDENCE}'"
        " AND v.tracker_id = e.tracker_id"
        " WHERE e.tracker_id = :tracker ORDER BY e.seq, e.id"
    )


_STATEMENTS: dict[tuple[str, str], str] = {}


def statement(connection: Connection, which: str, tracker_id: int) -> str:
    """One of the verifier's statements for this database, the tracker's id written in (an
    integer: no placeholder style differs by driver)."""
    dialect = connection.dialect.name
    if (dialect, which) not in _STATEMENTS:
        _STATEMENTS[dialect, which] = {
            "checked": _events_statement,
            "mismatched": _mismatched_statement,
            "chain": _chain_statement,
        }[which](Dialect(dialect))
    return _STATEMENTS[dialect, which].replace(":tracker", str(int(tracker_id)))


def _mismatched_statement(dialect: Dialect) -> str:
    """The events, between :low and :high, that the rows do not write out, as (seq, kind,
    text): the row-backed events whose rows no longer write out the text the event holds (a
    row changed, or gone), and the events with no row of their own (nothing writes them out).
    One pass over the events finds both."""
    joins = _events_statement(dialect)
    joins = joins[joins.index(" FROM tracker_event e") : joins.index(" WHERE ")]
    return (
        f"SELECT e.seq, e.kind, e.canonical{joins} WHERE e.tracker_id = :tracker"
        f" AND e.seq BETWEEN :low AND :high AND (e.canonical = {_rebuilt(dialect)}) IS NOT TRUE"
    )


def _chain_statement(dialect: Dialect) -> str:
    """Every event's text and hash, as bytes, in chain order: all that hashing the chain needs."""
    return (
        f"SELECT {dialect.utf8('canonical')}, {dialect.utf8('hash')} FROM tracker_event"
        " WHERE tracker_id = :tracker ORDER BY seq"
    )
