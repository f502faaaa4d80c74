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
    authorize,
    authorize_followed,
    authorize_key,
    effective_role,
    is_operator,
    reply,
    request_of,
    resolve,
    today_for,
)
from domain.errors import UserError
from domain.i18n import LANGUAGE_NAME, Html, code, msg, t
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
from domain.views import SERVICE_ACCOUNTS
from services import trackers
from services.notices import digest_schedule
from storage import trackers as tracker_store
from storage.chats import ChatPlan

log = logging.getLogger(__name__)

# Events shown per tracker in /trackers (to its admins).
EVENTS_SHOWN = 5


def register_jobs(context: Context, plans: list[ChatPlan], tracker_id: int, tz_name: str) -> None:
    """The jobs of chats that follow a tracker now, and the tracker's own: at once rather than
    at the next start."""
    for plan in plans:
        jobs.register_chat(context.application, plan)
    jobs.register_tracker(context.application, tracker_id, tz_name)


async def setup_tracker(update: Update, context: Context, command: Command) -> None:
    """Create a tracker or link this chat to one: /setup <key> [YYYY-MM-DD] [title…]."""
    request = await request_of(update, context, command)
    caller, settings, lang = request.caller, request.settings, request.lang
    args = parse_setup(caller.rest)

    def apply(session: Session) -> trackers.ChatLinked:
        if caller.user_id in SERVICE_ACCOUNTS:  # never a tracker's admin (the gate stops most)
            raise UserError("service_account", id=caller.user_id)
        # The table: a chat that follows a tracker moves only at that tracker's admins' word
        # (also one that followed it until the bot was removed; whatever /use chose).
        authorize_followed(session, settings, caller)
        current = tracker_store.tracker_for_chat(session, chat_id=caller.chat_id)
        return trackers.link_chat(
            session,
            authorize_key(session, settings, caller, args.key),
            trackers.TrackerFields(args.key, args.deadline, args.title or None),
            request.linking,
            current=current,
            default_timezone=settings.pantau_timezone,
        )

    linked = await run_db(context, apply)
    view = linked.tracker
    register_jobs(context, linked.plans, view.id, view.timezone)  # the chat's reminders, digest
    today = local_today(request.now, view.timezone)
    html = render_tracker_linked(view, today, lang, created=linked.created)
    warning = past_deadline_warning(view, today, lang) if args.deadline else None
    if warning:
        html += "\n" + warning
    schedule = digest_schedule(linked.plans[0]) if linked.plans else None
    moved_with = {
        "schedule": schedule.describe(lang)
        if schedule is not None
        else msg("schedule_none_short"),
        "language": msg(LANGUAGE_NAME[lang]),
    }
    old = linked.previous
    if old is not None and not linked.moved:
        html += "\n" + t(lang, "setup_same", **moved_with)
    if old is not None and linked.moved:
        back = code(f"/setup {old.key}")
        html += "\n" + t(
            lang, "setup_moved", old=old.title, new=view.title, back=back, **moved_with
        )
        if linked.created:  # perhaps a typo: say how to undo both halves
            archive = code(f"/archive {view.key}")
            html += "\n" + t(lang, "setup_created_elsewhere", back=back, archive=archive)
    await reply(update, html)


async def show_or_move_deadline(update: Update, context: Context, command: Command) -> None:
    """Show the deadline, or move it (admin): /deadline [YYYY-MM-DD]."""
    request = await request_of(update, context, command)
    caller, lang = request.caller, request.lang
    new_deadline = parse_deadline(caller.rest)

    def apply(session: Session) -> trackers.Deadline:
        changing = new_deadline is not None
        tracker = resolve(session, request.settings, caller, changing=changing).tracker
        return trackers.show_or_move_deadline(
            session, tracker, new_deadline, actor_id=caller.user_id, now=request.now
        )

    shown = await run_db(context, apply)
    today = today_for(context, shown.tracker.timezone)
    html = render_deadline(shown.tracker, today, lang, changed_from=shown.changed_from)
    warning = past_deadline_warning(shown.tracker, today, lang) if new_deadline else None
    await reply(update, html + "\n" + warning if warning else html)


def _chat_label(chat: trackers.ChatRef, lang: str) -> str:
    if chat.chat_id is not None and chat.chat_id > 0:
        return t(lang, "trackers_private_chat")
    return chat.title or str(chat.chat_id)


