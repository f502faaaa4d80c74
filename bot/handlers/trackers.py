"""/setup and /deadline: creating, linking and re-dating trackers."""

from __future__ import annotations

import logging

from sqlmodel import Session
from telegram import Update

from bot import jobs
from bot.context import Context, run_db
from bot.handlers.common import (
    Scope,
    caller_of,
    chat_lang,
    effective_role,
    reply,
    require,
    resolve,
    today_for,
)
from domain.errors import UserError
from domain.i18n import code_msg, t
from domain.parsing import parse_deadline, parse_setup
from domain.progress import local_today
from domain.render import render_deadline, render_tracker_linked
from domain.views import Role
from storage import queries

log = logging.getLogger(__name__)


async def setup_tracker(update: Update, context: Context) -> None:
    """Create a tracker or link this chat to one: /setup <key> [YYYY-MM-DD] [title…]."""
    caller = caller_of(update)
    args = parse_setup(caller.rest)
    settings = context.bot_data.settings
    now = context.bot_data.clock()
    lang = await chat_lang(context, update)

    def apply(session: Session) -> tuple[str, list[queries.ChatPlan], tuple[int, str]]:
        tracker = queries.get_tracker(session, key=args.key)
        created = tracker is None
        if tracker is None:
            # With PANTAU_ADMIN_IDS set, only those people create trackers; without it, anyone
            # may, and becomes the new tracker's admin (a single-team deployment).
            if settings.pantau_admin_ids and caller.user_id not in settings.pantau_admin_ids:
                raise UserError("only_operators_create")
            if args.deadline is None:
                raise UserError(
                    "setup_needs_deadline", usage=code_msg("usage_setup_new", key=args.key)
                )
            tracker = queries.create_tracker(
                session,
                key=args.key,
                title=args.title or queries.default_title(args.key),
                deadline=args.deadline,
                timezone=settings.pantau_timezone,
                created_by=caller.user_id,
                now=now,
            )
            assert tracker.id is not None
            queries.set_role(
                session, tracker_id=tracker.id, user_id=caller.user_id, role=Role.ADMIN
            )
        else:
            assert tracker.id is not None
            role = effective_role(session, settings, tracker_id=tracker.id, user_id=caller.user_id)
            require(session, Scope(tracker, role), Role.ADMIN)
            if args.deadline is not None:
                tracker.deadline = args.deadline
            if args.title:
                tracker.title = args.title
            session.add(tracker)
        assert tracker.id is not None
        previous = queries.link_chat(
            session, chat_id=caller.chat_id, tracker_id=tracker.id, title=caller.chat_title
        )
        view = queries.tracker_view(tracker)
        today = local_today(now, view.timezone)
        html = render_tracker_linked(view, today, lang, created=created)
        if previous is not None and previous != tracker.id:
            old = queries.get_tracker_by_id(session, tracker_id=previous)
            if old is not None:
                html += "\n" + t(lang, "tracker_relinked", title=old.title)
        log.info("setup: chat %s → tracker %s (created=%s)", caller.chat_id, view.key, created)
        plans = queries.chat_plans(session, chat_id=caller.chat_id)
        return html, plans, (view.id, view.timezone)

    html, plans, (tracker_id, tz_name) = await run_db(context, apply)
    for plan in plans:  # the newly linked chat gets its reminder (and digest) jobs
        jobs.register_chat(context.application, plan)
    jobs.register_tracker(context.application, tracker_id, tz_name)
    await reply(update, html)


async def show_or_move_deadline(update: Update, context: Context) -> None:
    """Show the deadline, or move it (admin): /deadline [YYYY-MM-DD]."""
    caller = caller_of(update)
    new_deadline = parse_deadline(caller.rest)
    settings = context.bot_data.settings
    lang = await chat_lang(context, update)

    def apply(session: Session) -> str:
        scope = resolve(session, settings, caller, Role.ADMIN if new_deadline else None)
        changed_from = None
        if new_deadline is not None and new_deadline != scope.tracker.deadline:
            changed_from = scope.tracker.deadline
            scope.tracker.deadline = new_deadline
            session.add(scope.tracker)
            log.info("deadline of %s moved to %s", scope.tracker.key, new_deadline)
        view = queries.tracker_view(scope.tracker)
        today = today_for(context, view.timezone)
        return render_deadline(view, today, lang, changed_from=changed_from)

    await reply(update, await run_db(context, apply))
