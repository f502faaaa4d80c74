"""Recording progress: /update, its edits (corrections), /undo and check-in answers.

Every report is written by one helper here, from the same facts (who, which message, when),
so the rules of a report — its revision, what it corrects, whether a redelivery makes a
second one — have one home whichever way the report arrives.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NotRequired, TypedDict, Unpack

from sqlmodel import Session

from domain.errors import UserError
from domain.i18n import code
from domain.parsing import UpdateArgs, suggest
from domain.progress import find_workstream, overall_percent, with_report
from domain.render import ReportOutcome, UndoOutcome
from domain.views import FileFacts, ReportView, Snapshot, WorkstreamView
from storage import evidence, locks
from storage import reports as report_store
from storage import trackers as tracker_store
from storage import workstreams as workstream_store
from storage.models import Report, Tracker, Workstream

log = logging.getLogger(__name__)

# How long after a report an edit of its message may still correct it. Later, a correction
# is a new /update with a note: the trail shows both, each at its own time.
EDIT_WINDOW = timedelta(hours=48)
CHECKIN_NOTE = "check-in"  # the note of a report made with a check-in's button


@dataclass(frozen=True, slots=True)
class Source:
    """Who reports, and the message (or button tap) that carries it."""

    user_id: int
    name: str
    chat_id: int
    message_id: int
    update_id: int | None
    sent_at: datetime
    edited_at: datetime | None = None  # an edited message: when it was edited

    def teller(self) -> Teller:
        """Who said it, and in which message: the report's columns for it."""
        return {
            "reporter_id": self.user_id,
            "reporter_name": self.name,
            "chat_id": self.chat_id,
            "message_id": self.message_id,
            "update_id": self.update_id,
        }


class Teller(TypedDict):
    reporter_id: int
    reporter_name: str
    chat_id: int
    message_id: int
    update_id: int | None


@dataclass(frozen=True, slots=True)
class AlreadyRecorded:
    """The same message, edit or tap delivered again: one report, one answer."""

    title: str  # the workstream's


@dataclass(frozen=True, slots=True)
class AlreadyUndone:
    """The same /undo delivered again: nothing more is retracted."""


@dataclass(frozen=True, slots=True)
class Corrected:
    outcome: ReportOutcome
    corrected_from: int | None  # the percent it replaced; None: a refused command made valid


@dataclass(frozen=True, slots=True)
class Answered:
    """A check-in answer recorded."""

    outcome: ReportOutcome
    replaced: ReportView | None  # a newer report than the prompt showed, which this replaced


def active_workstream(snapshot: Snapshot, key: str) -> WorkstreamView:
    """The active workstream with this key; unknown or archived ones take no reports."""
    for ws in snapshot.workstreams:
        if ws.key == key:
            return ws
    raise UserError(
        "no_workstream",
        tracker=snapshot.tracker.title,
        key=code(key),
        hint=suggest(key, [ws.key for ws in snapshot.workstreams]),
    )


class Written(TypedDict):
    """When a report was true and when Pantau received it, and which report it corrects: the
    fields of storage's :class:`~storage.reports.NewReport` that neither the source nor what
    was said gives."""

    created_at: datetime
    recorded_at: datetime
    revision: NotRequired[int]
    corrects_id: NotRequired[int | None]


def write_report(
    session: Session,
    source: Source,
    tracker_id: int,
    workstream_id: int,
    said: UpdateArgs,
    **when: Unpack[Written],
) -> ReportView:
    """The one place a report is written — by /update, its edits, check-in answers and the
    import alike: who said what (``said``), when, from where."""
    return report_store.insert_report(
        session,
        workstream_key=said.workstream,
        tracker_id=tracker_id,
        workstream_id=workstream_id,
        percent=said.percent,
        note=said.note,
        **source.teller(),
        **when,
    )


def _outcome(
    before: Snapshot, after: Snapshot, previous: WorkstreamView, note: str | None, *, lower: bool
) -> ReportOutcome:
    return ReportOutcome(
        snapshot=after,
        workstream=find_workstream(after, previous.id),
        previous_percent=previous.percent,
        previous_overall=overall_percent(before.workstreams),
        note=note,
        # Accepted, but a drop is worth a second look: the reply asks why.
        lower_than_before=lower,
    )


def _lower(previous: WorkstreamView, percent: int) -> bool:
    return previous.latest is not None and percent < previous.percent


