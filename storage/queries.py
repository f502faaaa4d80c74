"""Every query Pantau runs. Functions take a ``session`` and keyword-only arguments.

The caller owns the transaction (``storage.db.session_scope``): one short session per update
or job. The inbox functions are the exception: they run for every update, so they take the
engine and keep their own one-statement transactions. What rendering needs leaves here as
``domain.views`` objects; handlers hold table rows only to read or change their fields.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, bindparam, func, literal, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from domain.forecast import WINDOW, Point
from domain.progress import daily
from domain.views import (
    ReportView,
    Role,
    Snapshot,
    TrackerView,
    UndoneReport,
    WorkstreamView,
)
from storage.models import (
    ChatLink,
    ChatSetting,
    InboxUpdate,
    Member,
    Notice,
    Report,
    SeenUser,
    Tracker,
    Workstream,
)
from storage.types import UTCDateTime

# --- views ---------------------------------------------------------------------------------


def tracker_view(tracker: Tracker) -> TrackerView:
    assert tracker.id is not None
    return TrackerView(
        id=tracker.id,
        key=tracker.key,
        title=tracker.title,
        regulation=tracker.regulation,
        deadline=tracker.deadline,
        timezone=tracker.timezone,
        quiet_days=tracker.quiet_days,
    )


def report_view(report: Report, workstream_key: str) -> ReportView:
    assert report.id is not None
    return ReportView(
        id=report.id,
        workstream_key=workstream_key,
        percent=report.percent,
        note=report.note,
        reporter_id=report.reporter_id,
        reporter_name=report.reporter_name,
        created_at=report.created_at,
        retracted_at=report.retracted_at,
    )


# --- trackers and chats --------------------------------------------------------------------


def get_tracker(session: Session, *, key: str) -> Tracker | None:
    return session.exec(select(Tracker).where(Tracker.key == key)).first()


def get_tracker_by_id(session: Session, *, tracker_id: int) -> Tracker | None:
    return session.get(Tracker, tracker_id)


def tracker_for_chat(session: Session, *, chat_id: int) -> Tracker | None:
    """The tracker an active chat link points to."""
    statement = (
        select(Tracker)
        .join(ChatLink, col(ChatLink.tracker_id) == col(Tracker.id))
        .where(ChatLink.chat_id == chat_id, col(ChatLink.active).is_(True))
    )
    return session.exec(statement).first()


def trackers_of_user(
    session: Session, *, user_id: int, include_archived: bool = False
) -> list[Tracker]:
    """The trackers a user holds a role in (archived ones only when asked for)."""
    statement = (
        select(Tracker)
        .join(Member, col(Member.tracker_id) == col(Tracker.id))
        .where(Member.user_id == user_id)
        .order_by(col(Tracker.key))
    )
    if not include_archived:
        statement = statement.where(col(Tracker.archived_at).is_(None))
    return list(session.exec(statement).all())


def create_tracker(
    session: Session,
    *,
    key: str,
    title: str,
    deadline: date,
    timezone: str,
    regulation: str | None = None,
    created_by: int | None,
    now: datetime,
) -> Tracker:
    tracker = Tracker(
        key=key,
        title=title,
        regulation=regulation,
        deadline=deadline,
        timezone=timezone,
        created_at=now,
        created_by=created_by,
    )
    session.add(tracker)
    session.flush()
    return tracker


def link_chat(session: Session, *, chat_id: int, tracker_id: int, title: str | None) -> int | None:
    """Link a chat to a tracker (a chat belongs to at most one); returns the previous tracker."""
    link = session.exec(select(ChatLink).where(ChatLink.chat_id == chat_id)).first()
    if link is None:
        session.add(ChatLink(chat_id=chat_id, tracker_id=tracker_id, title=title, active=True))
        session.flush()
        return None
    previous = link.tracker_id if link.active else None
    link.tracker_id = tracker_id
    link.active = True
    if title:
        link.title = title
    session.add(link)
    session.flush()
    return previous


def linked_chats(session: Session, *, tracker_id: int) -> list[ChatLink]:
    statement = select(ChatLink).where(
        ChatLink.tracker_id == tracker_id, col(ChatLink.active).is_(True)
    )
    return list(session.exec(statement).all())


# --- roles and people ----------------------------------------------------------------------


def role_of(session: Session, *, tracker_id: int, user_id: int) -> Role | None:
    member = session.exec(
        select(Member).where(Member.tracker_id == tracker_id, Member.user_id == user_id)
    ).first()
    return Role(member.role) if member else None


def set_role(session: Session, *, tracker_id: int, user_id: int, role: Role) -> Role | None:
    """Give a user a role in a tracker; returns the role they had before."""
    member = session.exec(
        select(Member).where(Member.tracker_id == tracker_id, Member.user_id == user_id)
    ).first()
    if member is None:
        session.add(Member(tracker_id=tracker_id, user_id=user_id, role=role.value))
        session.flush()
        return None
    previous = Role(member.role)
    member.role = role.value
    session.add(member)
    session.flush()
    return previous


def remove_member(session: Session, *, tracker_id: int, user_id: int) -> Role | None:
    member = session.exec(
        select(Member).where(Member.tracker_id == tracker_id, Member.user_id == user_id)
    ).first()
    if member is None:
        return None
    session.delete(member)
    session.flush()
    return Role(member.role)


def admin_ids(session: Session, *, tracker_id: int) -> list[int]:
    statement = (
        select(Member.user_id)
        .where(Member.tracker_id == tracker_id, Member.role == Role.ADMIN.value)
        .order_by(col(Member.id))
    )
    return list(session.exec(statement).all())


def count_admins(session: Session, *, tracker_id: int) -> int:
    statement = select(func.count()).where(
        Member.tracker_id == tracker_id, Member.role == Role.ADMIN.value
    )
    return int(session.exec(statement).one())


def upsert_seen_user(
    session: Session, *, user_id: int, username: str | None, display_name: str, now: datetime
) -> None:
    """Remember who wrote to the bot, so ``/grant @username`` can be resolved."""
    user = session.get(SeenUser, user_id)
    lowered = username.lower() if username else None
    if lowered:
        # A username moves when its owner gives it up: only the newest holder keeps it.
        for other in session.exec(
            select(SeenUser).where(SeenUser.username == lowered, SeenUser.id != user_id)
        ).all():
            other.username = None
            session.add(other)
    if user is None:
        user = SeenUser(id=user_id, username=lowered, display_name=display_name, updated_at=now)
    else:
        user.username = lowered
        user.display_name = display_name
        user.updated_at = now
    session.add(user)
    session.flush()


def find_user_by_username(session: Session, *, username: str) -> SeenUser | None:
    return session.exec(select(SeenUser).where(SeenUser.username == username.lower())).first()


def get_seen_user(session: Session, *, user_id: int) -> SeenUser | None:
    return session.get(SeenUser, user_id)


# --- workstreams ---------------------------------------------------------------------------


def get_workstream(session: Session, *, tracker_id: int, key: str) -> Workstream | None:
    return session.exec(
        select(Workstream).where(Workstream.tracker_id == tracker_id, Workstream.key == key)
    ).first()


def get_workstream_by_id(session: Session, *, workstream_id: int) -> Workstream | None:
    return session.get(Workstream, workstream_id)


def active_workstreams(session: Session, *, tracker_id: int) -> list[Workstream]:
    statement = (
        select(Workstream)
        .where(Workstream.tracker_id == tracker_id, col(Workstream.archived).is_(False))
        .order_by(col(Workstream.position), col(Workstream.id))
    )
    return list(session.exec(statement).all())


def save_workstream(
    session: Session,
    *,
    tracker_id: int,
    key: str,
    title: str | None,
    weight: float | None,
    now: datetime,
) -> tuple[Workstream, str]:
    """Add a workstream, or bring back / update one with that key.

    Returns the row and what happened: ``"added"``, ``"restored"`` or ``"updated"``.
    """
    ws = get_workstream(session, tracker_id=tracker_id, key=key)
    if ws is None:
        position = session.exec(
            select(func.coalesce(func.max(Workstream.position), 0)).where(
                Workstream.tracker_id == tracker_id
            )
        ).one()
        ws = Workstream(
            tracker_id=tracker_id,
            key=key,
            title=title or default_title(key),
            weight=weight if weight is not None else 1.0,
            position=int(position) + 1,
            created_at=now,
        )
        outcome = "added"
    else:
        outcome = "restored" if ws.archived else "updated"
        if ws.archived:
            ws.created_at = now  # its silence counts from its return
        ws.archived = False
        if title:
            ws.title = title
        if weight is not None:
            ws.weight = weight
    session.add(ws)
    session.flush()
    return ws, outcome


def default_title(key: str) -> str:
    """``seller-backend`` → ``Seller backend``."""
    words = key.replace("_", " ").replace("-", " ").split()
    return " ".join(words).capitalize() if words else key


def archive_workstream(session: Session, *, workstream: Workstream) -> None:
    workstream.archived = True
    session.add(workstream)
    session.flush()


# --- reports -------------------------------------------------------------------------------


def latest_report(session: Session, *, workstream_id: int) -> Report | None:
    """The newest report of a workstream that still counts (served by ``ix_report_latest``)."""
    statement = (
        select(Report)
        .where(Report.workstream_id == workstream_id, col(Report.retracted_at).is_(None))
        .order_by(col(Report.created_at).desc(), col(Report.id).desc())
        .limit(1)
    )
    return session.exec(statement).first()


def snapshot(session: Session, *, tracker: Tracker) -> Snapshot:
    """The tracker with every active workstream and its latest report.

    Two statements whatever the number of workstreams: the workstreams with the id of each
    one's latest counted report (a correlated subquery served by ``ix_report_latest``), then
    those reports. The cost depends on the number of workstreams, not on the history.
    """
    tracker_id = tracker_view(tracker).id
    latest_id = (
        select(Report.id)
        .where(Report.workstream_id == Workstream.id, col(Report.retracted_at).is_(None))
        .order_by(col(Report.created_at).desc(), col(Report.id).desc())
        .limit(1)
        .correlate(Workstream)
        .scalar_subquery()
    )
    rows = session.exec(
        select(Workstream, latest_id)
        .where(Workstream.tracker_id == tracker_id, col(Workstream.archived).is_(False))
        .order_by(col(Workstream.position), col(Workstream.id))
    ).all()
    ids = [report_id for _, report_id in rows if report_id is not None]
    reports = (
        {r.id: r for r in session.exec(select(Report).where(col(Report.id).in_(ids))).all()}
        if ids
        else {}
    )
    views = []
    for ws, report_id in rows:
        assert ws.id is not None
        latest = reports.get(report_id) if report_id is not None else None
        views.append(
            WorkstreamView(
                id=ws.id,
                key=ws.key,
                title=ws.title,
                weight=ws.weight,
                latest=report_view(latest, ws.key) if latest else None,
                created_at=ws.created_at,
            )
        )
    return Snapshot(tracker=tracker_view(tracker), workstreams=tuple(views))


def report_exists(session: Session, *, chat_id: int, message_id: int) -> bool:
    statement = select(Report.id).where(Report.chat_id == chat_id, Report.message_id == message_id)
    return session.exec(statement).first() is not None


def add_report(
    session: Session,
    *,
    tracker_id: int,
    workstream_id: int,
    percent: int,
    note: str | None,
    reporter_id: int,
    reporter_name: str,
    chat_id: int,
    message_id: int,
    update_id: int | None,
    created_at: datetime,
    recorded_at: datetime | None = None,
    revision: int = 0,
    corrects_id: int | None = None,
) -> Report:
    """A new report. ``recorded_at`` (when Pantau received it) defaults to ``created_at``
    (when the progress was true): the same moment for a report made as it is sent."""
    report = Report(
        recorded_at=recorded_at or created_at,
        revision=revision,
        corrects_id=corrects_id,
        tracker_id=tracker_id,
        workstream_id=workstream_id,
        percent=percent,
        note=note,
        reporter_id=reporter_id,
        reporter_name=reporter_name,
        chat_id=chat_id,
        message_id=message_id,
        update_id=update_id,
        created_at=created_at,
    )
    session.add(report)
    session.flush()
    return report


def imported_reports(session: Session, *, tracker_id: int, chat_id: int) -> Sequence[Report]:
    """Every report a file import made in a tracker (all revisions), oldest first."""
    statement = (
        select(Report)
        .where(Report.tracker_id == tracker_id, Report.chat_id == chat_id)
        .order_by(col(Report.id))
    )
    return session.exec(statement).all()


def revisions_of_message(session: Session, *, chat_id: int, message_id: int) -> list[Report]:
    """Every report a message made (as sent and each edit), oldest revision first."""
    statement = (
        select(Report)
        .where(Report.chat_id == chat_id, Report.message_id == message_id)
        .order_by(col(Report.revision))
    )
    return list(session.exec(statement).all())


def recent_reports(
    session: Session, *, workstream_id: int, limit: int, include_retracted: bool = True
) -> Sequence[Report]:
    statement = select(Report).where(Report.workstream_id == workstream_id)
    if not include_retracted:
        statement = statement.where(col(Report.retracted_at).is_(None))
    statement = statement.order_by(col(Report.created_at).desc(), col(Report.id).desc())
    return session.exec(statement.limit(limit)).all()


def last_report_by(session: Session, *, tracker_id: int, reporter_id: int) -> Report | None:
    """The caller's most recent report in a tracker that still counts."""
    statement = (
        select(Report)
        .where(
            Report.tracker_id == tracker_id,
            Report.reporter_id == reporter_id,
            col(Report.retracted_at).is_(None),
        )
        .order_by(col(Report.created_at).desc(), col(Report.id).desc())
        .limit(1)
    )
    return session.exec(statement).first()


