"""/grant and /revoke: who may report and who may administer a tracker."""

from __future__ import annotations

import logging

from sqlmodel import Session
from telegram import Update

from bot.context import Context, run_db
from bot.handlers.common import caller_of, chat_lang, reply, resolve
from domain.errors import UserError
from domain.i18n import Msg, code, msg, t
from domain.parsing import Target, parse_grant, parse_revoke
from domain.views import Role
from storage import queries

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


async def grant_role(update: Update, context: Context) -> None:
    """Give someone a role: /grant <@username | user-id> <reporter | admin>."""
    caller = caller_of(update)
    target, role = parse_grant(caller.rest, caller.replied_user_id)
    settings = context.bot_data.settings
    lang = await chat_lang(context, update)

    def apply(session: Session) -> str:
        scope = resolve(session, settings, caller, Role.ADMIN)
        user_id, name = _resolve_target(session, target)
        previous = queries.set_role(
            session, tracker_id=scope.tracker_id, user_id=user_id, role=role
        )
        log.info("grant: %s is %s of %s (was %s)", user_id, role, scope.tracker.key, previous)
        key = "already_role" if previous is role else "now_role"
        return t(lang, key, name=name, role=msg(f"role_{role.value}"), tracker=scope.tracker.title)

    await reply(update, await run_db(context, apply))


async def revoke_role(update: Update, context: Context) -> None:
    """Take someone's role away: /revoke <@username | user-id>."""
    caller = caller_of(update)
    target = parse_revoke(caller.rest, caller.replied_user_id)
    settings = context.bot_data.settings
    lang = await chat_lang(context, update)

    def apply(session: Session) -> str:
        scope = resolve(session, settings, caller, Role.ADMIN)
        user_id, name = _resolve_target(session, target)
        tracker = scope.tracker.title
        role = queries.role_of(session, tracker_id=scope.tracker_id, user_id=user_id)
        if role is None:
            raise UserError("no_role", name=name, tracker=tracker)
        if role is Role.ADMIN and queries.count_admins(session, tracker_id=scope.tracker_id) == 1:
            raise UserError(
                "last_admin", name=name, tracker=tracker, example=code("/grant @username admin")
            )
        queries.remove_member(session, tracker_id=scope.tracker_id, user_id=user_id)
        log.info("revoke: %s no longer %s of %s", user_id, role, scope.tracker.key)
        html = t(lang, "role_revoked", name=name, role=msg(f"role_{role.value}"), tracker=tracker)
        if user_id in settings.pantau_admin_ids:
            html += "\n" + t(lang, "still_global_admin")
        return html

    await reply(update, await run_db(context, apply))
