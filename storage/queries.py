"""Every query Pantau runs. Functions take a ``session`` and keyword-only arguments.

The caller owns the transaction (``storage.db.session_scope``): one short session per update
or job. The inbox functions are the exception: they run for every update, so they take the
engine and keep their own one-statement transactions. What rendering needs leaves here as
``domain.views`` objects; handlers hold table rows only to read or change their fields.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Select, bindparam, func, literal, union_all
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from domain.forecast import WINDOW, Point
from domain.progress import daily
from domain.trail import Kind
from domain.views import (
    ReportView,
    Role,
    Snapshot,
    TrackerView,
    UndoneReport,
    WorkstreamView,
)
from storage import trail as chain
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

_REPORT = Report.__table__  # type: ignore[attr-defined]
_WORKSTREAM = Workstream.__table__  # type: ignore[attr-defined]
_REPORT_OF_MESSAGE = sa_select(_REPORT.c.id).where(
    _REPORT.c.chat_id == bindparam("chat_id"), _REPORT.c.message_id == bindparam("message_id")
)
_ADD_REPORT = _REPORT.insert()

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


# Statements on the path of every command are built once: building one costs more than
# running it on SQLite.
_TRACKER_FOR_CHAT = (
    select(Tracker)
    .join(ChatLink, col(ChatLink.tracker_id) == col(Tracker.id))
    .where(ChatLink.chat_id == bindparam("chat_id"), col(ChatLink.active).is_(True))
)


def tracker_for_chat(session: Session, *, chat_id: int) -> Tracker | None:
    """The tracker an active chat link points to."""
    return session.exec(_TRACKER_FOR_CHAT, params={"chat_id": chat_id}).first()


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
    assert tracker.id is not None
    chain.record(
        session,
        tracker_id=tracker.id,
        kind=Kind.TRACKER_CREATED,
        at=now,
        actor_id=created_by,
        subject={
            "key": key,
            "title": tracker.title,
            "regulation": regulation,
            "deadline": deadline.isoformat(),
            "timezone": timezone,
        },
    )
    return tracker


def change_tracker(
    session: Session,
    *,
    tracker: Tracker,
    actor_id: int | None,
    now: datetime,
    deadline: date | None = None,
    title: str | None = None,
    regulation: str | None = None,
    timezone: str | None = None,
) -> bool:
    """Move a tracker's deadline or change its title (or an import file's other fields),
    chained; True when something changed."""
    assert tracker.id is not None
    changed = False
    if deadline is not None and deadline != tracker.deadline:
        chain.record(
            session,
            tracker_id=tracker.id,
            kind=Kind.DEADLINE_MOVED,
            at=now,
            actor_id=actor_id,
            subject={"from": tracker.deadline.isoformat(), "to": deadline.isoformat()},
        )
        tracker.deadline = deadline
        changed = True
    fields = {"title": title, "regulation": regulation, "timezone": timezone}
    was = {"title": tracker.title, "regulation": tracker.regulation, "timezone": tracker.timezone}
    new = {
        name: value for name, value in fields.items() if value is not None and value != was[name]
    }
    if new:
        chain.record(
            session,
            tracker_id=tracker.id,
            kind=Kind.TRACKER_CHANGED,
            at=now,
            actor_id=actor_id,
            subject={name: {"from": was[name], "to": value} for name, value in new.items()},
        )
        for name, value in new.items():
            setattr(tracker, name, value)
        changed = True
    session.add(tracker)
    session.flush()
    return changed


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


_MEMBER = Member.__table__  # type: ignore[attr-defined]
_ROLE_OF = sa_select(_MEMBER.c.role).where(
    _MEMBER.c.tracker_id == bindparam("tracker_id"), _MEMBER.c.user_id == bindparam("user_id")
)


def role_of(session: Session, *, tracker_id: int, user_id: int) -> Role | None:
    session.flush()  # a Core read: pending ORM changes first
    role = (
        session.connection()
        .execute(_ROLE_OF, {"tracker_id": tracker_id, "user_id": user_id})
        .scalar()
    )
    return Role(role) if role else None


def set_role(
    session: Session,
    *,
    tracker_id: int,
    user_id: int,
    role: Role,
    actor_id: int | None = None,
    now: datetime | None = None,
) -> Role | None:
    """Give a user a role in a tracker (chained when it changes); returns the role they had
    before."""
    member = session.exec(
        select(Member).where(Member.tracker_id == tracker_id, Member.user_id == user_id)
    ).first()
    previous = Role(member.role) if member is not None else None
    if previous is role:
        return previous
    if member is None:
        member = Member(tracker_id=tracker_id, user_id=user_id, role=role.value)
    member.role = role.value
    session.add(member)
    session.flush()
    chain.record(
        session,
        tracker_id=tracker_id,
        kind=Kind.ROLE_GIVEN,
        at=now or datetime.now(UTC),
        actor_id=actor_id,
        subject={
            "user_id": user_id,
            "role": role.value,
            "previous": previous.value if previous is not None else None,
        },
    )
    return previous


def remove_member(
    session: Session,
    *,
    tracker_id: int,
    user_id: int,
    actor_id: int | None = None,
    now: datetime | None = None,
) -> Role | None:
    member = session.exec(
        select(Member).where(Member.tracker_id == tracker_id, Member.user_id == user_id)
    ).first()
    if member is None:
        return None
    session.delete(member)
    session.flush()
    chain.record(
        session,
        tracker_id=tracker_id,
        kind=Kind.ROLE_TAKEN,
        at=now or datetime.now(UTC),
        actor_id=actor_id,
        subject={"user_id": user_id, "role": member.role},
    )
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
    actor_id: int | None = None,
) -> tuple[Workstream, str]:
    """Add a workstream, or bring back / update one with that key (chained when something
    changed).

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
        before = None
    else:
        before = (ws.title, ws.weight, ws.archived)
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
    if before != (ws.title, ws.weight, ws.archived):
        chain.record(
            session,
            tracker_id=tracker_id,
            kind=Kind.WORKSTREAM_ADDED if before is None else Kind.WORKSTREAM_CHANGED,
            at=now,
            actor_id=actor_id,
            detail=None if outcome == "added" else outcome,
            subject={"key": ws.key, "title": ws.title, "weight": ws.weight},
        )
    return ws, outcome


