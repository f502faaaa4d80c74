"""Roles in a tracker and the people the bot has seen (so ``/grant @username`` resolves)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from domain.trail import Kind
from domain.views import Role
from storage import trail
from storage.db import put_row
from storage.models import Member, SeenUser

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


def _member(session: Session, tracker_id: int, user_id: int) -> Member | None:
    return session.exec(
        select(Member).where(Member.tracker_id == tracker_id, Member.user_id == user_id)
    ).first()


def set_role(session: Session, act: trail.Act, *, user_id: int, role: Role) -> Role | None:
    """Give a user a role in ``act``'s tracker (chained when it changes); returns the role they
    had before."""
    member = _member(session, act.tracker_id, user_id)
    previous = Role(member.role) if member is not None else None
    if previous is role:
        return previous
    if member is None:
        member = Member(tracker_id=act.tracker_id, user_id=user_id, role=role.value)
    member.role = role.value
    session.add(member)
    was = previous.value if previous is not None else None
    subject = {"user_id": user_id, "role": role.value, "previous": was}
    trail.record(session, act, Kind.ROLE_GIVEN, subject=subject)
    return previous


def remove_member(session: Session, act: trail.Act, *, user_id: int) -> Role | None:
    """Take a user's role in ``act``'s tracker away (chained); returns the role they had."""
    member = _member(session, act.tracker_id, user_id)
    if member is None:
        return None
    session.delete(member)
    trail.record(session, act, Kind.ROLE_TAKEN, subject={"user_id": user_id, "role": member.role})
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
    lowered = username.lower() if username else None
    if lowered:
        # A username moves when its owner gives it up: only the newest holder keeps it.
        for other in session.exec(
            select(SeenUser).where(SeenUser.username == lowered, SeenUser.id != user_id)
        ).all():
            other.username = None
            session.add(other)
    values = {"username": lowered, "display_name": display_name, "updated_at": now}
    put_row(session, SeenUser, {"id": user_id}, values)


def find_user_by_username(session: Session, *, username: str) -> SeenUser | None:
    return session.exec(select(SeenUser).where(SeenUser.username == username.lower())).first()


def get_seen_user(session: Session, *, user_id: int) -> SeenUser | None:
    return session.get(SeenUser, user_id)