def _render_entry(entry: trackers.TrackerEntry, now: datetime, lang: str) -> list[str]:
    tracker = entry.tracker
    archived = msg("trackers_archived_mark") if tracker.archived_at is not None else ""
    role = msg(ROLE_NAME[entry.role])
    lines = [
        t(
            lang,
            "trackers_line",
            title=tracker.title,
            key=code(tracker.key),
            role=role,
            archived=archived,
        ),
        t(lang, "trackers_chats", chats=", ".join(_chat_label(c, lang) for c in entry.chats))
        if entry.chats
        else t(lang, "trackers_no_chats"),
    ]
    today = local_today(now, tracker.timezone)
    for line in entry.events:
        event = line.event
        what = t(
            lang,
            EVENT_TEXT[event.kind],
            chat=_chat_label(line.chat, lang),
            detail=event.detail or "",
            who=line.who,
        )
        when = fmt_time(event.at, tracker.timezone, lang, today)
        lines.append(t(lang, "trackers_event", when=when, what=Html(what)))
    return lines


async def list_trackers(update: Update, context: Context, command: Command) -> None:
    """The trackers you belong to, the chats that follow each, and (to admins) their recent
    changes: /trackers. Operators see every tracker."""
    request = await request_of(update, context, command)
    caller, settings, lang = request.caller, request.settings, request.lang

    def read(session: Session) -> list[trackers.TrackerEntry]:
        authorize(session, settings, caller)
        if is_operator(settings, caller.user_id):
            mine = tracker_store.all_trackers(session)
        else:
            mine = tracker_store.trackers_of_user(
                session, user_id=caller.user_id, include_archived=True
            )
        roles = []
        for tracker in mine:
            assert tracker.id is not None
            role = effective_role(session, settings, tracker_id=tracker.id, user_id=caller.user_id)
            assert role is not None  # members' trackers, or an operator's (admin of all)
            roles.append((tracker, role))
        return trackers.trackers_overview(session, roles, events_shown=EVENTS_SHOWN)

    entries = await run_db(context, read, readonly=True)
    if not entries:
        await reply(update, t(lang, "trackers_none"))
        return
    lines = [t(lang, "trackers_title")]
    for entry in entries:
        lines += _render_entry(entry, request.now, lang)
    await reply(update, "\n".join(lines))


async def archive_tracker(update: Update, context: Context, command: Command) -> None:
    """Archive a tracker (its admins): it sends nothing, cannot be linked, keeps every row."""
    await _set_archived(update, context, command, archived=True)


async def restore_tracker(update: Update, context: Context, command: Command) -> None:
    """Bring an archived tracker back (its admins): /restore <key>."""
    await _set_archived(update, context, command, archived=False)


ARCHIVE_TEXT = {
    trackers.ArchiveChange.ARCHIVED: "archived_now",
    trackers.ArchiveChange.RESTORED: "restored_now",
    trackers.ArchiveChange.ALREADY_ARCHIVED: "already_archived",
    trackers.ArchiveChange.NOT_ARCHIVED: "not_archived",
}


async def _set_archived(
    update: Update, context: Context, command: Command, *, archived: bool
) -> None:
    request = await request_of(update, context, command)
    caller, settings = request.caller, request.settings
    key = parse_tracker_key(caller.rest, command.name)

    def apply(session: Session) -> trackers.Archived:
        authorize(session, settings, caller)
        tracker = authorize_key(session, settings, caller, key)
        assert tracker is not None  # /archive never creates
        return trackers.set_archived(
            session, tracker, archived=archived, actor_id=caller.user_id, now=request.now
        )

    done = await run_db(context, apply)
    tracker = done.tracker
    # Archived trackers' jobs find nothing to send (jobs check at send time); restored ones
    # get theirs back now rather than at the next start.
    if done.change is trackers.ArchiveChange.RESTORED:
        assert tracker.id is not None
        register_jobs(context, done.plans, tracker.id, tracker.timezone)
    text = t(
        request.lang,
        ARCHIVE_TEXT[done.change],
        tracker=tracker.title,
        key=code(tracker.key),
        restore=code(f"/restore {tracker.key}"),
    )
    await reply(update, text)
