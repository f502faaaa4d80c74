"""Apply a validated import file to the database: create or update, never duplicate.

What the file says about the tracker, its workstreams, members and chats wins. Reports are
history, so an imported report that the database already holds differently (another percent,
note or time) is left as it is and reported; with ``corrections`` it is corrected the way an
edited ``/update`` is: the report as it was stays in the trail, retracted, and a new revision
linked to it (``corrects_id``) takes its place.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from domain.parsing import UpdateArgs
from domain.spec import ImportSpec, ReportSpec
from domain.views import Role
from services.reports import Source, retract, write_report
from services.trackers import TrackerFields, save_tracker
from services.workstreams import WorkstreamChange, save_workstream
from storage import chats as chat_store
from storage import checkins, lifecycle
from storage import members as member_store
from storage import reports as report_store
from storage import trackers as tracker_store
from storage import workstreams as workstream_store
from storage.models import Report, Tracker
from storage.trail import Act

IMPORTED_CHAT_ID = 0  # reports from a file have no Telegram chat: they share this one


class TrackerArchived(Exception):
    """The file names an archived tracker: it is read-only until restored, and no chat may be
    linked to it. Raised before anything is written."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class NoAdminLeft(Exception):
    """The file would demote the last admins of an existing tracker (the rule /grant keeps)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class ImportRefused(Exception):
    """The file cannot be applied as it is; ``problems`` each name the line at fault."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(slots=True)
class Counts:
    """Per kind of thing in the file: what the import did with it."""

    created: int = 0
    unchanged: int = 0  # already there, as the file says
    updated: int = 0  # already there, changed to what the file says
    differs: int = 0  # reports only: already there differently, left as they are
    corrected: int = 0  # reports only: already there differently, corrected


@dataclass(slots=True)
class ImportResult:
    tracker: Tracker
    created: bool
    workstreams: Counts = field(default_factory=Counts)
    members: Counts = field(default_factory=Counts)
    chats: Counts = field(default_factory=Counts)
    reports: Counts = field(default_factory=Counts)
    differences: list[str] = field(default_factory=list)  # one line per differing report
    still_active: list[str] = field(default_factory=list)  # in the database, not in the file

    @property
    def reports_added(self) -> int:
        return self.reports.created


def _import_message_id(tracker_key: str, workstream: str, at: datetime, reporter: int) -> int:
    """A stable id for an imported report, so importing the same file twice adds it once.

    Negative, so it can never collide with a real Telegram message id.
    """
    digest = hashlib.sha256(f"{tracker_key}|{workstream}|{at.isoformat()}|{reporter}".encode())
    return -(int.from_bytes(digest.digest()[:7], "big") + 1)


def _where(index: int, lines: Sequence[int] | None) -> str:
    if lines is not None and index < len(lines):
        return f"line {lines[index]}"
    return f"reports[{index}]"


def check_reports(
    session: Session,
    *,
    spec: ImportSpec,
    now: datetime,
    lines: Sequence[int] | None = None,
) -> list[str]:
    """What makes the file's reports unusable: times in the future, reporters not members."""
    tracker = tracker_store.get_tracker(session, key=spec.tracker.key)
    members = {member.user_id for member in spec.members}
    problems: list[str] = []
    for index, report in enumerate(spec.reports):
        where = _where(index, lines)
        if report.at > now:
            problems.append(
                f"{where}: {report.at.isoformat()} is in the future; a report records what "
                "already happened"
            )
        if report.reporter not in members and (
            tracker is None
            or tracker.id is None
            or member_store.role_of(session, tracker_id=tracker.id, user_id=report.reporter)
            is None
        ):
            problems.append(
                f"{where}: reporter {report.reporter} is not a member; add them under "
                "[[members]] (or /grant them a role) first"
            )
    return problems


