"""/grant and /revoke: who may report and who may administer a tracker."""

from __future__ import annotations

import logging

from sqlmodel import Session
from telegram import Update

from bot import jobs
from bot.access import Command
from bot.context import Context, run_db
from bot.handlers.common import ROLE_NAME, Scope, caller_of, chat_lang, reply, resolve
from domain.errors import UserError
from domain.i18n import Msg, code, msg, t
from domain.parsing import Target, parse_grant, parse_revoke
from domain.views import SERVICE_ACCOUNTS, Role
from storage import lifecycle, queries

log = logging.getLogger(__name__)


def _resolve_target(session: Session, target: Target) -> tuple[int, str | Msg]:
    """The user id and a display name for whom a /grant or /revoke is about."""
    if target.user_id is not None:
        seen = queries.get_seen_user(session, user_id=target.user_id)
        return target.user_id, seen.display_name if seen else msg("user_n", id=str(target.user_id))
    assert target.username is not None
    seen = queries.find_user_by_username(session, username=target.username)
    if seen is None:
        raise UserError("unknown_username", username=code("@" + target.username))
    return seen.id, seen.display_name


def keep_an_admin(session: Session, scope: Scope, user_id: int, name: str | Msg) -> None:
    """Refuse to take the admin role from the last person who holds it.

    The tracker's row is locked first (SELECT … FOR UPDATE on PostgreSQL), so two admins
    revoking or demoting each other at the same moment are served one after the other, and
    the second sees that only one admin is left.
    """
    lifecycle.lock_tracker(session, tracker_id=scope.tracker_id)
    if queries.role_of(session, tracker_id=scope.tracker_id, user_id=user_id) is not Role.ADMIN:
        return
    if queries.count_admins(session, tracker_id=scope.tracker_id) <= 1:
        raise UserError(
            "last_admin",
            name=name,
            tracker=scope.tracker.title,
            example=code("/grant @username admin"),
        )


def _end_private_link(session: Session, scope: Scope, user_id: int, lang: str) -> str:
    """A role that ends (or shrinks) ends everywhere: the person's private chat stops
    following the tracker, and its digest schedule goes with the link."""
    if lifecycle.unlink_private_chat(session, tracker_id=scope.tracker_id, user_id=user_id):
        return "\n" + t(lang, "private_link_removed", tracker=scope.tracker.title)
    return ""


async def grant_role(update: Update, context: Context, command: Command) -> None:
    """Give someone a role: /grant <@username | user-id> <reporter | admin>."""
    caller = caller_of(update, command)
    target, role = parse_grant(caller.rest, caller.replied_user_id)
    settings = context.bot_data.settings
    lang = await chat_lang(context, update)

    def apply(session: Session) -> tuple[str, int | None]:
        scope = resolve(session, settings, caller)
        user_id, name = _resolve_target(session, target)
        if user_id in SERVICE_ACCOUNTS:
            raise UserError("service_account", id=user_id)
        if role is not Role.ADMIN:  # a demotion must leave the tracker an admin
            keep_an_admin(session, scope, user_id, name)
        previous = queries.set_role(
            session,
            tracker_id=scope.tracker_id,
            user_id=user_id,
            role=role,
            actor_id=caller.user_id,
            now=context.bot_data.clock(),
        )
        log.info("grant: %s is %s of %s (was %s)", user_id, role, scope.tracker.key, previous)
        key = "already_role" if previous is role else "now_role"
        html = t(lang, key, name=name, role=msg(ROLE_NAME[role]), tracker=scope.tracker.title)
        unlinked = None
        if previous is Role.ADMIN and role is not Role.ADMIN:
            extra = _end_private_link(session, scope, user_id, lang)
            html += extra
            unlinked = user_id if extra else None
        return html, unlinked

    html, unlinked = await run_db(context, apply)
    if unlinked is not None:
        jobs.unregister_chat(context.application, unlinked)
    await reply(update, html)


async def revoke_role(update: Update, context: Context, command: Command) -> None:
    """Take someone's role away: /revoke <@username | user-id>."""
    caller = caller_of(update, command)
    target = parse_revoke(caller.rest, caller.replied_user_id)
    settings = context.bot_data.settings
    lang = await chat_lang(context, update)

    def apply(session: Session) -> tuple[str, int | None]:
        scope = resolve(session, settings, caller)
        user_id, name = _resolve_target(session, target)
        tracker = scope.tracker.title
        keep_an_admin(session, scope, user_id, name)
        role = queries.role_of(session, tracker_id=scope.tracker_id, user_id=user_id)
        if role is None:
            raise UserError("no_role", name=name, tracker=tracker)
        queries.remove_member(
            session,
            tracker_id=scope.tracker_id,
            user_id=user_id,
            actor_id=caller.user_id,
            now=context.bot_data.clock(),
        )
        log.info("revoke: %s no longer %s of %s", user_id, role, scope.tracker.key)
        html = t(lang, "role_revoked", name=name, role=msg(ROLE_NAME[role]), tracker=tracker)
        extra = _end_private_link(session, scope, user_id, lang)
        html += extra
        if user_id in settings.pantau_admin_ids:
            html += "\n" + t(lang, "still_global_admin")
        return html, user_id if extra else None

    html, unlinked = await run_db(context, apply)
    if unlinked is not None:
        jobs.unregister_chat(context.application, unlinked)
    await reply(update, html)
