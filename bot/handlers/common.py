"""Helpers every feature module shares: who asks, from where, in which tracker and language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session
from telegram import Chat, Update

from bot.config import Settings
from bot.context import Context, run_db
from bot.outbox import Ack, Attachment, Outbox, Outgoing
from bot.transport import PantauBot
from domain.errors import UserError
from domain.forecast import Insight, build_insight
from domain.i18n import Html, code, language, msg
from domain.parsing import split_command, suggest
from domain.progress import local_today
from domain.views import Role, Snapshot, WorkstreamView
from storage import queries
from storage.models import Tracker


@dataclass(frozen=True, slots=True)
class Caller:
    """The facts of one incoming command, copied out of PTB objects for use in a DB thread."""

    user_id: int
    name: str
    username: str | None
    chat_id: int
    chat_title: str | None
    private: bool
    message_id: int
    update_id: int
    sent_at: datetime
    command: str
    rest: str  # the text after the command, spacing and line breaks kept
    replied_user_id: int | None
    language_code: str | None = None


def caller_of(update: Update) -> Caller:
    message = update.effective_message
    user = update.effective_user
    chat = update.effective_chat
    assert message is not None
    assert user is not None
    assert chat is not None
    command, _bot, rest = split_command(message.text or "")
    replied = message.reply_to_message
    replied_user = replied.from_user if replied is not None else None
    return Caller(
        user_id=user.id,
        name=user.full_name,
        username=user.username,
        chat_id=chat.id,
        chat_title=chat.title,
        private=chat.type == Chat.PRIVATE,
        message_id=message.message_id,
        update_id=update.update_id,
        sent_at=message.date,
        command=command,
        rest=rest,
        replied_user_id=(
            replied_user.id if replied_user is not None and not replied_user.is_bot else None
        ),
        language_code=user.language_code,
    )


async def chat_lang(context: Context, update: Update) -> str:
    """The language this chat reads: its /lang setting; in a private chat without one, the
    person's Telegram language; otherwise ``PANTAU_LANGUAGE``."""
    chat = update.effective_chat
    if chat is None:
        return context.bot_data.settings.pantau_language
    cache = context.bot_data.languages
    if chat.id not in cache:
        cache[chat.id] = await run_db(
            context, lambda s: queries.chat_language(s, chat_id=chat.id), readonly=True
        )
    chosen = cache[chat.id]
    if chosen:
        return chosen
    user = update.effective_user
    if chat.type == Chat.PRIVATE and user is not None and user.language_code:
        return language(user.language_code)
    return context.bot_data.settings.pantau_language


def today_for(context: Context, tracker_timezone: str) -> date:
    return local_today(context.bot_data.clock(), tracker_timezone)


@dataclass(frozen=True, slots=True)
class Scope:
    tracker: Tracker
    role: Role | None

    @property
    def tracker_id(self) -> int:
        assert self.tracker.id is not None
        return self.tracker.id


def effective_role(
    session: Session, settings: Settings, *, tracker_id: int, user_id: int
) -> Role | None:
    """A tracker role, or admin everywhere for the ids in ``PANTAU_ADMIN_IDS``."""
    if user_id in settings.pantau_admin_ids:
        return Role.ADMIN
    return queries.role_of(session, tracker_id=tracker_id, user_id=user_id)


def find_tracker(session: Session, caller: Caller) -> Tracker:
    """The tracker of this chat; in a private chat, the one tracker the caller belongs to."""
    tracker = queries.tracker_for_chat(session, chat_id=caller.chat_id)
    if tracker is not None:
        return tracker
    if not caller.private:
        raise UserError("not_linked")
    mine = queries.trackers_of_user(session, user_id=caller.user_id)
    if len(mine) == 1:
        return mine[0]
    if not mine:
        raise UserError("not_member")
    keys = Html(", ".join(code(t.key) for t in mine))
    raise UserError("many_trackers", count=len(mine), keys=keys)


def admin_names(session: Session, tracker_id: int) -> str | None:
    names = []
    for user_id in queries.admin_ids(session, tracker_id=tracker_id):
        seen = queries.get_seen_user(session, user_id=user_id)
        if seen is None:
            names.append(str(user_id))
        else:
            handle = f" (@{seen.username})" if seen.username else ""
            names.append(f"{seen.display_name}{handle}")
    return ", ".join(names[:5]) or None


def require(session: Session, scope: Scope, need: Role) -> None:
    """Refuse unless the caller's role covers ``need`` (an admin may do what a reporter may)."""
    if scope.role is Role.ADMIN or scope.role is need:
        return
    names = admin_names(session, scope.tracker_id)
    raise UserError(
        "need_role",
        who=msg("role_reporter_plural" if need is Role.REPORTER else "role_admin_plural"),
        tracker=scope.tracker.title,
        admins=names if names else msg("the_operator"),
        role=msg(f"role_{need.value}"),
    )


def resolve(
    session: Session, settings: Settings, caller: Caller, need: Role | None = None
) -> Scope:
    """Tracker and role of the caller here, refusing when ``need`` is not met."""
    tracker = find_tracker(session, caller)
    assert tracker.id is not None
    scope = Scope(
        tracker, effective_role(session, settings, tracker_id=tracker.id, user_id=caller.user_id)
    )
    if need is not None:
        require(session, scope, need)
    return scope


def active_workstream(snapshot: Snapshot, tracker_title: str, key: str) -> WorkstreamView:
    """The active workstream with this key; unknown or archived ones take no reports."""
    for ws in snapshot.workstreams:
        if ws.key == key:
            return ws
    raise UserError(
        "no_workstream",
        tracker=tracker_title,
        key=code(key),
        hint=suggest(key, [ws.key for ws in snapshot.workstreams]),
    )


def insight_for(session: Session, snapshot: Snapshot, now: datetime) -> Insight:
    """Pace, projected finish and state of every workstream and of the whole."""
    return build_insight(snapshot, queries.histories(session, snapshot=snapshot, now=now), now=now)


def outgoing(update: Update, html: str, **extra: Any) -> Outgoing:
    """A reply to the update's message: quoted in groups, as PTB's ``reply_text`` does."""
    message = update.effective_message
    assert message is not None
    return Outgoing(
        message.chat_id,
        html,
        reply_to=message.message_id if message.chat.type != Chat.PRIVATE else None,
        thread_id=message.message_thread_id if message.is_topic_message else None,
        **extra,
    )


async def reply(update: Update, html: str, *, ack: Ack | None = None) -> None:
    """Queue an HTML reply in the chat's outbox and return at once (see ``bot.outbox``).

    It leaves in order with the chat's other replies, as the chat's budget allows, split under
    Telegram's 4,096-character limit; ``ack`` marks the acknowledgement of a report, which may
    be merged with others when the group is over its budget.
    """
    outbox_of(update).put(outgoing(update, html, ack=ack))


async def reply_file(update: Update, caption: str, attachment: Attachment) -> None:
    """Queue a picture or a document with an HTML caption, in order with the other replies."""
    outbox_of(update).put(outgoing(update, caption, attachment=attachment))


def outbox_of(update: Update) -> Outbox:
    bot = update.get_bot()
    assert isinstance(bot, PantauBot), "build_application() makes the bot"
    return bot.outbox