def retract_report(
    session: Session,
    *,
    report: Report,
    now: datetime,
    chat_id: int | None,
    message_id: int | None,
    by: int | None,
) -> None:
    report.retracted_at = now
    report.retracted_by = by
    report.retracted_chat_id = chat_id
    report.retracted_message_id = message_id
    session.add(report)
    session.flush()


def retracted_by(session: Session, *, chat_id: int, message_id: int) -> Report | None:
    """The report an /undo message already retracted (a redelivered /undo)."""
    statement = select(Report).where(
        Report.retracted_chat_id == chat_id, Report.retracted_message_id == message_id
    )
    return session.exec(statement).first()


def count_reports(session: Session, *, tracker_id: int | None = None) -> int:
    statement = select(func.count()).select_from(Report)
    if tracker_id is not None:
        statement = statement.where(Report.tracker_id == tracker_id)
    return int(session.exec(statement).one())


# --- schedules and notices -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChatPlan:
    """What the scheduler needs to know about one linked chat."""

    chat_id: int
    tracker_id: int
    timezone: str
    digest_days: str | None
    digest_time: str | None


def chat_plans(session: Session, *, chat_id: int | None = None) -> list[ChatPlan]:
    """Every active linked chat (or one) with its tracker's timezone and digest schedule."""
    statement = (
        select(ChatLink, Tracker)
        .join(Tracker, col(Tracker.id) == col(ChatLink.tracker_id))
        .where(col(ChatLink.active).is_(True))
        .order_by(col(ChatLink.id))
    )
    if chat_id is not None:
        statement = statement.where(ChatLink.chat_id == chat_id)
    return [
        ChatPlan(
            link.chat_id, link.tracker_id, tracker.timezone, link.digest_days, link.digest_time
        )
        for link, tracker in session.exec(statement).all()
    ]


