"""Queries for check-ins: owners, schedules, holidays, absence, /use and the "Other" answer.

The same rules as every storage module: keyword-only arguments, a caller's session, no
commit here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, delete, select

from storage.db import put_row
from storage.models import (
    Away,
    ChatSetting,
    CheckinPending,
    Member,
    Tracker,
    Workstream,
    WorkstreamOwner,
)

# --- owners ----------------------------------------------------------------------------------


def owners_of(session: Session, *, workstream_id: int) -> list[int]:
    statement = (
        select(WorkstreamOwner.user_id)
        .where(WorkstreamOwner.workstream_id == workstream_id)
        .order_by(col(WorkstreamOwner.id))
    )
    return list(session.exec(statement).all())


def owners_by_workstream(session: Session, *, tracker_id: int) -> dict[int, list[int]]:
    """Every active workstream's owners, by workstream id (one statement)."""
    statement = (
        select(WorkstreamOwner.workstream_id, WorkstreamOwner.user_id)
        .join(Workstream, col(Workstream.id) == col(WorkstreamOwner.workstream_id))
        .where(Workstream.tracker_id == tracker_id, col(Workstream.archived).is_(False))
        .order_by(col(WorkstreamOwner.id))
    )
    owners: dict[int, list[int]] = {}
    for workstream_id, user_id in session.exec(statement).all():
        owners.setdefault(workstream_id, []).append(user_id)
    return owners


def set_owners(session: Session, *, workstream_id: int, user_ids: list[int]) -> None:
    """Replace a workstream's owners (an empty list clears them)."""
    session.exec(
        delete(WorkstreamOwner).where(col(WorkstreamOwner.workstream_id) == workstream_id)
    )
    for user_id in dict.fromkeys(user_ids):
        session.add(WorkstreamOwner(workstream_id=workstream_id, user_id=user_id))
    session.flush()


# --- schedules and holidays ------------------------------------------------------------------


def set_checkin(
    session: Session, *, tracker: Tracker, days: str | None, at: str | None
) -> Tracker:
    tracker.checkin_days = days
    tracker.checkin_time = at
    session.add(tracker)
    session.flush()
    return tracker


def set_holidays(session: Session, *, tracker: Tracker, country: str | None) -> None:
    tracker.holidays = country
    session.add(tracker)
    session.flush()


@dataclass(frozen=True, slots=True)
class CheckinPlan:
    """What the scheduler needs to know about one tracker's check-ins."""

    tracker_id: int
    timezone: str
    days: str
    at: str


def checkin_plans(session: Session, *, tracker_id: int | None = None) -> list[CheckinPlan]:
    """Trackers (active ones, or one) with a check-in schedule."""
    statement = (
        select(Tracker)
        .where(col(Tracker.checkin_days).is_not(None), col(Tracker.checkin_time).is_not(None))
        .order_by(col(Tracker.id))
    )
    if tracker_id is not None:
        statement = statement.where(Tracker.id == tracker_id)
    return [
        CheckinPlan(t.id or 0, t.timezone, t.checkin_days or "", t.checkin_time or "")
        for t in session.exec(statement).all()
        if t.archived_at is None
    ]


# --- absence ---------------------------------------------------------------------------------


def set_away(session: Session, *, user_id: int, until: date | None, now: datetime) -> None:
    row = session.get(Away, user_id)
    if until is None:
        if row is not None:
            session.delete(row)
    else:
        row = row or Away(user_id=user_id, until=until, set_at=now)
        row.until = until
        row.set_at = now
        session.add(row)
    session.flush()


def away_until(session: Session, *, user_id: int) -> date | None:
    row = session.get(Away, user_id)
    return row.until if row is not None else None


def away_among(session: Session, *, user_ids: list[int], today: date) -> dict[int, date]:
    """Of these people, who is away today, and until when."""
    if not user_ids:
        return {}
    statement = select(Away).where(col(Away.user_id).in_(user_ids), col(Away.until) > today)
    return {row.user_id: row.until for row in session.exec(statement).all()}


def tracker_members(session: Session, *, tracker_id: int) -> list[int]:
    statement = select(Member.user_id).where(Member.tracker_id == tracker_id)
    return list(session.exec(statement).all())


# --- /use ------------------------------------------------------------------------------------


def chosen_tracker(session: Session, *, chat_id: int) -> Tracker | None:
    setting = session.get(ChatSetting, chat_id)
    if setting is None or setting.tracker_id is None:
        return None
    return session.get(Tracker, setting.tracker_id)


def choose_tracker(session: Session, *, chat_id: int, tracker_id: int | None) -> None:
    setting = session.get(ChatSetting, chat_id) or ChatSetting(chat_id=chat_id)
    setting.tracker_id = tracker_id
    session.add(setting)
    session.flush()


# --- the "Other" answer ----------------------------------------------------------------------


def wait_for_other(
    session: Session,
    *,
    chat_id: int,
    user_id: int,
    workstream_id: int,
    base_report_id: int | None,
    prompt_message_id: int,
    now: datetime,
) -> None:
    asked = {"user_id": user_id, "workstream_id": workstream_id, "asked_at": now}
    put_row(
        session,
        CheckinPending,
        {"chat_id": chat_id},
        asked | {"base_report_id": base_report_id, "prompt_message_id": prompt_message_id},
    )


def pending_other(session: Session, *, chat_id: int) -> CheckinPending | None:
    return session.get(CheckinPending, chat_id)


def clear_other(session: Session, *, chat_id: int) -> None:
    row = session.get(CheckinPending, chat_id)
    if row is not None:
        session.delete(row)
        session.flush()