def default_title(key: str) -> str:
    """``seller-backend`` → ``Seller backend``."""
    words = key.replace("_", " ").replace("-", " ").split()
    return " ".join(words).capitalize() if words else key


def archive_workstream(
    session: Session,
    *,
    workstream: Workstream,
    actor_id: int | None = None,
    now: datetime | None = None,
) -> None:
    workstream.archived = True
    session.add(workstream)
    session.flush()
    chain.record(
        session,
        tracker_id=workstream.tracker_id,
        kind=Kind.WORKSTREAM_ARCHIVED,
        at=now or datetime.now(UTC),
        actor_id=actor_id,
        subject={"key": workstream.key},
    )


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


def _snapshot_statement() -> Select[Any]:
    ws, report, newer = _WORKSTREAM, _REPORT, _REPORT.alias("newest")
    latest_id = (
        sa_select(newer.c.id)
        .where(newer.c.workstream_id == ws.c.id, newer.c.retracted_at.is_(None))
        .order_by(newer.c.created_at.desc(), newer.c.id.desc())
        .limit(1)
        .correlate(ws)
        .scalar_subquery()
    )
    return (
        sa_select(
            ws.c.id,
            ws.c.key,
            ws.c.title,
            ws.c.weight,
            ws.c.created_at,
            report.c.id.label("report_id"),
            report.c.percent,
            report.c.note,
            report.c.reporter_id,
            report.c.reporter_name,
            report.c.created_at.label("reported_at"),
        )
        .select_from(ws.outerjoin(report, report.c.id == latest_id))
        .where(ws.c.tracker_id == bindparam("tracker_id"), ws.c.archived.is_(False))
        .order_by(ws.c.position, ws.c.id)
    )


