"""The updates a person would send to the offline Bot API (``bot.offline``): people, chats,
messages with their commands, files and quotes, and presses on the bot's buttons."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from telegram import Update
from telegram.ext import ExtBot

from bot.telegram_json import (
    Json,
    Keyboard,
    bot_message_json,
    callback_query_update,
    document_json,
    group_chat_json,
    person_message_json,
    private_chat_json,
    user_json,
)

BOT_ID = 123456789


class ShownMessage(Protocol):
    """A message of the bot as a person sees it (``bot.offline.SentMessage``)."""

    @property
    def chat_id(self) -> int: ...
    @property
    def message_id(self) -> int: ...
    @property
    def text(self) -> str: ...
    @property
    def buttons(self) -> Keyboard: ...


def chat_json(chat_id: int, title: str | None = None, first_name: str = "User") -> Json:
    """A chat as the offline API shows it: positive ids are private chats."""
    if chat_id > 0:
        return private_chat_json(chat_id, first_name)
    return group_chat_json(chat_id, title or f"Group {chat_id}")


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    is_bot: bool = False

    def as_json(self) -> Json:
        return user_json(
            self.id,
            self.first_name,
            last_name=self.last_name,
            username=self.username,
            is_bot=self.is_bot,
        )


@dataclass(frozen=True, slots=True)
class ChatRef:
    id: int
    title: str | None = None

    def as_json(self, person: Person) -> Json:
        return chat_json(self.id, self.title, person.first_name)


class UpdateFactory:
    """Builds the updates a person would send, with increasing update and message ids."""

    def __init__(
        self,
        bot: ExtBot[Any],
        clock: Callable[[], datetime] | None = None,
        *,
        first_update_id: int = 1,
        first_message_id: int = 1,
    ) -> None:
        self.bot = bot
        self.clock = clock or (lambda: datetime.now(UTC))
        # A restarted demo continues after the ids its database has seen: a message id used
        # again would be taken for the same message ("already recorded").
        self._update_ids = itertools.count(first_update_id)
        self._message_ids = itertools.count(first_message_id)

    def message(
        self,
        text: str,
        *,
        sender: Person,
        chat: ChatRef,
        message_id: int | None = None,
        update_id: int | None = None,
        reply_to: tuple[Person, int] | None = None,
        edited: bool = False,
        when: datetime | None = None,
        edit_date: datetime | None = None,
        sender_chat: ChatRef | None = None,
        photo: tuple[str, int] | None = None,
        document: tuple[str, str, str, int] | None = None,
    ) -> Update:
        """A message (``edited``: an edit of it, sent at ``when`` and edited at ``edit_date``,
        both the clock's time by default). ``sender_chat``: sent on behalf of a chat, as
        Telegram marks anonymous admins and channels. ``photo`` (file id, size) or ``document``
        (file id, name, MIME type, size) make it a file message with ``text`` as its caption
        (register the content with ``OfflineBotAPI.upload``)."""
        message = person_message_json(
            message_id=message_id if message_id is not None else next(self._message_ids),
            date=int((when or self.clock()).timestamp()),
            chat=chat.as_json(sender),
            sender=sender.as_json(),
            text=text,
            reply_to=(reply_to[0].as_json(), reply_to[1]) if reply_to is not None else None,
            photo=_photo_sizes(*photo) if photo is not None else None,
            document=_document(*document) if document is not None else None,
        )
        if edited:
            message["edit_date"] = int((edit_date or self.clock()).timestamp())
        if sender_chat is not None:
            message["sender_chat"] = sender_chat.as_json(sender)
        data = {
            "update_id": update_id if update_id is not None else next(self._update_ids),
            "edited_message" if edited else "message": message,
        }
        update = Update.de_json(data, self.bot)
        assert update is not None
        return update

    def tap(
        self, message: ShownMessage, data: str, *, sender: Person, update_id: int | None = None
    ) -> Update:
        """A press on the button with callback ``data`` under the bot's ``message``."""
        shown = bot_message_json(
            message_id=message.message_id,
            date=int(self.clock().timestamp()),
            chat=chat_json(message.chat_id, first_name=sender.first_name),
            bot_id=BOT_ID,
            text=message.text,
            buttons=message.buttons,
        )
        update = Update.de_json(
            callback_query_update(
                update_id=update_id if update_id is not None else next(self._update_ids),
                query_id=str(next(self._message_ids) + 10**9),
                sender=sender.as_json(),
                message=shown,
                data=data,
            ),
            self.bot,
        )
        assert update is not None
        return update


def _document(file_id: str, name: str, mime: str, size: int) -> Json:
    return document_json(file_id, name, size, mime)


def _photo_sizes(file_id: str, size: int) -> list[Json]:
    """A photo as Telegram sends it: a thumbnail, then the full size."""
    return [
        {
            "file_id": f"{file_id}-s",
            "file_unique_id": f"u-{file_id}-s",
            "width": 90,
            "height": 90,
            "file_size": 1000,
        },
        {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "width": 1280,
            "height": 960,
            "file_size": size,
        },
    ]
