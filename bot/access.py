"""What one command declares about itself, and the one function that decides who may use it.

The declarations themselves are the table in ``bot/commands.py``; this module holds their
types and the rules that read them, so handlers (which ``bot/commands.py`` imports) can use
them without an import cycle.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Any, TypedDict, Unpack

from telegram import Update

from domain.i18n import t
from domain.views import Role


class Place(StrEnum):
    """Where a command is sent, as far as permissions go."""

    LINKED = "linked group"  # a group that follows a tracker
    UNLINKED = "unlinked group"  # a group that follows none
    PRIVATE = "private chat"  # a private chat with the bot that follows no tracker
    PRIVATE_LINKED = "private chat that follows a tracker"


class Rank(IntEnum):
    """How much a person may do in the tracker a command is about; each covers those below."""

    NONE = 0  # no role (anyone in the chat)
    REPORTER = 1
    ADMIN = 2
    OPERATOR = 3  # an id in PANTAU_ADMIN_IDS: admin of every tracker


def rank_of(role: Role | None, *, operator: bool) -> Rank:
    if operator:
        return Rank.OPERATOR
    if role is Role.ADMIN:
        return Rank.ADMIN
    if role is Role.REPORTER:
        return Rank.REPORTER
    return Rank.NONE


@dataclass(frozen=True, slots=True)
class Access:
    """Who may use a command in one kind of place.

    ``use`` covers the command as a whole; ``change`` its argument-taking form when that form
    changes something the bare form only shows (``/deadline`` vs ``/deadline 2024-05-01``).
    """

    use: Rank
    change: Rank | None = None

    def need(self, *, changing: bool) -> Rank:
        return self.change if changing and self.change is not None else self.use

    def allows(self, rank: Rank, *, changing: bool) -> bool:
        return rank >= self.need(changing=changing)


@dataclass(frozen=True, slots=True)
class HelpLine:
    """One line of /help: the catalogue keys of its usage as typed (HTML: ``/update
    <komponen> …`` in Indonesian) and of its description, and whether it is the change form
    (shown only to who may change)."""

    usage_key: str
    key: str
    change: bool = False

    @property
    def usage(self) -> str:
        """The usage as the command table's English reads it (the README, the tests)."""
        return t("en", self.usage_key)

    def shown(self, lang: str) -> str:
        """The usage in the reader's language (HTML)."""
        return t(lang, self.usage_key)


@dataclass(frozen=True, slots=True)
class Where:
    """Who may use a command in each kind of place (None: it does not work there).

    ``private`` covers every private chat unless ``private_linked`` says otherwise for one
    that follows a tracker (``/setup``: moving it needs that tracker's admins, as in a group).
    """

    linked: Access | None
    unlinked: Access | None
    private: Access | None
    private_linked: Access | None = None


Handler = Callable[[Update, Any, "Command"], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Command:
    """Everything Pantau knows about one command: registration, /help, the menus and every
    permission check are read from here.

    ``where`` says who may use it in each kind of place. In a private chat, rank is the
    person's role in the tracker the chat follows, or in the one tracker they belong to.
    ``key_rank`` is the rank needed in the tracker named by the command's ``<key>`` argument
    (``/setup``, ``/archive``, ``/restore``); ``creates`` lets a missing key create a tracker
    (operators only when PANTAU_ADMIN_IDS is set; anyone otherwise). ``writes`` marks a bare
    form that changes or sends for the tracker, refused while it is archived (the change form
    always is, unless ``change_is_chat``: it changes only the chat).
    """

    name: str
    handler: Handler
    help: tuple[HelpLine, ...]
    where: Where
    menu_key: str | None = None  # in the command menu, described by this catalogue entry
    edit_handler: Handler | None = None  # what an edited message with this command does
    key_rank: Rank | None = None
    creates: bool = False
    writes: bool = False
    change_is_chat: bool = False

    def access(self, place: Place) -> Access | None:
        if place is Place.LINKED:
            return self.where.linked
        if place is Place.UNLINKED:
            return self.where.unlinked
        if place is Place.PRIVATE_LINKED and self.where.private_linked is not None:
            return self.where.private_linked
        return self.where.private

    def allows(self, place: Place, rank: Rank, *, changing: bool = False) -> bool:
        access = self.access(place)
        return access is not None and access.allows(rank, changing=changing)

    @property
    def needs_tracker(self) -> bool:
        """Acts on the chat's tracker: refused where there is none to find."""
        return self.where.unlinked is None

    def help_lines(self, place: Place, rank: Rank) -> list[HelpLine]:
        """The lines of /help this rank may use here."""
        access = self.access(place)
        if access is None:
            return []
        return [line for line in self.help if access.allows(rank, changing=line.change)]


class Options(TypedDict, total=False):
    """What a row of the command table may add to its name, handler, place and help."""

    menu_key: str
    edit_handler: Handler
    key_rank: Rank
    creates: bool
    writes: bool
    change_is_chat: bool


def command(
    name: str, handler: Handler, where: Where, *help: HelpLine, **options: Unpack[Options]
) -> Command:
    """A row of the command table: its /help lines follow where it works, in /help's order."""
    return Command(name, handler, help, where, **options)


def bind(command: Command, handler: Handler) -> Callable[[Update, Any], Coroutine[Any, Any, None]]:
    """A PTB callback that hands its command's declaration to the handler."""

    async def callback(update: Update, context: Any) -> None:
        await handler(update, context, command)

    callback.__name__ = f"{command.name}:{getattr(handler, '__name__', 'handler')}"
    return callback


def help_lines(
    commands: Sequence[Command], place: Place, rank: Rank, *, can_create: bool
) -> list[HelpLine]:
    """Every /help line this rank may use in this place, in table order.

    Commands about a named tracker (``/setup``, ``/archive``) are listed to who holds their
    rank here, and ``/setup`` also where its caller may create a tracker.
    """
    lines: list[HelpLine] = []
    for command in commands:
        named_tracker_beyond_rank = command.key_rank is not None and rank < command.key_rank
        if named_tracker_beyond_rank and not (
            command.creates and can_create and command.allows(place, rank)
        ):
            continue
        lines.extend(command.help_lines(place, rank))
    return lines
