"""/grant and /revoke: who may report and who may administer a tracker."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session
from telegram import Update

from bot.access import Command
from bot.context import Context, run_db
from bot.handlers.common import Request, caller_of, reply, request_of, resolve
from bot.jobqueue import unregister_chat
from domain.i18n import msg, t
from domain.parsing import parse_grant, parse_revoke
from domain.render import ROLE_NAME
from services import members
from services.members import RoleChanged
from storage.models import Tracker

log = logging.getLogger(__name__)


def _reply_text(changed: RoleChanged, key: str, tracker: str, lang: str) -> str:
    html = t(lang, key, name=changed.name, role=msg(ROLE_NAME[changed.role]), tracker=tracker)
    if changed.private_unlinked:
        html += "\n" + t(lang, "private_link_removed", tracker=tracker)
    return html


async def _change_role(
    update: Update,
    context: Context,
    command: Command,
    change: Callable[[Session, Tracker, int, datetime], RoleChanged],
) -> tuple[RoleChanged, str, Request]:
    """Run a role change on the caller's tracker; the private chat it unlinked loses its jobs."""
    request = await request_of(update, context, command)

    def apply(session: Session) -> tuple[RoleChanged, str]:
        tracker = resolve(session, request.settings, request.caller).tracker
        return change(session, tracker, request.caller.user_id, request.now), tracker.title

    changed, tracker = await run_db(context, apply)
    if changed.private_unlinked:
        unregister_chat(context.application, changed.user_id)
    return changed, tracker, request


async def grant_role(update: Update, context: Context, command: Command) -> None:
    """Give someone a role: /grant <@username | user-id> <reporter | admin>."""
    caller = caller_of(update, command)
    target, role = parse_grant(caller.rest, caller.replied_user_id)
    changed, tracker, request = await _change_role(
        update,
        context,
        command,
        lambda s, tr, actor, now: members.grant(s, tr, target, role, actor_id=actor, now=now),
    )
    key = "already_role" if changed.previous is role else "now_role"
    await reply(update, _reply_text(changed, key, tracker, request.lang))


async def revoke_role(update: Update, context: Context, command: Command) -> None:
    """Take someone's role away: /revoke <@username | user-id>."""
    caller = caller_of(update, command)
    target = parse_revoke(caller.rest, caller.replied_user_id)
    changed, tracker, request = await _change_role(
        update,
        context,
        command,
        lambda s, tr, actor, now: members.revoke(s, tr, target, actor_id=actor, now=now),
    )
    html = _reply_text(changed, "role_revoked", tracker, request.lang)
    if changed.user_id in request.settings.pantau_admin_ids:
        html += "\n" + t(request.lang, "still_global_admin")
    await reply(update, html)
