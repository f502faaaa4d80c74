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
import itertools
import json
import re
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from bot.telegram_json import (
    Json,
    Keyboard,
    bot_message_json,
    callback_query_update,
    document_json,
    error_json,
    group_chat_json,
    keyboard_of,
    me_json,
    person_message_json,
    private_chat_json,
    user_json,
    visible_text,
)
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


class BotAPIEmulator:
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
        self._server: ThreadingHTTPServer | None = None
        self.url = ""

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
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
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

    # --- the Bot API -------------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        path = urlparse(request.path)
        match = re.fullmatch(r"/bot([^/]+)/([A-Za-z]+)", path.path)
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        # PTB percent-encodes the file URL's path (the token's colon too), as browsers do.
        download = re.fullmatch(r"/file/bot([^/]+)/documents/(.+)", unquote(path.path))
        if download is not None:  # a file download, as https://api.telegram.org/file/bot…
            content = (
                self.uploads.get(download.group(2)) if download.group(1) == self.token else None
            )
            return self._raw(request, 200 if content is not None else 404, content or b"")
        if match is None:
            return self._reply(request, 404, error_json(404, "Not Found"))
        if match.group(1) != self.token:
            return self._reply(request, 401, error_json(401, "Unauthorized"))
        method = match.group(2)
        params = self._params(request, body, path.query)
        with self._cv:
            self.calls.append((method, params))
            self._cv.notify_all()
            fault = self._take_fault(method, params)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            payload = error_json(fault.status, fault.description, fault.parameters)
            return self._reply(request, fault.status, payload)
        answer = getattr(self, f"_api_{method}", None)
        if answer is None:
            return self._reply(request, 404, error_json(404, "Not Found"))
        try:
            result = answer(params)
        except _ApiError as exc:
            return self._reply(request, 400, error_json(400, str(exc)))
        return self._reply(request, 200, {"ok": True, "result": result})

    def _take_fault(self, method: str, params: dict[str, Any]) -> Fault | None:
        queued = self.faults.get(method)
        if not queued:
            return None
        fault = queued[0]
        if fault.chat_id is not None and _int(params.get("chat_id")) != fault.chat_id:
            return None
        return queued.popleft()

    @staticmethod
    def _params(request: BaseHTTPRequestHandler, body: bytes, query: str) -> dict[str, Any]:
        params: dict[str, Any] = {k: v[-1] for k, v in parse_qs(query).items()}
        content_type = request.headers.get("Content-Type", "")
        if body and "application/json" in content_type:
            params.update(json.loads(body))
        elif body and "x-www-form-urlencoded" in content_type:
            params.update({k: v[-1] for k, v in parse_qs(body.decode()).items()})
        elif body and "multipart/form-data" in content_type:
            head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
            message = BytesParser(policy=default_policy).parsebytes(head + body)
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                payload = part.get_payload(decode=True)
                assert isinstance(payload, bytes)
                if part.get_filename():
                    params[f"file:{name}"] = (part.get_filename(), payload)
                else:
                    params[str(name)] = payload.decode()
        for key, value in list(params.items()):  # nested objects arrive JSON-encoded
            if isinstance(value, str) and value[:1] in "[{":
                with contextlib.suppress(ValueError):
                    params[key] = json.loads(value)
        return params

    @staticmethod
    def _raw(request: BaseHTTPRequestHandler, status: int, data: bytes) -> None:
        request.send_response(status)
        request.send_header("Content-Type", "application/octet-stream")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)

    @staticmethod
    def _reply(request: BaseHTTPRequestHandler, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        try:
            request.send_response(status)
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(data)))
            request.end_headers()
            request.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout)
            pass

    def _api_getFile(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        """Telegram's answer: the file's path (20 MB at most), or 400."""
        file_id = str(params.get("file_id"))
        content = self.uploads.get(file_id)
        if content is None:
            raise _ApiError("Bad Request: invalid file_id")
        if len(content) > 20 * 1024 * 1024:
            raise _ApiError("Bad Request: file is too big")
        return {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "file_size": len(content),
            "file_path": f"documents/{file_id}",
        }

    def _api_getMe(self, _params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return me_json(BOT_ID, BOT_USERNAME)

    def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:  # noqa: N802
        offset = _int(params.get("offset")) or 0
        limit = min(_int(params.get("limit")) or 100, 100)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        with self._cv:
            if offset > 0:  # confirms every update below it: Telegram forgets them
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                self.confirmed_below = max(self.confirmed_below, offset)
            while not self._updates and time.monotonic() < deadline:
                self._cv.wait(deadline - time.monotonic())
            batch = self._updates[:limit]
            self.delivered.update(u["update_id"] for u in batch)
            return batch

    def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        chat_id = _int(params.get("chat_id"))
        text = str(params.get("text") or "")
        if chat_id is None:
            raise _ApiError("Bad Request: chat not found")
        if not text.strip():
            raise _ApiError("Bad Request: message text is empty")
        if params.get("parse_mode") == "HTML":
            error = html_error(text)
            if error:
                raise _ApiError(error)
            visible = visible_text(text)
        else:
            visible = text
        if len(visible) > 4096:
            raise _ApiError("Bad Request: message is too long")
        reply = params.get("reply_parameters") or {}
        reply_to = _int(reply.get("message_id")) if isinstance(reply, dict) else None
        if reply_to is None:
            reply_to = _int(params.get("reply_to_message_id"))
        buttons = _buttons(params.get("reply_markup"))
        with self._cv:
            message_id = next(self._bot_message_ids)
            self.sent.append(
                Sent(chat_id, message_id, visible, text, reply_to, time.time(), buttons)
            )
            self._cv.notify_all()
        return self._bot_message(chat_id, message_id, visible)

    def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        chat_id = _int(params.get("chat_id"))
        message_id = _int(params.get("message_id"))
        text = str(params.get("text") or "")
        if chat_id is None or message_id is None:
            raise _ApiError("Bad Request: message to edit not found")
        error = html_error(text) if params.get("parse_mode") == "HTML" else None
        if error:
            raise _ApiError(error)
        visible = visible_text(text) if params.get("parse_mode") == "HTML" else text
        buttons = _buttons(params.get("reply_markup"))
        with self._cv:
            self.sent.append(
                Sent(chat_id, message_id, visible, text, None, time.time(), buttons, True)
            )
            self._cv.notify_all()
        return self._bot_message(chat_id, message_id, visible)

    def _bot_message(self, chat_id: int, message_id: int, visible: str) -> Json:
        """The message Telegram returns for a sent or edited one."""
        chat = self.chats.get(chat_id, Chat(chat_id, None if chat_id > 0 else "Group"))
        return bot_message_json(
            message_id=message_id,
            date=int(time.time()),
            chat=chat.as_json(),
            bot_id=BOT_ID,
            text=visible,
        )

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:  # noqa: N802
        if not params.get("callback_query_id"):
            raise _ApiError("Bad Request: query is too old and response timeout expired")
        return True

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

    def _api_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return self._file(params, "photo")

    def _api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return self._file(params, "document")

    def _file(self, params: dict[str, Any], kind: str) -> dict[str, Any]:
        chat_id = _int(params.get("chat_id"))
        attached = next((v for k, v in params.items() if k.startswith("file:")), None)
        if chat_id is None or attached is None:
            raise _ApiError(f"Bad Request: there is no {kind} in the request")
        filename, content = attached
        caption = str(params.get("caption") or "")
        with self._cv:
            message_id = next(self._bot_message_ids)
            self.files.append(
                (chat_id, kind, filename, content, visible_text(caption), time.time())
            )
            self._cv.notify_all()
        result: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self.chats.get(chat_id, Chat(chat_id, "Group")).as_json(),
            "caption": visible_text(caption),
        }
        if kind == "photo":
            result["photo"] = [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]
        else:
            result["document"] = {"file_id": "d", "file_unique_id": "d", "file_name": filename}
        return result

    def _api_setMyCommands(self, _params: dict[str, Any]) -> bool:  # noqa: N802
        return True

    def _api_deleteMyCommands(self, _params: dict[str, Any]) -> bool:  # noqa: N802
        return True

    def _api_sendChatAction(self, _params: dict[str, Any]) -> bool:  # noqa: N802
        return True

    def _api_deleteWebhook(self, _params: dict[str, Any]) -> bool:  # noqa: N802
        self.webhook = {}
        return True

    def _api_setWebhook(self, params: dict[str, Any]) -> bool:  # noqa: N802
        self.webhook = dict(params)
        return True

    def _api_getWebhookInfo(self, _params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    def _api_close(self, _params: dict[str, Any]) -> bool:
        return True


class _ApiError(Exception):
    pass


def _buttons(raw: Any) -> Keyboard:
    """An inline keyboard's rows of (label, callback data); none for other markups."""
    keyboard = keyboard_of(raw)
    if any(len(data.encode()) > 64 for row in keyboard for _, data in row):
        raise _ApiError("Bad Request: BUTTON_DATA_INVALID")  # as Telegram refuses it
    return keyboard


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
