"""What the Bot API emulator (tests/e2e/emulator.py) records and injects: the people and
chats of a test, the messages the bot sent, and the faults Telegram answers with."""

from __future__ import annotations

import itertools
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from bot.telegram_json import Json, Keyboard, group_chat_json, private_chat_json, user_json
from tests.telegram_html import html_problem

BOT_ID = 777000111
BOT_USERNAME = "PantauE2EBot"


def html_error(text: str) -> str | None:
    """Why Telegram would refuse ``text`` as HTML (its wording), or None."""
    problem = html_problem(text)
    return f"Bad Request: can't parse entities: {problem}" if problem else None


@dataclass
class Fault:
    status: int
    description: str
    parameters: dict[str, Any] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering: more than the client's timeout = a timeout
    chat_id: int | None = None  # only for calls to this chat

    @classmethod
    def retry_after(cls, seconds: int) -> Fault:
        return cls(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})

    @classmethod
    def forbidden(cls, chat_id: int | None = None) -> Fault:
        return cls(403, "Forbidden: bot was kicked from the supergroup chat", chat_id=chat_id)

    @classmethod
    def server_error(cls) -> Fault:
        return cls(500, "Internal Server Error")

    @classmethod
    def timeout(cls, seconds: float) -> Fault:
        """Answer nothing for ``seconds``, then fail: the message is not delivered."""
        return cls(504, "Gateway Timeout", delay=seconds)

    @classmethod
    def migrated(cls, new_chat_id: int, chat_id: int | None = None) -> Fault:
        return cls(
            400,
            "Bad Request: group chat was upgraded to a supergroup chat",
            {"migrate_to_chat_id": new_chat_id},
            chat_id=chat_id,
        )


@dataclass(frozen=True)
class Sent:
    chat_id: int
    message_id: int
    text: str  # as the person sees it
    html: str
    reply_to: int | None
    at: float
    buttons: Keyboard = ()  # an inline keyboard under the message
    edited: bool = False  # an editMessageText of an earlier message


@dataclass(frozen=True)
class User:
    id: int
    first_name: str
    username: str | None = None

    def as_json(self) -> Json:
        return user_json(self.id, self.first_name, username=self.username)


@dataclass(frozen=True)
class Chat:
    id: int
    title: str | None = None  # None: a private chat

    def as_json(self, user: User | None = None) -> Json:
        if self.title is None:
            return private_chat_json(self.id, user.first_name if user else "U")
        return group_chat_json(self.id, self.title)


class EmulatorState:
    """What the emulator holds: updates waiting for the bot, what the bot sent, the faults
    to inject. Every field is read and written under ``_cv``."""

    def __init__(self, token: str) -> None:
        self.token = token
        self._cv = threading.Condition()
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._user_message_ids = itertools.count(1)
        self._bot_message_ids = itertools.count(100_000)
        self.sent: list[Sent] = []
        # chat, kind, name, bytes, caption, time sent
        self.files: list[tuple[int, str, str, bytes, str, float]] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.delivered: set[int] = set()  # update ids handed to the bot at least once
        self.confirmed_below = 0  # every update id below this was confirmed by an offset
        self.faults: dict[str, deque[Fault]] = {}
        self.chats: dict[int, Chat] = {}
        self.webhook: dict[str, Any] = {}
        # Files people sent, as getFile and the file URL serve them: file_id → content.
        self.uploads: dict[str, bytes] = {}
        self.url = ""
