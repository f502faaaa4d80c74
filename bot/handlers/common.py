"""Helpers every feature module shares: who asks, from where, in which tracker and language."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlmodel import Session
from telegram import Chat, Update

from bot.access import Command, Place, Rank, rank_of
from bot.config import Settings, configured
from bot.context import Context, run_db
from bot.outbox import Ack, Attachment, Outbox, Outgoing
from bot.transport import PantauBot
from domain.errors import UserError
from domain.i18n import Html, code, language, msg
from domain.parsing import split_command
from domain.progress import local_today
from domain.views import Role
from services.reports import Source
from services.trackers import Linking
from storage import chats as chat_store
from storage import checkins
from storage import members as member_store
from storage import trackers as tracker_store
from storage.models import Tracker

T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class Caller(Source):
    """The facts of one incoming command, copied out of PTB objects for use in a DB thread: the
    facts a report made by it keeps (:class:`Source`: who, which message, when) and more."""

    username: str | None
    chat_title: str | None
    private: bool
    update_id: int  # an incoming command always has one (a Source may come without)
    command: str
    rest: str  # the text after the command, spacing and line breaks kept
    replied_user_id: int | None
    # The command's declaration in the table (bot/commands.py): what every check reads.
    declared: Command | None = None
    language_code: str | None = None

    @property
    def declaration(self) -> Command:
        return configured(self.declared, "a command handler passes its declaration")

    @property
    def source(self) -> Source:
        """The facts a report made by this message keeps (a caller is a Source)."""
        return self


def caller_of(update: Update, declared: Command | None = None) -> Caller:
    message = update.effective_message
    user = update.effective_user
    chat = update.effective_chat
    assert message is not None
    assert user is not None
    assert chat is not None
    # A photo or document's caption is its text (/update with evidence).
    command, _bot, rest = split_command(message.text or message.caption or "")
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
        declared=declared,
        edited_at=message.edit_date,
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
            context, lambda s: chat_store.chat_language(s, chat_id=chat.id), readonly=True
        )
    chosen = cache[chat.id]
    if chosen:
        return chosen
    user = update.effective_user
    if chat.type == Chat.PRIVATE and user is not None and user.language_code:
        return language(user.language_code)
    return context.bot_data.settings.pantau_language


@dataclass(frozen=True, slots=True)
class Request:
    """What every command handler reads first: who asks, the settings, the chat's language
    and the time."""

    caller: Caller
    settings: Settings
    lang: str
    now: datetime

    @property
    def linking(self) -> Linking:
        """This chat, linked by the caller now (/setup, /follow)."""
        return Linking(self.caller.chat_id, self.caller.chat_title, self.caller.user_id, self.now)


async def request_of(update: Update, context: Context, command: Command) -> Request:
    return Request(
        caller_of(update, command),
        context.bot_data.settings,
        await chat_lang(context, update),
        context.bot_data.clock(),
    )


async def read_tracker(
    context: Context, request: Request, read: Callable[[Session, Tracker], T]
) -> T:
    """A reading command's transaction: the table's check, then ``read`` on its tracker."""
    return await run_db(
        context,
        lambda s: read(s, resolve(s, request.settings, request.caller).tracker),
        readonly=True,
    )


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


@dataclass(frozen=True, slots=True)
class Here:
    """Where a command was sent and what the caller may do there (a tracker may be absent)."""

    place: Place
    tracker: Tracker | None
    role: Role | None
    rank: Rank


def is_operator(settings: Settings, user_id: int) -> bool:
    return user_id in settings.pantau_admin_ids


def may_create(settings: Settings, user_id: int) -> bool:
    """With PANTAU_ADMIN_IDS set only those people create trackers; without it, anyone may
    (and becomes the new tracker's admin: a single-team deployment)."""
    return not settings.pantau_admin_ids or is_operator(settings, user_id)


def effective_role(
    session: Session, settings: Settings, *, tracker_id: int, user_id: int
) -> Role | None:
    """A tracker role, or admin everywhere for the ids in ``PANTAU_ADMIN_IDS``."""
    if is_operator(settings, user_id):
        return Role.ADMIN
    return member_store.role_of(session, tracker_id=tracker_id, user_id=user_id)


def _own_tracker(session: Session, caller: Caller, *, required: bool) -> Tracker | None:
    """In a private chat that follows no tracker: the one active tracker the caller belongs
    to (or the one archived tracker, when that is all they have). With none or several, a
    refusal when ``required``, else None."""
    mine = tracker_store.trackers_of_user(session, user_id=caller.user_id) or (
        # Only archived ones: still readable (changes are refused by check()).
        tracker_store.trackers_of_user(session, user_id=caller.user_id, include_archived=True)
    )
    if len(mine) == 1:
        return mine[0]
    if not required:
        return None
    if not mine:
        raise UserError("not_member")
    keys = Html(", ".join(code(t.key) for t in mine))
    raise UserError("many_trackers", count=len(mine), keys=keys)


def chosen_tracker(
    session: Session, settings: Settings, chat_id: int, user_id: int
) -> Tracker | None:
    """The tracker /use chose for this private chat, while it is active and the person
    still belongs to it (None otherwise)."""
    tracker = checkins.chosen_tracker(session, chat_id=chat_id)
    if tracker is None or tracker.id is None or tracker.archived_at is not None:
        return None
    if effective_role(session, settings, tracker_id=tracker.id, user_id=user_id) is None:
        return None
    return tracker


def locate(session: Session, settings: Settings, caller: Caller, *, need_tracker: bool) -> Here:
    """The place a command was sent, its tracker and the caller's rank there.

    In a private chat: the tracker chosen with /use, else the one the chat follows, else the
    one tracker the person belongs to."""
    tracker = tracker_store.tracker_for_chat(session, chat_id=caller.chat_id)
    if caller.private:
        place = Place.PRIVATE if tracker is None else Place.PRIVATE_LINKED
        tracker = chosen_tracker(session, settings, caller.chat_id, caller.user_id) or tracker
        if tracker is None:
            tracker = _own_tracker(session, caller, required=need_tracker)
    else:
        place = Place.LINKED if tracker is not None else Place.UNLINKED
        if tracker is None and need_tracker:
            raise UserError("not_linked")
    role = (
        effective_role(session, settings, tracker_id=tracker.id, user_id=caller.user_id)
        if tracker is not None and tracker.id is not None
        else None
    )
    operator = is_operator(settings, caller.user_id)
    return Here(place, tracker, role, rank_of(role, operator=operator))


def admin_names(session: Session, tracker_id: int) -> str | None:
    names = []
    for user_id in member_store.admin_ids(session, tracker_id=tracker_id):
        seen = member_store.get_seen_user(session, user_id=user_id)
        if seen is None:
            names.append(str(user_id))
        else:
            handle = f" (@{seen.username})" if seen.username else ""
            names.append(f"{seen.display_name}{handle}")
    return ", ".join(names[:5]) or None


def check(session: Session, command: Command, here: Here, *, changing: bool) -> None:
    """Refuse unless the table allows ``command`` for this rank in this place: the one
    permission check every command goes through."""
    access = command.access(here.place)
    if access is None and here.place is not Place.PRIVATE and command.where.linked is None:
        raise UserError("private_only")  # a command of private chats only (/use)
    if access is None:
        raise UserError("not_linked" if here.place is Place.UNLINKED else "group_only")
    tracker = here.tracker
    if not access.allows(here.rank, changing=changing):
        need = access.need(changing=changing)
        if here.place is Place.PRIVATE and tracker is None:
            raise UserError("not_member")
        if tracker is None or need is Rank.OPERATOR:
            # The table asks for an operator only in a group that follows no tracker.
            raise UserError("only_operators")
        assert tracker.id is not None
        # Admins' names are for members: a stranger in the chat learns only whom to ask.
        names = admin_names(session, tracker.id) if here.rank >= Rank.REPORTER else None
        raise UserError(
            "need_role",
            who=msg("role_reporter_plural" if need is Rank.REPORTER else "role_admin_plural"),
            tracker=tracker.title,
            admins=names if names else msg("its_admins"),
            role=msg("role_reporter" if need is Rank.REPORTER else "role_admin"),
        )
    if (
        tracker is not None
        and tracker.archived_at is not None
        and (command.writes or (changing and not command.change_is_chat))
    ):
        raise UserError(
            "tracker_archived", tracker=tracker.title, restore=code(f"/restore {tracker.key}")
        )


def resolve(
    session: Session, settings: Settings, caller: Caller, *, changing: bool = False
) -> Scope:
    """The tracker this command acts on and the caller's role in it, refused unless the
    command table allows it (``changing``: the argument-taking form)."""
    here = locate(session, settings, caller, need_tracker=True)
    check(session, caller.declaration, here, changing=changing)
    assert here.tracker is not None
    return Scope(here.tracker, here.role)


def authorize(
    session: Session, settings: Settings, caller: Caller, *, changing: bool = False
) -> Here:
    """:func:`resolve` for commands that also work without a tracker (/help, /lang, /setup)."""
    here = locate(session, settings, caller, need_tracker=caller.declaration.needs_tracker)
    check(session, caller.declaration, here, changing=changing)
    return here


def authorize_followed(session: Session, settings: Settings, caller: Caller) -> None:
    """The table's check for moving this chat (/setup), made against the tracker the chat
    follows: never a tracker chosen with /use, and also one it followed until its link went
    dormant (the bot removed or blocked, then let back in).

    A dormant link does not make a chat "linked" for reading or notices, but moving it needs
    the same word as before: otherwise removing and re-adding the bot would open the
    managers' group to anyone who can create a tracker.
    """
    link = chat_store.get_link(session, chat_id=caller.chat_id)
    followed = (
        tracker_store.get_tracker_by_id(session, tracker_id=link.tracker_id)
        if link is not None
        else None
    )
    operator = is_operator(settings, caller.user_id)
    if followed is None or followed.id is None:
        place = Place.PRIVATE if caller.private else Place.UNLINKED
        here = Here(place, None, None, rank_of(None, operator=operator))
    else:
        role = effective_role(session, settings, tracker_id=followed.id, user_id=caller.user_id)
        place = Place.PRIVATE_LINKED if caller.private else Place.LINKED
        here = Here(place, followed, role, rank_of(role, operator=operator))
    check(session, caller.declaration, here, changing=False)


def authorize_key(
    session: Session, settings: Settings, caller: Caller, key: str
) -> Tracker | None:
    """The tracker named by a command's ``<key>`` when the caller holds the rank the table
    asks for in it; None when there is none and the command may create it.

    Everyone else gets one answer, whether the key exists or not: a stranger cannot probe
    for keys, titles or admins.
    """
    command = caller.declaration
    assert command.key_rank is not None
    tracker = tracker_store.get_tracker(session, key=key)
    if tracker is None:
        if command.creates and may_create(settings, caller.user_id):
            return None
    else:
        assert tracker.id is not None
        role = effective_role(session, settings, tracker_id=tracker.id, user_id=caller.user_id)
        operator = is_operator(settings, caller.user_id)
        if rank_of(role, operator=operator) >= command.key_rank:
            return tracker
    raise UserError(
        "key_refused",
        key=code(key),
        operators=msg("key_refused_operators") if settings.pantau_admin_ids else "",
    )


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
