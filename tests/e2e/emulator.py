"""A small Bot API server for end-to-end tests, following the Bot API documentation.

It serves ``/bot<token>/<method>`` over HTTP on 127.0.0.1 the way Telegram does for the
methods Pantau uses: ``getUpdates`` with offset confirmation and long polling (an update is
delivered again until a later offset confirms it — what makes crash tests meaningful),
``sendMessage`` checked like Telegram checks it (length, HTML entities), and the small
methods a bot calls at start. Unknown methods get Telegram's 404. Tests drive it in-process:
they post user messages, wait for the bot's replies, and inject faults (429 with
``retry_after``, 403, 500, a read timeout, 400 with ``migrate_to_chat_id``).

Why not the npm ``telegram-test-api``: see the README's "End-to-end tests" section.
"""

from __future__ import annotations

import contextlib
import functools
import threading
import time
from collections import deque
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bot.telegram_json import (
    Json,
    bot_message_json,
    callback_query_update,
    document_json,
    person_message_json,
)
from tests.e2e.emulator_api import BotAPI
from tests.e2e.emulator_state import BOT_ID, BOT_USERNAME, Chat, Fault, Sent, User

__all__ = [
    "BOT_ID",
    "BOT_USERNAME",
    "BotAPIEmulator",
    "Chat",
    "Fault",
    "Sent",
    "User",
    "message_update",
    "running",
]


@contextlib.contextmanager
def running(token: str) -> Iterator[BotAPIEmulator]:
    """An emulator serving ``token`` on a free port of 127.0.0.1 for the ``with`` block."""
    emulator = BotAPIEmulator(token)
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()


def message_update(update_id: int, text: str, *, user: User, chat: Chat) -> Json:
    """An update with a person's message, as Telegram posts it to a webhook (the message id
    is the update id: enough for tests that post a few by hand)."""
    message = person_message_json(
        message_id=update_id,
        date=int(time.time()),
        chat=chat.as_json(user),
        sender=user.as_json(),
        text=text,
    )
    return {"update_id": update_id, "message": message}


class BotAPIEmulator(BotAPI):
    """The emulator as a test drives it: people send and press, the test waits for what the
    bot sent and injects faults (the Bot API itself: tests/e2e/emulator_api.py)."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self._server: ThreadingHTTPServer | None = None

    # --- life ----------------------------------------------------------------------------------

    def start(self) -> str:
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                emulator._handle(self)

            do_GET = do_POST  # noqa: N815

            def log_message(self, *_args: Any) -> None:
                return  # quiet: the tests assert on what was sent, not on access logs

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        # A short poll: stop() waits for the loop to notice (half a second by default).
        serve = functools.partial(self._server.serve_forever, poll_interval=0.05)
        threading.Thread(target=serve, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # --- what a person does ----------------------------------------------------------------

    def send(
        self,
        text: str,
        *,
        user: User,
        chat: Chat,
        message_id: int | None = None,
        reply_to: tuple[User, int] | None = None,
        document: tuple[str, str, bytes] | None = None,
    ) -> dict[str, Any]:
        """A person sends a message; returns the update the bot will receive. ``document``
        (file id, name, content) sends a file with ``text`` as its caption."""
        self.chats[chat.id] = chat
        attached = None
        if document is not None:
            file_id, name, content = document
            self.uploads[file_id] = content
            attached = document_json(file_id, name, len(content))
        message = person_message_json(
            message_id=message_id or next(self._user_message_ids),
            date=int(time.time()),
            chat=chat.as_json(user),
            sender=user.as_json(),
            text=text,
            reply_to=(reply_to[0].as_json(), reply_to[1]) if reply_to is not None else None,
            document=attached,
        )
        with self._cv:
            update = {"update_id": next(self._update_ids), "message": message}
            self._updates.append(update)
            self._cv.notify_all()
        return update

    def wait_sent(self, predicate: Any, *, count: int = 1, timeout: float = 15.0) -> list[Sent]:
        """Wait until ``count`` sent messages satisfy ``predicate``; returns them."""
        deadline = time.monotonic() + timeout
        with self._cv:
            while True:
                found = [m for m in self.sent if predicate(m)]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    texts = [m.text[:60] for m in self.sent[-5:]]
                    raise TimeoutError(f"only {len(found)}/{count} messages; last: {texts}")
                self._cv.wait(left)

    def mark(self) -> int:
        """A point in the stream of sent messages (for :meth:`replies_to`)."""
        with self._cv:
            return len(self.sent)

    def replies_to(
        self, chat_id: int, message_id: int, *, since: int = 0, timeout: float = 15.0
    ) -> str:
        """The text of the bot's answer to one message (waiting for it).

        In groups the bot quotes the message it answers; in a private chat it does not, so
        there the answer is the first message to that chat after ``since``.
        """

        def answers(m: Sent) -> bool:
            if m.chat_id != chat_id:
                return False
            return m.reply_to == message_id or (chat_id > 0 and self.sent.index(m) >= since)

        return self.wait_sent(answers, timeout=timeout)[0].text

    def wait_for_call(self, method: str, count: int = 1, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        with self._cv:
            while sum(1 for m, _ in self.calls if m == method) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no {method} call within {timeout}s")
                self._cv.wait(left)

    def fail_next(self, method: str, fault: Fault, times: int = 1) -> None:
        with self._cv:
            self.faults.setdefault(method, deque()).extend([fault] * times)

    def pending_updates(self) -> int:
        with self._cv:
            return len(self._updates)

    def press(self, message: Sent, label: str, *, user: User) -> dict[str, Any]:
        """A person presses the button ``label`` under the bot's ``message``."""
        data = next((cb for row in message.buttons for text, cb in row if text == label), None)
        if data is None:
            raise AssertionError(f"no button {label!r} under message {message.message_id}")
        chat = self.chats.get(message.chat_id, Chat(message.chat_id, None))
        shown = bot_message_json(
            message_id=message.message_id,
            date=int(message.at),
            chat=chat.as_json(user),
            bot_id=BOT_ID,
            text=message.text,
            buttons=message.buttons,
        )
        with self._cv:
            update = callback_query_update(
                update_id=next(self._update_ids),
                query_id=f"cq{next(self._user_message_ids)}",
                sender=user.as_json(),
                message=shown,
                data=data,
            )
            self._updates.append(update)
            self._cv.notify_all()
        return update
