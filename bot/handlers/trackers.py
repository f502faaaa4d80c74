"""/setup, /deadline, /trackers, /archive and /restore: a tracker's life and the chats that
follow it."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session
from telegram import Update

from bot import jobs
from bot.access import Command
from bot.context import Context, run_db
from bot.handlers.common import (
    Caller,
    authorize,
    authorize_followed,
    authorize_key,
    caller_of,
    chat_lang,
    effective_role,
    is_operator,
    reply,
    resolve,
    today_for,
)
from domain.errors import UserError
from domain.i18n import LANGUAGE_NAME, Html, Msg, code, code_msg, msg, t
from domain.locale import fmt_time
from domain.parsing import parse_deadline, parse_setup, parse_tracker_key
from domain.progress import local_today
from domain.render import (
    EVENT_TEXT,
    ROLE_NAME,
    past_deadline_warning,
    render_deadline,
    render_tracker_linked,
)
from domain.views import SERVICE_ACCOUNTS, Role
from storage import chats as chat_store
from storage import lifecycle
from storage import members as member_store
from storage import trackers as tracker_store
from storage import workstreams as workstream_store
from storage.models import Tracker

log = logging.getLogger(__name__)

# Events shown per tracker in /trackers (to its admins).
EVENTS_SHOWN = 5


def _chat_facts(session: Session, chat_id: int, lang: str) -> tuple[str | Msg, Msg]:
    """What moves with a chat from one tracker to another: its digest schedule and language."""
    plans = chat_store.chat_plans(session, chat_id=chat_id)
    schedule = jobs.schedule_of(plans[0]) if plans else None
    return (
        schedule.describe(lang) if schedule is not None else msg("schedule_none_short"),
        msg(LANGUAGE_NAME[lang]),
    )


async def setup_tracker(update: Update, context: Context, command: Command) -> None:
    """Create a tracker or link this chat to one: /setup <key> [YYYY-MM-DD] [title…]."""
    caller = caller_of(update, command)
    args = parse_setup(caller.rest)
    settings = context.bot_data.settings
    now = context.bot_data.clock()
    lang = await chat_lang(context, update)

    def apply(session: Session) -> tuple[str, list[chat_store.ChatPlan], tuple[int, str]]:
        if caller.user_id in SERVICE_ACCOUNTS:  # never a tracker's admin (the gate stops most)
            raise UserError("service_account", id=caller.user_id)
        # The table: a chat that follows a tracker moves only at that tracker's admins' word
        # (also one that followed it until the bot was removed; whatever /use chose).
        authorize_followed(session, settings, caller)
        current = tracker_store.tracker_for_chat(session, chat_id=caller.chat_id)
        tracker = authorize_key(session, settings, caller, args.key)
        created = tracker is None
        if tracker is None:
            if args.deadline is None:
                raise UserError(
                    "setup_needs_deadline", usage=code_msg("usage_setup_new", key=args.key)
                )
            tracker = tracker_store.create_tracker(
                session,
                key=args.key,
                title=args.title or workstream_store.default_title(args.key),
                deadline=args.deadline,
                timezone=settings.pantau_timezone,
                created_by=caller.user_id,
                now=now,
            )
            assert tracker.id is not None
            member_store.set_role(
                session,
                tracker_id=tracker.id,
                user_id=caller.user_id,
                role=Role.ADMIN,
                actor_id=caller.user_id,
                now=now,
            )
        else:
            if tracker.archived_at is not None:
                raise UserError(
                    "tracker_archived_link",
                    tracker=tracker.title,
                    restore=code(f"/restore {tracker.key}"),
                )
            tracker_store.change_tracker(
                session,
                tracker=tracker,
                actor_id=caller.user_id,
                now=now,
                deadline=args.deadline,
                title=args.title or None,
            )
        assert tracker.id is not None
        chat_store.link_chat(
            session, chat_id=caller.chat_id, tracker_id=tracker.id, title=caller.chat_title
        )
        view = tracker_store.tracker_view(tracker)
        today = local_today(now, view.timezone)
        html = render_tracker_linked(view, today, lang, created=created)
        warning = past_deadline_warning(view, today, lang) if args.deadline else None
        if warning:
            html += "\n" + warning
        schedule, language = _chat_facts(session, caller.chat_id, lang)
        if current is not None and current.id == tracker.id:
            html += "\n" + t(lang, "setup_same", schedule=schedule, language=language)
        else:
            _record_move(session, caller, current, tracker, now)
        if current is not None and current.id != tracker.id:
            html += "\n" + t(
                lang,
                "setup_moved",
                old=current.title,
                new=tracker.title,
                schedule=schedule,
                language=language,
                back=code(f"/setup {current.key}"),
            )
            if created:  # perhaps a typo: say how to undo both halves
                html += "\n" + t(
                    lang,
                    "setup_created_elsewhere",
                    back=code(f"/setup {current.key}"),
                    archive=code(f"/archive {tracker.key}"),
                )
        log.info("setup: chat %s → tracker %s (created=%s)", caller.chat_id, view.key, created)
        plans = chat_store.chat_plans(session, chat_id=caller.chat_id)
        return html, plans, (view.id, view.timezone)

    html, plans, (tracker_id, tz_name) = await run_db(context, apply)
    for plan in plans:  # the newly linked chat gets its reminder (and digest) jobs
        jobs.register_chat(context.application, plan)
    jobs.register_tracker(context.application, tracker_id, tz_name)
    await reply(update, html)


def _record_move(
    session: Session, caller: Caller, old: Tracker | None, new: Tracker, now: datetime
) -> None:
    """Both trackers' trails say that this chat moved, who moved it and when."""
    assert new.id is not None
    lifecycle.add_event(
        session,
        tracker_id=new.id,
        kind=lifecycle.EventKind.LINKED,
        actor_id=caller.user_id,
        now=now,
        chat_id=caller.chat_id,
        detail=caller.chat_title,
    )
    if old is not None and old.id is not None:
        lifecycle.add_event(
            session,
            tracker_id=old.id,
            kind=lifecycle.EventKind.MOVED_AWAY,
            actor_id=caller.user_id,
            now=now,
            chat_id=caller.chat_id,
            detail=new.key,
        )