def retract(
    session: Session, report: Report, *, by: int | None, now: datetime, undo: Source | None = None
) -> None:
    """Take a report out of the count, keeping it in the trail: undone by an /undo message
    (``undo``), else replaced by a correction (chained by the correction's own event, which
    names it)."""
    report_store.retract_report(
        session,
        report=report,
        now=now,
        chat_id=undo.chat_id if undo is not None else None,
        message_id=undo.message_id if undo is not None else None,
        by=by,
        replaced=undo is None,
    )


def add_evidence(
    session: Session, report: Report, facts: FileFacts, source: Source, now: datetime
) -> bool:
    """A file as evidence of a report, from the message that carried it (False: that message
    added it already)."""
    added = evidence.add(
        session,
        report=report,
        facts=facts,
        added_by=source.user_id,
        now=now,
        chat_id=source.chat_id,
        message_id=source.message_id,
    )
    return added is not None


@dataclass(frozen=True, slots=True)
class EvidenceAdded:
    workstream_title: str
    percent: int


def add_evidence_by_reply(
    session: Session, report_id: int, facts: FileFacts, source: Source, now: datetime
) -> EvidenceAdded | None:
    """A file sent in reply to one's own /update: more evidence for its report (None: the
    same message delivered again)."""
    report = report_store.get_report(session, report_id=report_id)
    if report is None or report.retracted_at is not None:  # undone meanwhile
        raise UserError("evidence_undone", example=code("/update …"))
    if not add_evidence(session, report, facts, source, now):
        return None
    ws = workstream_store.get_workstream_by_id(session, workstream_id=report.workstream_id)
    return EvidenceAdded(ws.title if ws is not None else "?", report.percent)


def record_report(
    session: Session,
    tracker: Tracker,
    source: Source,
    args: UpdateArgs,
    now: datetime,
    files: Sequence[FileFacts] = (),
) -> ReportOutcome | AlreadyRecorded:
    """/update: record a report, with the files its message carried as evidence."""
    assert tracker.id is not None
    # Before reading whether the message made a report: an edit of it handled at the same
    # moment waits for this transaction (or this one for it) and sees what it wrote.
    locks.lock_message(session, chat_id=source.chat_id, message_id=source.message_id)
    before = report_store.snapshot(session, tracker=tracker)
    previous = active_workstream(before, args.workstream)
    if report_store.report_exists(session, chat_id=source.chat_id, message_id=source.message_id):
        # The same message delivered again (a retry after a crash), or an edit of it came
        # first: one report, one answer.
        return AlreadyRecorded(previous.title)
    report = write_report(
        session, source, tracker.id, previous.id, args, created_at=source.sent_at, recorded_at=now
    )
    stored = session.get(Report, report.id) if files else None  # the evidence chain's row
    for facts in files:
        assert stored is not None
        add_evidence(session, stored, facts, source, now)
    after = with_report(before, report, previous.id)
    return _outcome(before, after, previous, args.note, lower=_lower(previous, args.percent))


def undo_last_report(
    session: Session, tracker: Tracker, source: Source, now: datetime
) -> UndoOutcome | AlreadyUndone:
    """/undo: retract the caller's most recent report in this tracker (kept, marked)."""
    assert tracker.id is not None
    if report_store.retracted_by(session, chat_id=source.chat_id, message_id=source.message_id):
        return AlreadyUndone()
    report = report_store.last_report_by(
        session, tracker_id=tracker.id, reporter_id=source.user_id
    )
    if report is None:
        raise UserError("nothing_to_undo", tracker=tracker.title)
    workstream = workstream_store.get_workstream_by_id(session, workstream_id=report.workstream_id)
    assert workstream is not None
    retract(session, report, by=source.user_id, now=now, undo=source)
    log.info("undo: report %s by %s", report.id, source.user_id)
    return UndoOutcome(
        undone=report_store.report_view(report, workstream.key),
        workstream_title=workstream.title,
        snapshot=report_store.snapshot(session, tracker=tracker),
    )


