"""Who may report and who may administer a tracker: /grant and /revoke."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from domain.errors import UserError
from domain.i18n import Msg, code, msg
from domain.parsing import Target
from domain.views import SERVICE_ACCOUNTS, Role
from storage import lifecycle
from storage import members as member_store
from storage.models import Tracker
from storage.trail import Act

log = logging.getLogger(__name__)


def target_of(session: Session, target: Target) -> tuple[int, str | Msg]:
    """The user id and a display name for whom a /grant or /revoke is about."""
    if target.user_id is not None:
        seen = member_store.get_seen_user(session, user_id=target.user_id)
        return target.user_id, seen.display_name if seen else msg("user_n", id=str(target.user_id))
    assert target.username is not None
    seen = member_store.find_user_by_username(session, username=target.username)
    if seen is None:
        raise UserError("unknown_username", username=code("@" + target.username))
    return seen.id, seen.display_name


def keep_an_admin(session: Session, tracker: Tracker, user_id: int, name: str | Msg) -> None:
    """Refuse to take the admin role from the last person who holds it.

    The tracker's row is locked first (SELECT … FOR UPDATE on PostgreSQL), so two admins
    revoking or demoting each other at the same moment are served one after the other, and
    the second sees that only one admin is left.
    """
    assert tracker.id is not None
    lifecycle.lock_tracker(session, tracker_id=tracker.id)
    if member_store.role_of(session, tracker_id=tracker.id, user_id=user_id) is not Role.ADMIN:
        return
    if member_store.count_admins(session, tracker_id=tracker.id) <= 1:
        raise UserError(
            "last_admin", name=name, tracker=tracker.title, example=code("/grant @username admin")
        )


@dataclass(frozen=True, slots=True)
class RoleChanged:
    user_id: int
    name: str | Msg
    role: Role  # granted, or (revoked) the one taken away
    previous: Role | None  # /grant: the role before
    # A role that ends (or shrinks) ends everywhere: the person's private chat stopped
    # following the tracker, and its digest schedule went with the link.
    private_unlinked: bool


def grant(
    session: Session, tracker: Tracker, target: Target, role: Role, *, actor_id: int, now: datetime
) -> RoleChanged:
    """/grant: give someone a role (never to a service account; a demotion leaves an admin)."""
    assert tracker.id is not None
    user_id, name = target_of(session, target)
    if user_id in SERVICE_ACCOUNTS:
        raise UserError("service_account", id=user_id)
    if role is not Role.ADMIN:  # a demotion must leave the tracker an admin
        keep_an_admin(session, tracker, user_id, name)
    act = Act(tracker.id, now, actor_id)
    previous = member_store.set_role(session, act, user_id=user_id, role=role)
    log.info("grant: %s is %s of %s (was %s)", user_id, role, tracker.key, previous)
    shrinks = previous is Role.ADMIN and role is not Role.ADMIN
    unlinked = shrinks and lifecycle.unlink_private_chat(
        session, tracker_id=tracker.id, user_id=user_id
    )
    return RoleChanged(user_id, name, role, previous, unlinked)


def revoke(
    session: Session, tracker: Tracker, target: Target, *, actor_id: int, now: datetime
) -> RoleChanged:
    """/revoke: take someone's role away (never from the last admin)."""
    assert tracker.id is not None
    user_id, name = target_of(session, target)
    keep_an_admin(session, tracker, user_id, name)
    role = member_store.role_of(session, tracker_id=tracker.id, user_id=user_id)
    if role is None:
        raise UserError("no_role", name=name, tracker=tracker.title)
    member_store.remove_member(session, Act(tracker.id, now, actor_id), user_id=user_id)
    log.info("revoke: %s no longer %s of %s", user_id, role, tracker.key)
    unlinked = lifecycle.unlink_private_chat(session, tracker_id=tracker.id, user_id=user_id)
    return RoleChanged(user_id, name, role, role, unlinked)