async def show_or_move_deadline(update: Update, context: Context, command: Command) -> None:
    """Show the deadline, or move it (admin): /deadline [YYYY-MM-DD]."""
    caller = caller_of(update, command)
    new_deadline = parse_deadline(caller.rest)
    settings = context.bot_data.settings
    lang = await chat_lang(context, update)
    now = context.bot_data.clock()

    def apply(session: Session) -> str:
        scope = resolve(session, settings, caller, changing=new_deadline is not None)
        changed_from = None
        if new_deadline is not None and new_deadline != scope.tracker.deadline:
            changed_from = scope.tracker.deadline
            tracker_store.change_tracker(
                session,
                tracker=scope.tracker,
                actor_id=caller.user_id,
                now=now,
                deadline=new_deadline,
            )
            log.info("deadline of %s moved to %s", scope.tracker.key, new_deadline)
        view = tracker_store.tracker_view(scope.tracker)
        today = today_for(context, view.timezone)
        html = render_deadline(view, today, lang, changed_from=changed_from)
        warning = past_deadline_warning(view, today, lang) if new_deadline else None
        return html + "\n" + warning if warning else html

    await reply(update, await run_db(context, apply))


def _who(session: Session, user_id: int | None) -> str:
    if user_id is None:
        return "?"
    seen = member_store.get_seen_user(session, user_id=user_id)
    return seen.display_name if seen is not None else str(user_id)


def _chat_label(session: Session, chat_id: int | None, fallback: str | None, lang: str) -> str:
    if chat_id is not None and chat_id > 0:
        return t(lang, "trackers_private_chat")
    link = chat_store.get_link(session, chat_id=chat_id) if chat_id is not None else None
    return (link.title if link is not None else None) or fallback or str(chat_id)


