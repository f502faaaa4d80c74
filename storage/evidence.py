"""Evidence files on reports: their rows, and the content-addressed copies on disk.

A copy lives at ``<PANTAU_EVIDENCE_DIR>/<first 2 hex>/<sha256>``, readable by its owner only
(0600): the same file sent twice is kept once, and a file's name says what it must hash to.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, col, select

from domain.trail import Kind
from domain.views import FileFacts
from storage import trail
from storage.db import insert_row
from storage.models import Evidence, Report

# The Bot API lets a bot download files up to 20 MB (getFile); larger ones stay on Telegram.
DOWNLOAD_LIMIT = 20 * 1024 * 1024

# Why a file was recorded without a copy: ``FileFacts.note`` holds the key (the catalogue's
# ``evidence_<key>`` says it to people), the database this sentence, for auditors.
NOT_COPIED = {
    "too_big": "over the Bot API's 20 MB download limit: recorded by id, not copied",
    "unavailable": "Telegram could not serve the file: recorded by id, not copied",
    "not_writable": "the evidence folder could not be written: not copied",
}


def path_for(directory: Path, sha256: str) -> Path:
    return directory / sha256[:2] / sha256


def store_copy(directory: Path, content: bytes) -> str:
    """Keep ``content`` under its SHA-256 (0600, written whole or not at all); the hash.

    Raises ``OSError`` when the folder cannot be written.
    """
    digest = hashlib.sha256(content).hexdigest()
    target = path_for(directory, digest)
    if target.is_file():
        return digest
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return digest


def add(
    session: Session,
    *,
    report: Report,
    facts: FileFacts,
    added_by: int,
    now: datetime,
    chat_id: int,
    message_id: int,
) -> Evidence | None:
    """Attach a file to a report (chained); None when this message already attached it."""
    assert report.id is not None
    exists = session.exec(
        select(Evidence.id).where(
            Evidence.chat_id == chat_id,
            Evidence.message_id == message_id,
            Evidence.file_unique_id == facts.file_unique_id,
        )
    ).first()
    if exists is not None:
        return None
    evidence = Evidence(
        tracker_id=report.tracker_id,
        report_id=report.id,
        file_id=facts.file_id[:255],
        file_unique_id=facts.file_unique_id[:64],
        name=facts.name[:255],
        mime=facts.mime[:127] if facts.mime else None,
        size=facts.size,
        sha256=facts.sha256,
        note=NOT_COPIED.get(facts.note, facts.note)[:300] if facts.note else None,
        added_by=added_by,
        added_at=now,
        chat_id=chat_id,
        message_id=message_id,
    )
    act = trail.Act(report.tracker_id, now, added_by, chat_id)
    trail.record(session, act, Kind.EVIDENCE, evidence_id=insert_row(session, evidence))
    return evidence


def of_reports(session: Session, *, report_ids: Sequence[int]) -> dict[int, list[Evidence]]:
    """The files of these reports, oldest first."""
    if not report_ids:
        return {}
    found: dict[int, list[Evidence]] = {}
    statement = (
        select(Evidence).where(col(Evidence.report_id).in_(report_ids)).order_by(col(Evidence.id))
    )
    for evidence in session.exec(statement).all():
        found.setdefault(evidence.report_id, []).append(evidence)
    return found


def files_by_report(session: Session, *, tracker_id: int) -> dict[int, list[Evidence]]:
    """Every file of a tracker, by report, for exports."""
    found: dict[int, list[Evidence]] = {}
    statement = (
        select(Evidence).where(Evidence.tracker_id == tracker_id).order_by(col(Evidence.id))
    )
    for evidence in session.exec(statement).all():
        found.setdefault(evidence.report_id, []).append(evidence)
    return found


def describe(files: Sequence[Evidence]) -> str:
    """A report's files in one export cell: ``name sha256:<hex>`` each (``-``: no copy)."""
    return "; ".join(f"{f.name} sha256:{f.sha256 or '-'}" for f in files)


def latest_of_workstream(session: Session, *, workstream_id: int, limit: int) -> list[Evidence]:
    """The newest files attached to a workstream's reports (counted or not), newest first."""
    statement = (
        select(Evidence)
        .join(Report, col(Report.id) == col(Evidence.report_id))
        .where(Report.workstream_id == workstream_id)
        .order_by(col(Evidence.id).desc())
        .limit(limit)
    )
    return list(session.exec(statement).all())