def apply_spec(
    session: Session,
    *,
    spec: ImportSpec,
    now: datetime,
    lines: Sequence[int] | None = None,
    corrections: bool = False,
) -> ImportResult:
    """Create or update the tracker described by ``spec`` inside the caller's transaction.

    ``lines``: the line of each report in the file, for messages. Raises ``ImportRefused``
    before writing anything when a report is dated in the future or its reporter is not a
    member.
    """
    tracker = tracker_store.get_tracker(session, key=spec.tracker.key)
    if tracker is not None and tracker.archived_at is not None:
        raise TrackerArchived(tracker.key)
    problems = check_reports(session, spec=spec, now=now, lines=lines)
    if problems:
        raise ImportRefused(problems)
    fields = TrackerFields(
        spec.tracker.key,
        spec.tracker.deadline,
        spec.tracker.title,
        spec.tracker.regulation,
        spec.tracker.timezone,
    )
    saved = save_tracker(
        session, tracker, fields, default_timezone=spec.tracker.timezone, actor_id=None, now=now
    )
    tracker = saved.tracker
    result = ImportResult(tracker=tracker, created=saved.created)
    assert tracker.id is not None

    ws_ids: dict[str, int] = {}
    in_file = {ws.key for ws in spec.workstreams}
    for ws_spec in spec.workstreams:
        ws = save_workstream(session, tracker.id, ws_spec, now=now)
        assert ws.workstream.id is not None
        ws_ids[ws_spec.key] = ws.workstream.id
        counts = result.workstreams
        if ws.change is WorkstreamChange.ADDED:
            counts.created += 1
        elif ws.changed:
            counts.updated += 1
        else:
            counts.unchanged += 1
    result.still_active = [
        ws.key
        for ws in workstream_store.active_workstreams(session, tracker_id=tracker.id)
        if ws.key not in in_file
    ]

    names: dict[int, str] = {}
    had_admins = member_store.count_admins(session, tracker_id=tracker.id) > 0
    act = Act(tracker.id, now)  # the file gives these roles, not a person
    for member in spec.members:
        previous = member_store.set_role(session, act, user_id=member.user_id, role=member.role)
        if previous is Role.ADMIN and member.role is not Role.ADMIN:
            # A role that shrinks ends everywhere, as with /grant: their private chat stops
            # following the tracker (its digest schedule with it).
            lifecycle.unlink_private_chat(session, tracker_id=tracker.id, user_id=member.user_id)
        _count(result.members, previous, member.role)
        name = member.name or (member.username or str(member.user_id)).lstrip("@")
        names[member.user_id] = name
        member_store.upsert_seen_user(
            session,
            user_id=member.user_id,
            username=member.username.lstrip("@") if member.username else None,
            display_name=name,
            now=now,
        )

    if had_admins and member_store.count_admins(session, tracker_id=tracker.id) == 0:
        raise NoAdminLeft(tracker.key)  # the caller's transaction rolls everything back

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
        link = chat_store.get_link(session, chat_id=chat.chat_id)
        before_link = None if link is None else (link.tracker_id, link.active, link.title)
        chat_store.link_chat(
            session, chat_id=chat.chat_id, tracker_id=tracker.id, title=chat.title
        )
        link = chat_store.get_link(session, chat_id=chat.chat_id)
        assert link is not None
        _count(result.chats, before_link, (link.tracker_id, link.active, link.title))

    _apply_reports(session, spec, tracker, ws_ids, names, result, now, lines, corrections)
    return result


def _count(counts: Counts, before: object | None, after: object) -> None:
    if before is None:
        counts.created += 1
    elif before == after:
        counts.unchanged += 1
    else:
        counts.updated += 1