async def list_trackers(update: Update, context: Context, command: Command) -> None:
    """The trackers you belong to, the chats that follow each, and (to admins) their recent
    changes: /trackers. Operators see every tracker."""
    caller = caller_of(update, command)
    settings = context.bot_data.settings
    lang = await chat_lang(context, update)
    now = context.bot_data.clock()

    def read(session: Session) -> str:
        authorize(session, settings, caller)
        if is_operator(settings, caller.user_id):
            mine = tracker_store.all_trackers(session)
        else:
            mine = tracker_store.trackers_of_user(
                session, user_id=caller.user_id, include_archived=True
            )
        if not mine:
            return t(lang, "trackers_none")
        lines = [t(lang, "trackers_title")]
        for tracker in mine:
            assert tracker.id is not None
            role = effective_role(session, settings, tracker_id=tracker.id, user_id=caller.user_id)
            assert role is not None  # members' trackers, or an operator's (admin of all)
            lines.append(
                t(
                    lang,
                    "trackers_line",
                    title=tracker.title,
                    key=code(tracker.key),
                    role=msg(ROLE_NAME[role]),
                    archived=(
                        msg("trackers_archived_mark") if tracker.archived_at is not None else ""
                    ),
                )
            )
            chats = [
                _chat_label(session, link.chat_id, link.title, lang)
                for link in chat_store.linked_chats(session, tracker_id=tracker.id)
            ]
            lines.append(
                t(lang, "trackers_chats", chats=", ".join(chats))
                if chats
                else t(lang, "trackers_no_chats")
            )
            if role is Role.ADMIN:  # the trail of moves and archiving is for its admins
                today = local_today(now, tracker.timezone)
                for event in lifecycle.events(session, tracker_id=tracker.id, limit=EVENTS_SHOWN):
                    what = t(
                        lang,
                        EVENT_TEXT[event.kind],
                        chat=_chat_label(session, event.chat_id, None, lang),
                        detail=event.detail or "",
                        who=_who(session, event.actor_id),
                    )
                    lines.append(
                        t(
                            lang,
                            "trackers_event",
                            when=fmt_time(event.at, tracker.timezone, lang, today),
                            what=Html(what),
                        )
                    )
        return "\n".join(lines)

    await reply(update, await run_db(context, read, readonly=True))


async def archive_tracker(update: Update, context: Context, command: Command) -> None:
    """Archive a tracker (its admins): it sends nothing, cannot be linked, keeps every row."""
    await _set_archived(update, context, command, archived=True)


async def restore_tracker(update: Update, context: Context, command: Command) -> None:
    """Bring an archived tracker back (its admins): /restore <key>."""
    await _set_archived(update, context, command, archived=False)


async def _set_archived(
    update: Update, context: Context, command: Command, *, archived: bool
) -> None:
    caller = caller_of(update, command)
    key = parse_tracker_key(caller.rest, command.name)
    settings = context.bot_data.settings
    lang = await chat_lang(context, update)
    now = context.bot_data.clock()

    def apply(session: Session) -> tuple[str, list[chat_store.ChatPlan], tuple[int, str] | None]:
        authorize(session, settings, caller)
        tracker = authorize_key(session, settings, caller, key)
        assert tracker is not None  # /archive never creates
        assert tracker.id is not None
        if (tracker.archived_at is not None) == archived:
            return (
                t(lang, "already_archived" if archived else "not_archived", tracker=tracker.title),
                [],
                None,
            )
        lifecycle.set_archived(
            session, tracker=tracker, archived=archived, by=caller.user_id, now=now
        )
        lifecycle.add_event(
            session,
            tracker_id=tracker.id,
            kind=lifecycle.EventKind.ARCHIVED if archived else lifecycle.EventKind.RESTORED,
            actor_id=caller.user_id,
            now=now,
        )
        log.info("tracker %s %s", tracker.key, "archived" if archived else "restored")
        if archived:
            text = t(
                lang,
                "archived_now",
                tracker=tracker.title,
                key=code(tracker.key),
                restore=code(f"/restore {tracker.key}"),
            )
            return text, [], None
        plans = [
            plan
            for link in chat_store.linked_chats(session, tracker_id=tracker.id)
            for plan in chat_store.chat_plans(session, chat_id=link.chat_id)
        ]
        text = t(lang, "restored_now", tracker=tracker.title, key=code(tracker.key))
        return text, plans, (tracker.id, tracker.timezone)

    text, plans, restored = await run_db(context, apply)
    # Archived trackers' jobs find nothing to send (jobs check at send time); restored ones
    # get theirs back now rather than at the next start.
    for plan in plans:
        jobs.register_chat(context.application, plan)
    if restored is not None:
        jobs.register_tracker(context.application, *restored)
    await reply(update, text)