def snapshot(session: Session, *, tracker: Tracker) -> Snapshot:
    """The tracker with every active workstream and its latest report.

    One statement whatever the number of workstreams: each workstream joined to its latest
    counted report (a correlated subquery served by ``ix_report_latest``). The cost depends
    on the number of workstreams, not on the history.
    """
    view = tracker_view(tracker)
    session.flush()  # a Core read: pending ORM changes (a retraction, say) first
    rows = session.connection().execute(_SNAPSHOT, {"tracker_id": view.id}).all()
    views = []
    for row in rows:
        latest = None
        if row.report_id is not None:
            latest = ReportView(
                id=row.report_id,
                workstream_key=row.key,
                percent=row.percent,
                note=row.note,
                reporter_id=row.reporter_id,
                reporter_name=row.reporter_name,
                created_at=row.reported_at,
            )
        views.append(
            WorkstreamView(
                id=row.id,
                key=row.key,
                title=row.title,
                weight=row.weight,
                latest=latest,
                created_at=row.created_at,
            )
        )
    return Snapshot(tracker=view, workstreams=tuple(views))


_SNAPSHOT = _snapshot_statement()


def report_exists(session: Session, *, chat_id: int, message_id: int) -> bool:
    session.flush()
    found = session.connection().execute(
        _REPORT_OF_MESSAGE, {"chat_id": chat_id, "message_id": message_id}
    )
    return found.first() is not None


def insert_report(
    session: Session,
    *,
    workstream_key: str,
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
) -> ReportView:
    """Insert a report and return its view. ``recorded_at`` (when Pantau received it)
    defaults to ``created_at`` (when the progress was true): the same moment for a report made
    as it is sent. A Core insert: on the path of every /update, the ORM's unit of work and a
    table object cost several times the write itself."""
    values: dict[str, Any] = {
        "revision": revision,
        "corrects_id": corrects_id,
        "tracker_id": tracker_id,
        "workstream_id": workstream_id,
        "percent": percent,
        "note": note,
        "reporter_id": reporter_id,
        "reporter_name": reporter_name,
        "chat_id": chat_id,
        "message_id": message_id,
        "update_id": update_id,
        "created_at": created_at,
        "recorded_at": recorded_at or created_at,
        "retracted_at": None,
        "retracted_by": None,
        "retracted_chat_id": None,
        "retracted_message_id": None,
    }
    session.flush()  # pending ORM changes (a retraction, say) go first, in order
    key = session.connection().execute(_ADD_REPORT, values).inserted_primary_key
    assert key is not None
    chain.record(
        session,
        tracker_id=tracker_id,
        kind=Kind.CORRECTION if corrects_id is not None else Kind.REPORT,
        at=values["recorded_at"],
        actor_id=reporter_id,
        chat_id=chat_id,
        report_id=key[0],
    )
    return ReportView(
        id=key[0],
        workstream_key=workstream_key,
        percent=percent,
        note=note,
        reporter_id=reporter_id,
        reporter_name=reporter_name,
        created_at=created_at,
    )


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
    """A new report (see :func:`insert_report`); the row returned is not attached to the
    session: read it, do not change it."""
    view = insert_report(
        session,
        workstream_key="",
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
        recorded_at=recorded_at,
        revision=revision,
        corrects_id=corrects_id,
    )
    return Report(
        id=view.id,
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
        recorded_at=recorded_at or created_at,
        revision=revision,
        corrects_id=corrects_id,
    )