def _apply_reports(
    session: Session,
    spec: ImportSpec,
    tracker: Tracker,
    ws_ids: dict[str, int],
    names: dict[int, str],
    result: ImportResult,
    now: datetime,
    lines: Sequence[int] | None,
    corrections: bool,
) -> None:
    assert tracker.id is not None
    # Each imported report as it stands now: the newest revision of its message id.
    heads: dict[int, Report] = {}
    for report in report_store.imported_reports(
        session, tracker_id=tracker.id, chat_id=IMPORTED_CHAT_ID
    ):
        head = heads.get(report.message_id)
        if head is None or report.revision > head.revision:
            heads[report.message_id] = report
    unmatched = dict(heads)
    pairs: list[tuple[int, ReportSpec, Report | None]] = []
    leftovers: list[tuple[int, ReportSpec]] = []
    # First the reports found by their id or, once corrected in time, by their time.
    for index, item in enumerate(spec.reports):
        mid = _import_message_id(tracker.key, item.workstream, item.at, item.reporter)
        found = unmatched.pop(mid, None) or _take(unmatched, ws_ids, item, same="time")
        if found is None:
            leftovers.append((index, item))
        else:
            pairs.append((index, item, found))
    # Then a report of the file that matches none may be one whose time was changed.
    for index, item in leftovers:
        pairs.append((index, item, _take(unmatched, ws_ids, item, same="content")))

    for index, item, head in sorted(pairs, key=lambda pair: pair[0]):
        if head is None:
            mid = _import_message_id(tracker.key, item.workstream, item.at, item.reporter)
            name = names.get(item.reporter, str(item.reporter))
            _add_report(session, tracker.id, ws_ids[item.workstream], item, name, mid, now)
            result.reports.created += 1
            continue
        changes = _changes(head, item)
        if not changes or head.retracted_at is not None:
            # As the file says, or undone in the chat since: that was someone's decision.
            result.reports.unchanged += 1
            continue
        line = f"{_where(index, lines)} ({item.workstream}, {item.at.isoformat()}): " + (
            "; ".join(changes)
        )
        result.differences.append(line)
        if not corrections:
            result.reports.differs += 1
            continue
        retract(session, head, by=None, now=now)
        _add_report(
            session,
            tracker.id,
            ws_ids[item.workstream],
            item,
            names.get(item.reporter, head.reporter_name),
            head.message_id,
            now,
            revision=max(int(now.timestamp()), head.revision + 1),
            corrects_id=head.id,
        )
        result.reports.corrected += 1


def _add_report(
    session: Session,
    tracker_id: int,
    workstream_id: int,
    item: ReportSpec,
    reporter_name: str,
    message_id: int,
    now: datetime,
    *,
    revision: int = 0,
    corrects_id: int | None = None,
) -> None:
    """A report of the file: from its reporter, in the imports' chat, true at its time and
    received now."""
    source = Source(item.reporter, reporter_name, IMPORTED_CHAT_ID, message_id, None, item.at)
    said = UpdateArgs(item.workstream, item.percent, item.note)
    write_report(
        session,
        source,
        tracker_id,
        workstream_id,
        said,
        created_at=item.at,
        recorded_at=now,  # when the import brought it in; created_at is when it was true
        revision=revision,
        corrects_id=corrects_id,
    )


def _take(
    unmatched: dict[int, Report], ws_ids: dict[str, int], item: ReportSpec, *, same: str
) -> Report | None:
    """Remove and return the first unmatched report of the same workstream and reporter with
    the same time (``same="time"``) or the same percent and note (``same="content"``)."""
    for key, report in unmatched.items():
        if report.workstream_id != ws_ids[item.workstream] or report.reporter_id != item.reporter:
            continue
        if (same == "time" and report.created_at == item.at) or (
            same == "content"
            and report.percent == item.percent
            and (report.note or None) == (item.note or None)
        ):
            return unmatched.pop(key)
    return None


def _changes(head: Report, item: ReportSpec) -> list[str]:
    changes = []
    if head.percent != item.percent:
        changes.append(f"percent {head.percent} in the database, {item.percent} in the file")
    if (head.note or None) != (item.note or None):
        changes.append("the note differs")
    if head.created_at != item.at:
        changes.append(f"time {head.created_at.isoformat()} in the database")
    return changes