def all_trackers(session: Session) -> list[Tracker]:
    return list(session.exec(select(Tracker).order_by(col(Tracker.id))).all())


def get_link(session: Session, *, chat_id: int) -> ChatLink | None:
    return session.exec(select(ChatLink).where(ChatLink.chat_id == chat_id)).first()


def set_schedule(session: Session, *, chat_id: int, days: str | None, at: str | None) -> ChatLink:
    link = get_link(session, chat_id=chat_id)
    assert link is not None
    link.digest_days = days
    link.digest_time = at
    session.add(link)
    session.flush()
    return link


def set_quiet_days(session: Session, *, tracker: Tracker, days: int) -> None:
    tracker.quiet_days = days
    session.add(tracker)
    session.flush()


def deactivate_link(session: Session, *, chat_id: int) -> bool:
    """Stop serving a chat (the bot was removed or blocked). True if it was active."""
    link = get_link(session, chat_id=chat_id)
    if link is None or not link.active:
        return False
    link.active = False
    session.add(link)
    session.flush()
    return True


def migrate_chat(session: Session, *, old_chat_id: int, new_chat_id: int) -> None:
    """A group became a supergroup: its link and notices follow the new id.

    Reports keep the chat id they were sent from (message ids are per chat, so the pair
    stays the message's true identity); ``migrated_from`` keeps them attributed.
    """
    link = get_link(session, chat_id=old_chat_id)
    if link is not None and get_link(session, chat_id=new_chat_id) is None:
        link.chat_id = new_chat_id
        link.migrated_from = old_chat_id
        session.add(link)
    for notice in session.exec(select(Notice).where(Notice.chat_id == old_chat_id)).all():
        if not session.exec(
            select(Notice.id).where(
                Notice.chat_id == new_chat_id, Notice.slot_key == notice.slot_key
            )
        ).first():
            notice.chat_id = new_chat_id
            session.add(notice)
    session.flush()