def get_report(session: Session, *, report_id: int) -> Report | None:
    return session.get(Report, report_id)


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
    replaced: bool = False,
) -> None:
    """Retract a report: an undo (chained here), or ``replaced`` by a correction (chained by
    the correction's own event, which names it)."""
    report.retracted_at = now
    report.retracted_by = by
    report.retracted_chat_id = chat_id
    report.retracted_message_id = message_id
    session.add(report)
    session.flush()
    if not replaced:
        assert report.id is not None
        chain.record(
            session,
            tracker_id=report.tracker_id,
            kind=Kind.UNDO,
            at=now,
            actor_id=by,
            chat_id=chat_id,
            report_id=report.id,
        )


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
    setting = session.get(ChatSetting, old_chat_id)
    if setting is not None and session.get(ChatSetting, new_chat_id) is None:
        # The group's language goes with it (a copy: the old id's row is harmless).
        session.add(ChatSetting(chat_id=new_chat_id, language=setting.language))
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


def inbox_add_many(engine: Engine, *, rows: Sequence[tuple[int, str]], now: datetime) -> set[int]:
    """Keep a batch of received updates in one transaction; the ids newly stored (the others
    were there already: delivered again)."""
    ids = [update_id for update_id, _ in rows]
    with engine.begin() as connection:
        seen = set(
            connection.execute(
                select(_INBOX.c.update_id).where(_INBOX.c.update_id.in_(ids))
            ).scalars()
        )
        fresh = [
            {"update_id": update_id, "payload": payload, "received_at": now}
            for update_id, payload in rows
            if update_id not in seen
        ]
        if not fresh:
            return set()
        try:
            with connection.begin_nested():
                connection.execute(_INBOX_ADD, fresh)
        except IntegrityError:  # another process stored some meanwhile: one by one
            stored = set()
            for row in fresh:
                try:
                    with connection.begin_nested():
                        connection.execute(_INBOX_ADD, row)
                except IntegrityError:
                    continue
                stored.add(int(row["update_id"]))  # type: ignore[call-overload]
            return stored
    return {int(row["update_id"]) for row in fresh}  # type: ignore[call-overload]


def inbox_done_in(session: Session, *, update_id: int, now: datetime) -> None:
    """Mark an update handled inside the caller's transaction."""
    session.connection().execute(_INBOX_DONE, {"uid": update_id, "at": now})


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


# --- versions of a tracker, for caches ---------------------------------------------------------


def _version_statement() -> Select[Any]:
    ws = _WORKSTREAM.alias("w")
    report = _REPORT
    retracted = report.c.retracted_at
    return (
        sa_select(
            sa_select(func.max(report.c.id)).scalar_subquery(),
            ws.c.id,
            ws.c.key,
            ws.c.title,
            ws.c.weight,
            ws.c.archived,
            ws.c.position,
            # An undo or a correction retracts a report: counted and dated per workstream,
            # both read from ix_report_latest alone.
            sa_select(func.count(retracted))
            .where(report.c.workstream_id == ws.c.id, retracted.is_not(None))
            .scalar_subquery(),
            sa_select(func.max(retracted))
            .where(report.c.workstream_id == ws.c.id)
            .scalar_subquery(),
        )
        .where(ws.c.tracker_id == bindparam("tracker_id"))
        .order_by(ws.c.id)
    )


_VERSION = _version_statement()


def tracker_version(session: Session, *, tracker: Tracker) -> tuple[object, ...]:
    """Everything a change to the tracker changes, read in a few index seeks: its row, its
    workstreams, the newest report id of all, and per workstream the retracted reports.

    A cache keyed by this value can never serve a stale view, whichever instance (or
    process) made the change: a new report raises the newest id, an undo or a correction
    retracts one, /workstream and /deadline change the rows. (The newest id is global, so a
    report in one tracker also renews the others' entries: cheap, and always safe.)
    """
    session.flush()
    rows = session.connection().execute(_VERSION, {"tracker_id": tracker.id}).all()
    head = (
        tracker.id,
        tracker.title,
        tracker.deadline,
        tracker.timezone,
        tracker.quiet_days,
        tracker.archived_at,
    )
    return head + tuple(tuple(row) for row in rows)


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