def _correctable(
    session: Session, tracker: Tracker, source: Source, args: UpdateArgs, revisions: list[Report]
) -> Report | None:
    """The report an edit may correct (None: the message made none, so the edit is a new
    report), or a refusal saying what to send instead."""
    example = code(f"/update {args.workstream} {args.percent}")
    current = next((r for r in reversed(revisions) if r.retracted_at is None), None)
    if current is None:
        if revisions:  # every report of the message was undone: an edit may not revive it
            raise UserError("edit_undone", example=example)
        return None
    if current.tracker_id != tracker.id:  # the chat follows another tracker now
        old = tracker_store.get_tracker_by_id(session, tracker_id=current.tracker_id)
        raise UserError(
            "edit_other_tracker",
            old=old.title if old is not None else "?",
            new=tracker.title,
            example=example,
        )
    edited_at = source.edited_at or source.sent_at
    if edited_at - current.created_at > EDIT_WINDOW:
        raise UserError(
            "edit_too_old", hours=int(EDIT_WINDOW.total_seconds() // 3600), example=example
        )
    return current


def record_correction(
    session: Session, tracker: Tracker, source: Source, args: UpdateArgs, now: datetime
) -> Corrected | AlreadyRecorded:
    """An edited /update: a correction of the report its message made (a new report linked to
    the first, which stays in the trail retracted), never a silent overwrite."""
    assert tracker.id is not None
    # Before reading the message's revisions: a second edit (or the /update itself) handled
    # at the same moment waits, then counts this one's revision. (Without it both would take
    # the same next revision on PostgreSQL and the unique key would refuse one.)
    locks.lock_message(session, chat_id=source.chat_id, message_id=source.message_id)
    revisions = report_store.revisions_of_message(
        session, chat_id=source.chat_id, message_id=source.message_id
    )
    for done in revisions:
        if done.update_id == source.update_id:  # the same edit delivered again
            ws_row = workstream_store.get_workstream_by_id(
                session, workstream_id=done.workstream_id
            )
            return AlreadyRecorded(ws_row.title if ws_row is not None else args.workstream)
    original = _correctable(session, tracker, source, args, revisions)
    before = report_store.snapshot(session, tracker=tracker)
    ws = active_workstream(before, args.workstream)
    if original is not None:
        retract(session, original, by=source.user_id, now=now)
    report = write_report(
        session,
        source,
        tracker.id,
        ws.id,
        args,
        # A correction keeps the moment of the claim it corrects; an edit that turns a
        # refused command into a valid one claims progress as of the edit.
        created_at=(original.created_at if original is not None else source.edited_at or now),
        recorded_at=now,
        # Counted, not timed: two edits within one second are two revisions.
        revision=max((r.revision for r in revisions), default=0) + 1,
        corrects_id=original.id if original is not None else None,
    )
    after = report_store.snapshot(session, tracker=tracker)
    log.info("correction of message %s: report %s", source.message_id, report.id)
    return Corrected(
        _outcome(before, after, ws, args.note, lower=False),
        original.percent if original is not None else None,
    )


def answered_workstream(session: Session, workstream_id: int) -> tuple[Tracker, Workstream]:
    """The workstream a check-in button (or the number typed after it) answers for, and its
    tracker; a refusal when it no longer exists."""
    ws_row = workstream_store.get_workstream_by_id(session, workstream_id=workstream_id)
    if ws_row is None:
        raise UserError("ci_stale")
    tracker = tracker_store.get_tracker_by_id(session, tracker_id=ws_row.tracker_id)
    assert tracker is not None
    return tracker, ws_row


def refuse_archived(ws_row: Workstream) -> None:
    if ws_row.archived:
        raise UserError("ci_gone_workstream", title=ws_row.title)


def record_answer(
    session: Session,
    tracker: Tracker,
    source: Source,
    *,
    workstream_id: int,
    base_report_id: int | None,
    percent: int,
) -> Answered | AlreadyRecorded:
    """A check-in answer, recorded as /update would (``base_report_id``: the report the
    prompt showed, to tell when someone reported since)."""
    assert tracker.id is not None
    before = report_store.snapshot(session, tracker=tracker)
    previous = find_workstream(before, workstream_id)
    if report_store.report_exists(session, chat_id=source.chat_id, message_id=source.message_id):
        return AlreadyRecorded(previous.title)  # the same tap or message delivered again
    newer = previous.latest
    replaced = newer if newer is not None and newer.id != base_report_id else None
    said = UpdateArgs(previous.key, percent, CHECKIN_NOTE)
    created = source.sent_at
    report = write_report(
        session, source, tracker.id, previous.id, said, created_at=created, recorded_at=created
    )
    after = with_report(before, report, workstream_id)
    log.info("check-in: %s=%s%% by %s in %s", previous.key, percent, source.user_id, tracker.key)
    return Answered(
        _outcome(before, after, previous, CHECKIN_NOTE, lower=_lower(previous, percent)), replaced
    )