def report_chats(session: Session, *, tracker_id: int) -> list[int]:
    """The chats a tracker's reports come from, as they are reachable now.

    Migrated groups map to their new id; chats whose link was deactivated are left out.
    """
    statement = (
        select(Report.chat_id)
        .where(Report.tracker_id == tracker_id, Report.chat_id != 0)
        .distinct()
    )
    chats: list[int] = []
    for chat_id in session.exec(statement).all():
        link = get_link(session, chat_id=chat_id)
        if link is None:
            link = session.exec(select(ChatLink).where(ChatLink.migrated_from == chat_id)).first()
        if link is not None:
            if not link.active:
                continue
            chat_id = link.chat_id
        if chat_id not in chats:
            chats.append(chat_id)
    return sorted(chats)


def claim_notice(
    session: Session,
    *,
    chat_id: int,
    tracker_id: int,
    kind: str,
    slot_key: str,
    late: bool,
    now: datetime,
) -> int | None:
    """Claim a slot before sending: the notice id, or None when the slot is already taken.

    The unique (chat, slot key) constraint is the arbiter: whichever transaction inserts
    first owns the slot, across job runs, restarts and processes.
    """
    taken = session.exec(
        select(Notice.id).where(Notice.chat_id == chat_id, Notice.slot_key == slot_key)
    ).first()
    if taken is not None:
        return None
    notice = Notice(
        chat_id=chat_id,
        tracker_id=tracker_id,
        kind=kind,
        slot_key=slot_key,
        status="pending",
        attempts=0,
        late=late,
        created_at=now,
    )
    session.add(notice)
    try:
        session.flush()
    except IntegrityError:  # another process inserted it between our check and insert
        session.rollback()
        return None
    assert notice.id is not None
    return notice.id


