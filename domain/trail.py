"""The audit trail's hash chain: how one event is written down, and how its hash is made.

Each tracker has its own chain of events, numbered 1, 2, … (``seq``). An event's canonical
form is one line of JSON, UTF-8, no spaces, keys of objects sorted, non-ASCII kept as is::

    ["pantau/1", seq, kind, at, actor_id, chat_id, detail, subject]

``at`` and every time inside ``subject`` is UTC, ``YYYY-MM-DDTHH:MM:SS.ffffffZ``; absent
values are ``null``. ``subject`` is the row the event is about, as it was written (a report,
its undo, a file of evidence) or, for events with no row of their own (a role given, a
deadline moved), what changed. Then::

    hash = SHA-256(previous hash as 64 lowercase hex characters ‖ canonical, as UTF-8)

with 64 zeros as the previous hash of a tracker's first event. The verifier rebuilds the
subject of report, correction, undo and evidence events from the rows themselves, so a row
changed, deleted or added behind Pantau's back no longer matches its event.

Pure: no database, no Telegram. ``VERIFY.md`` in an export bundle restates this in a few
lines of standard-library Python.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

FORMAT = "pantau/1"
GENESIS = "0" * 64


class Kind(StrEnum):
    """What an event records. A literal a test can find; the values are in the chain."""

    TRACKER_CREATED = "tracker_created"
    TRACKER_CHANGED = "tracker_changed"  # title (or the import file's fields) changed
    DEADLINE_MOVED = "deadline_moved"
    ARCHIVED = "archived"
    RESTORED = "restored"
    LINKED = "chat_linked"  # a chat now follows the tracker (its one tracker)
    MOVED_AWAY = "chat_moved_away"  # a chat that followed it now follows another
    FOLLOWED = "chat_followed"  # a portfolio chat follows it as well
    UNFOLLOWED = "chat_unfollowed"
    ROLE_GIVEN = "role_given"
    ROLE_TAKEN = "role_taken"
    WORKSTREAM_ADDED = "workstream_added"
    WORKSTREAM_CHANGED = "workstream_changed"  # re-weighted, renamed or restored
    WORKSTREAM_ARCHIVED = "workstream_archived"
    REPORT = "report"
    CORRECTION = "correction"
    UNDO = "undo"
    EVIDENCE = "evidence"


# Events whose subject is rebuilt from another table's row at verification.
REPORT_KINDS = frozenset({Kind.REPORT, Kind.CORRECTION})
ROW_KINDS = REPORT_KINDS | {Kind.UNDO, Kind.EVIDENCE}


def utc_text(value: datetime | None) -> str | None:
    """A time as the chain writes it: UTC, microseconds, a ``Z``."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def time_text(value: datetime | str | None) -> str | None:
    """:func:`utc_text` of a time as a driver returns it: SQLite's stored text
    (``YYYY-MM-DD HH:MM:SS.ffffff``, UTC) is rewritten without parsing, anything else parsed."""
    if value is None:
        return None
    if isinstance(value, str):
        if len(value) == 26 and value[10] == " ":
            return value[:10] + "T" + value[11:] + "Z"
        value = datetime.fromisoformat(value)
    return utc_text(value)


def report_subject(
    *,
    report_id: int,
    workstream: str,
    percent: int,
    note: str | None,
    reporter_id: int,
    reporter_name: str,
    chat_id: int,
    message_id: int,
    created_at: datetime | str,
    recorded_at: datetime | str,
    revision: int,
    corrects: int | None,
) -> dict[str, Any]:
    """A report as the chain holds it: every field that says who claimed what, when. Times
    as datetimes, or as a driver returned them (:func:`time_text`)."""
    return {
        "id": report_id,
        "workstream": workstream,
        "percent": percent,
        "note": note,
        "reporter_id": reporter_id,
        "reporter_name": reporter_name,
        "chat_id": chat_id,
        "message_id": message_id,
        "created_at": time_text(created_at),
        "recorded_at": time_text(recorded_at),
        "revision": revision,
        "corrects": corrects,
    }


def retraction_subject(
    *, report_id: int, retracted_at: datetime | str | None, retracted_by: int | None
) -> dict[str, Any]:
    """An undo (or the replacement of a corrected report): which report, when, by whom."""
    return {"report": report_id, "retracted_at": time_text(retracted_at), "by": retracted_by}


def evidence_subject(
    *,
    evidence_id: int,
    report_id: int,
    file_unique_id: str,
    name: str,
    mime: str | None,
    size: int | None,
    sha256: str | None,
) -> dict[str, Any]:
    return {
        "id": evidence_id,
        "report": report_id,
        "file_unique_id": file_unique_id,
        "name": name,
        "mime": mime,
        "size": size,
        "sha256": sha256,
    }


def canonical(
    *,
    seq: int,
    kind: str,
    at: datetime,
    actor_id: int | None,
    chat_id: int | None,
    detail: str | None,
    subject: Mapping[str, Any] | None,
) -> str:
    """The event as one line of JSON (see the module docstring for the exact form)."""
    return json.dumps(
        [FORMAT, seq, kind, utc_text(at), actor_id, chat_id, detail, subject],
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )


def chain_hash(previous: str, canonical_text: str) -> str:
    return hashlib.sha256((previous + canonical_text).encode("utf-8")).hexdigest()


def short_head(head: str) -> str:
    """A head as digests publish it: enough of both ends to witness it, short to read."""
    return f"{head[:8]}…{head[-8:]}" if len(head) == 64 else head


def head_matches(published: str, head: str) -> bool:
    """Does a published head (whole, a prefix of at least 8, or ``first…last``) name this
    hash?"""
    text = published.strip().lower().replace("...", "…")
    if "…" in text:
        first, _, last = text.partition("…")
        return len(first) + len(last) >= 8 and head.startswith(first) and head.endswith(last)
    return len(text) >= 8 and head.startswith(text)


def differences(stored: Mapping[str, Any] | None, now: Mapping[str, Any] | None) -> list[str]:
    """Which fields of a subject differ between the trail and the rows, for the verifier's
    message (``percent: 40 in the trail, 90 in the row``)."""
    if stored is None or now is None:
        return []
    names = list(dict.fromkeys([*stored.keys(), *now.keys()]))
    return [
        f"{name}: {stored.get(name)!r} in the trail, {now.get(name)!r} in the row"
        for name in names
        if stored.get(name) != now.get(name)
    ]
