"""Apply a validated import file to the database: create or update, never duplicate."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from domain.spec import ImportSpec
from storage import checkins, queries
from storage.models import Tracker

IMPORTED_CHAT_ID = 0  # reports from a file have no Telegram chat: they share this one


@dataclass(frozen=True, slots=True)
class ImportResult:
    tracker: Tracker
    created: bool
    workstreams: int
    members: int
    chats: int
    reports_added: int


def _import_message_id(tracker_key: str, workstream: str, at: datetime, reporter: int) -> int:
    """A stable id for an imported report, so importing the same file twice adds it once.

    Negative, so it can never collide with a real Telegram message id.
    """
    digest = hashlib.sha256(f"{tracker_key}|{workstream}|{at.isoformat()}|{reporter}".encode())
    return -(int.from_bytes(digest.digest()[:7], "big") + 1)


def apply_spec(session: Session, *, spec: ImportSpec, now: datetime) -> ImportResult:
    """Create or update the tracker described by ``spec`` inside the caller's transaction."""
    tracker = queries.get_tracker(session, key=spec.tracker.key)
    created = tracker is None
    if tracker is None:
        tracker = queries.create_tracker(
            session,
            key=spec.tracker.key,
            title=spec.tracker.title,
            regulation=spec.tracker.regulation,
            deadline=spec.tracker.deadline,
            timezone=spec.tracker.timezone,
            created_by=None,
            now=now,
        )
    else:
        queries.change_tracker(
            session,
            tracker=tracker,
            actor_id=None,
            now=now,
            deadline=spec.tracker.deadline,
            title=spec.tracker.title,
            regulation=spec.tracker.regulation,
            timezone=spec.tracker.timezone,
        )
    assert tracker.id is not None

    ws_ids: dict[str, int] = {}
    for ws_spec in spec.workstreams:
        ws, _ = queries.save_workstream(
            session,
            tracker_id=tracker.id,
            key=ws_spec.key,
            title=ws_spec.title,
            weight=ws_spec.weight,
            now=now,
        )
        assert ws.id is not None
        ws_ids[ws.key] = ws.id

    names: dict[int, str] = {}
    for member in spec.members:
        queries.set_role(
            session, tracker_id=tracker.id, user_id=member.user_id, role=member.role, now=now
        )
        name = member.name or (member.username or str(member.user_id)).lstrip("@")
        names[member.user_id] = name
        queries.upsert_seen_user(
            session,
            user_id=member.user_id,
            username=member.username.lstrip("@") if member.username else None,
            display_name=name,
            now=now,
        )

    for ws_spec in spec.workstreams:
        if ws_spec.owners:
            checkins.set_owners(
                session, workstream_id=ws_ids[ws_spec.key], user_ids=ws_spec.owners
            )
    if spec.tracker.checkin is not None:
        days, at = spec.tracker.checkin.split()
        checkins.set_checkin(
            session, tracker=tracker, days=days, at=f"{int(at[:-3]):02d}{at[-3:]}"
        )

    for chat in spec.chats:
        queries.link_chat(session, chat_id=chat.chat_id, tracker_id=tracker.id, title=chat.title)

    added = 0
    for report in spec.reports:
        message_id = _import_message_id(tracker.key, report.workstream, report.at, report.reporter)
        if queries.report_exists(session, chat_id=IMPORTED_CHAT_ID, message_id=message_id):
            continue
        queries.add_report(
            session,
            tracker_id=tracker.id,
            workstream_id=ws_ids[report.workstream],
            percent=report.percent,
            note=report.note,
            reporter_id=report.reporter,
            reporter_name=names.get(report.reporter, str(report.reporter)),
            chat_id=IMPORTED_CHAT_ID,
            message_id=message_id,
            update_id=None,
            created_at=report.at,
            recorded_at=now,  # when the import brought it in; created_at is when it was true
        )
        added += 1

    return ImportResult(
        tracker=tracker,
        created=created,
        workstreams=len(spec.workstreams),
        members=len(spec.members),
        chats=len(spec.chats),
        reports_added=added,
    )