def finish_notice(
    session: Session,
    *,
    notice_id: int,
    status: str,
    attempts: int,
    now: datetime,
    message_id: int | None = None,
    error: str | None = None,
    figures: str | None = None,
    chat_id: int | None = None,
) -> None:
    notice = session.get(Notice, notice_id)
    assert notice is not None
    notice.status = status
    notice.attempts = attempts
    notice.message_id = message_id
    notice.error = error[:500] if error else None
    notice.figures = figures
    if chat_id is not None:
        notice.chat_id = chat_id
    if status == "sent":
        notice.sent_at = now
    session.add(notice)
    session.flush()


# A digest asked for with /digest: sent like a scheduled one, but never the baseline of the
# scheduled digests' "since the last digest" (anyone may ask, at any time).
SCHEDULED_DIGEST = "digest"
MANUAL_DIGEST = "digest-now"


def previous_digest(session: Session, *, chat_id: int) -> Notice | None:
    """The baseline of this chat's next digest: its last scheduled digest, or, in a chat that
    never had one, its last /digest."""
    for kind in (SCHEDULED_DIGEST, MANUAL_DIGEST):
        statement = (
            select(Notice)
            .where(Notice.chat_id == chat_id, Notice.kind == kind, Notice.status == "sent")
            .order_by(col(Notice.id).desc())
            .limit(1)
        )
        found = session.exec(statement).first()
        if found is not None:
            return found
    return None


def undone_statement(
    workstream_ids: Sequence[int], *, since: datetime, until: datetime
) -> SelectOfScalar[Report]:
    """Reports of these workstreams undone in (since, until], oldest undo first.

    A report replaced by an edit of its message is retracted too, but it is a correction, not
    an undo: a later revision of the same message exists. Both conditions are index seeks
    (``ix_report_latest`` per workstream, the unique chat/message/revision key), so a digest
    reads the same whatever the history's size.
    """
    later = aliased(Report)
    replaced = (
        select(later.id)
        .where(
            later.chat_id == Report.chat_id,
            later.message_id == Report.message_id,
            later.revision > Report.revision,
        )
        .exists()
    )
    return (
        select(Report)
        .where(
            col(Report.workstream_id).in_(list(workstream_ids)),
            col(Report.retracted_at) > since,
            col(Report.retracted_at) <= until,
            ~replaced,
        )
        .order_by(col(Report.retracted_at), col(Report.id))
    )


def undone_reports(
    session: Session, *, snapshot: Snapshot, since: datetime, until: datetime, limit: int
) -> list[UndoneReport]:
    """The active workstreams' reports undone in (since, until], at most ``limit``."""
    titles = {ws.id: ws.title for ws in snapshot.workstreams}
    if not titles:
        return []
    statement = undone_statement(list(titles), since=since, until=until).limit(limit)
    return [
        UndoneReport(
            workstream=titles[report.workstream_id],
            percent=report.percent,
            reporter_name=report.reporter_name,
            created_at=report.created_at,
            undone_at=report.retracted_at or until,
        )
        for report in session.exec(statement)
    ]


def notices(session: Session, *, chat_id: int | None = None) -> list[Notice]:
    statement = select(Notice).order_by(col(Notice.id))
    if chat_id is not None:
        statement = statement.where(Notice.chat_id == chat_id)
    return list(session.exec(statement).all())


def abandon_pending(session: Session) -> int:
    """Mark notices left pending by a process that died mid-send as failed; returns how many.

    They are not sent again: Telegram may have delivered them, and a duplicate is the one
    thing a notice must never be.
    """
    stale = session.exec(select(Notice).where(Notice.status == "pending")).all()
    for notice in stale:
        notice.status = "failed"
        notice.error = "interrupted while sending (process stopped); not re-sent"
        session.add(notice)
    session.flush()
    return len(stale)


# --- inbox of received updates -------------------------------------------------------------


_INBOX = InboxUpdate.__table__  # type: ignore[attr-defined]
_INBOX_SEEN = select(_INBOX.c.update_id).where(_INBOX.c.update_id == bindparam("update_id"))
_INBOX_ADD = _INBOX.insert()
_INBOX_DONE = (
    _INBOX.update().where(_INBOX.c.update_id == bindparam("uid")).values(done_at=bindparam("at"))
)


def inbox_add(engine: Engine, *, update_id: int, payload: str, now: datetime) -> bool:
    """Keep a received update in its own short transaction; False when it is already there.

    This runs for every update, so it uses prepared Core statements on a bare connection: an
    ORM session costs about six times as much as the write itself.
    """
    with engine.begin() as connection:
        if connection.execute(_INBOX_SEEN, {"update_id": update_id}).first() is not None:
            return False
        try:
            with connection.begin_nested():
                connection.execute(
                    _INBOX_ADD, {"update_id": update_id, "payload": payload, "received_at": now}
                )
        except IntegrityError:  # another process stored it between our check and insert
            return False
    return True


def inbox_done(engine: Engine, *, update_id: int, now: datetime) -> None:
    with engine.begin() as connection:
        connection.execute(_INBOX_DONE, {"uid": update_id, "at": now})


def inbox_pending(session: Session) -> list[tuple[int, str]]:
    statement = (
        select(InboxUpdate)
        .where(col(InboxUpdate.done_at).is_(None))
        .order_by(col(InboxUpdate.update_id))
    )
    return [(row.update_id, row.payload) for row in session.exec(statement).all()]


def inbox_prune(session: Session, *, before: datetime) -> int:
    """Forget handled updates older than ``before`` (Telegram redelivers for 24 hours at most)."""
    rows = session.exec(
        select(InboxUpdate).where(
            col(InboxUpdate.done_at).is_not(None), col(InboxUpdate.received_at) < before
        )
    ).all()
    for row in rows:
        session.delete(row)
    session.flush()
    return len(rows)


# --- language and history for forecasts ------------------------------------------------------


def chat_language(session: Session, *, chat_id: int) -> str | None:
    setting = session.get(ChatSetting, chat_id)
    return setting.language if setting else None


def set_chat_language(session: Session, *, chat_id: int, language: str) -> None:
    setting = session.get(ChatSetting, chat_id) or ChatSetting(chat_id=chat_id)
    setting.language = language
    session.add(setting)
    session.flush()


def recent_history(session: Session, *, workstream_id: int, now: datetime) -> list[Point]:
    """The forecast's input: the last counted report of each day of the window, oldest first,
    after the last one before the window (the value when the window opened).

    One statement: for each of the 29 day boundaries, the latest report at or before it
    (an index seek on ``ix_report_latest`` each), so the cost is the same for a thousand
    reports or a million.
    """
    since = now - WINDOW
    days = WINDOW.days
    bounds = [since + timedelta(days=n) for n in range(days)] + [now]
    boundary = union_all(
        *[
            select(literal(n).label("n"), bindparam(f"b{n}", value, type_=UTCDateTime).label("t"))
            for n, value in enumerate(bounds)
        ]
    ).subquery("bounds")
    latest = (
        select(Report.id)
        .where(
            Report.workstream_id == workstream_id,
            col(Report.retracted_at).is_(None),
            col(Report.created_at) <= boundary.c.t,
        )
        .order_by(col(Report.created_at).desc(), col(Report.id).desc())
        .limit(1)
        .correlate(boundary)
        .scalar_subquery()
    )
    ids = list(session.exec(select(latest).select_from(boundary).order_by(boundary.c.n)).all())
    wanted = list(dict.fromkeys(report_id for report_id in ids if report_id is not None))
    if not wanted:
        return []
    rows = session.exec(
        select(Report.id, Report.created_at, Report.percent).where(col(Report.id).in_(wanted))
    ).all()
    found = {report_id: (when, float(percent)) for report_id, when, percent in rows}
    return sorted(found[report_id] for report_id in wanted)


def histories(session: Session, *, snapshot: Snapshot, now: datetime) -> dict[int, list[Point]]:
    return {
        ws.id: recent_history(session, workstream_id=ws.id, now=now) for ws in snapshot.workstreams
    }


def daily_history(session: Session, *, workstream_id: int, tz_name: str) -> list[Point]:
    """A workstream's whole history, one point per local day, read as a stream."""
    statement = (
        select(Report.created_at, Report.percent)
        .where(Report.workstream_id == workstream_id, col(Report.retracted_at).is_(None))
        .order_by(col(Report.created_at), col(Report.id))
        .execution_options(yield_per=5_000)
    )
    rows = session.exec(statement)
    return daily(((when, float(percent)) for when, percent in rows), tz_name)


def trail(session: Session, *, tracker_id: int) -> Iterator[tuple[Report, str]]:
    """Every report of a tracker, retracted ones included, oldest first, with its workstream
    key: the audit trail, streamed."""
    statement = (
        select(Report, Workstream.key)
        .join(Workstream, col(Workstream.id) == col(Report.workstream_id))
        .where(Report.tracker_id == tracker_id)
        .order_by(col(Report.created_at), col(Report.id))
        .execution_options(yield_per=5_000)
    )
    yield from session.exec(statement)


# --- the demo ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResumePoint:
    """Where a demo database stopped: its last moment and the highest ids it has seen."""

    last_event: datetime | None
    message_id: int
    update_id: int


def resume_point(session: Session) -> ResumePoint:
    """The latest thing that happened (a report, an undo, a notice, a new workstream or
    tracker) and the highest Telegram message and update ids recorded."""
    moments = [
        session.exec(select(func.max(Report.created_at))).one(),
        session.exec(select(func.max(Report.retracted_at))).one(),
        session.exec(select(func.max(Report.recorded_at))).one(),
        session.exec(select(func.max(Notice.created_at))).one(),
        session.exec(select(func.max(Workstream.created_at))).one(),
        session.exec(select(func.max(Tracker.created_at))).one(),
    ]
    known = [moment for moment in moments if moment is not None]
    message_ids = [
        session.exec(select(func.max(Report.message_id))).one(),
        session.exec(select(func.max(Report.retracted_message_id))).one(),
    ]
    update_ids = [
        session.exec(select(func.max(Report.update_id))).one(),
        session.exec(select(func.max(InboxUpdate.update_id))).one(),
    ]
    return ResumePoint(
        last_event=max(known) if known else None,
        message_id=max((int(i) for i in message_ids if i is not None), default=0),
        update_id=max((int(i) for i in update_ids if i is not None), default=0),
    )
