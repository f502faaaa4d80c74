"""An offline Bot API: the demo and the tests talk to this instead of Telegram.

``OfflineBotAPI`` is a ``telegram.request.BaseRequest`` that answers the methods Pantau calls
the way Telegram does, records every call, and refuses (and remembers) any method it does not
know, so a test fails instead of silently passing. ``UpdateFactory`` builds the ``Update``
objects a person would send.
"""

from __future__ import annotations

import html
import itertools
import json
import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from telegram import Update
from telegram.error import TimedOut
from telegram.ext import ExtBot
from telegram.request import BaseRequest, RequestData

BOT_ID = 123456789
BOT_USERNAME = "PantauBot"

_TAGS = re.compile(r"<[^>]+>")


def html_to_text(source: str) -> str:
    """What a person sees of an HTML message, without the styling."""
    return html.unescape(_TAGS.sub("", source))


@dataclass(frozen=True, slots=True)
class ApiCall:
    method: str
    params: dict[str, Any]


Keyboard = tuple[tuple[tuple[str, str], ...], ...]  # rows of (label, callback data)


@dataclass(frozen=True, slots=True)
class SentMessage:
    chat_id: int
    message_id: int
    html: str
    reply_to: int | None
    buttons: Keyboard = ()  # an inline keyboard under the message
    edited: bool = False  # an editMessageText of an earlier message

    @property
    def text(self) -> str:
        return html_to_text(self.html)

    @property
    def private(self) -> bool:
        return self.chat_id > 0

    def button_lines(self) -> list[str]:
        """The keyboard as a person sees it: ``[80%] [90%] [100%] [✍️ Other] [No change]``,
        one line per workstream (its title row, then its buttons)."""
        lines: list[str] = []
        for row in self.buttons:
            if len(row) == 1 and row[0][1].endswith(":h"):
                lines.append(f"— {row[0][0]} —")
                lines.append("")
                continue
            joined = " ".join(f"[{label}]" for label, _ in row)
            if lines and lines[-1] != "" and not lines[-1].startswith("—"):
                lines[-1] += " " + joined
            elif lines and lines[-1] == "":
                lines[-1] = joined
            else:
                lines.append(joined)
        return lines


def _keyboard(raw: Any) -> Keyboard:
    """The inline keyboard of a request's ``reply_markup`` (absent or another kind: none)."""
    if isinstance(raw, str):
        raw = json.loads(raw)
    if not isinstance(raw, dict) or "inline_keyboard" not in raw:
        return ()
    return tuple(
        tuple((str(b["text"]), str(b.get("callback_data", ""))) for b in row)
        for row in raw["inline_keyboard"]
    )


@dataclass(frozen=True, slots=True)
class SentFile:
    chat_id: int
    method: str  # sendPhoto | sendDocument
    filename: str
    content: bytes
    caption: str | None


@dataclass(slots=True)
class Fault:
    """An error answer for the next call of a method (HTTP status and Bot API payload)."""

    status: int
    description: str
    parameters: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def timeout(cls) -> Fault:
        """No answer in time: the transport raises ``TimedOut`` as httpx would."""
        return cls(0, "timed out")

    @classmethod
    def retry_after(cls, seconds: int) -> Fault:
        return cls(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})

    @classmethod
    def forbidden(cls) -> Fault:
        return cls(403, "Forbidden: bot was kicked from the supergroup chat")

    @classmethod
    def migrated(cls, new_chat_id: int) -> Fault:
        return cls(
            400,
            "Bad Request: group chat was upgraded to a supergroup chat",
            {"migrate_to_chat_id": new_chat_id},
        )

    def body(self) -> bytes:
        payload: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            payload["parameters"] = self.parameters
        return json.dumps(payload).encode()


class _ApiError(Exception):
    """A method's error answer (Telegram's 400s), raised inside an ``_api_*`` method."""

    def __init__(self, fault: Fault) -> None:
        super().__init__(fault.description)
        self.fault = fault


class OfflineBotAPI(BaseRequest):
    """Answers Bot API methods in-process; never opens a socket."""

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self.clock = clock or (lambda: datetime.now(UTC))
        self.calls: list[ApiCall] = []
        self.sent: list[SentMessage] = []
        self.files: list[SentFile] = []
        self.unknown: list[str] = []
        self.answers: list[str] = []  # the texts of answerCallbackQuery
        self.history: list[SentMessage] = []  # everything sent or edited, never taken
        self.faults: dict[str, deque[Fault]] = {}
        self._message_ids = itertools.count(1_000_000)
        # Files people sent, as getFile serves them: file_id → (unique id, size, content).
        self.uploads: dict[str, tuple[str, int, bytes]] = {}
        self.downloads: list[str] = []

    # BaseRequest's abstract interface -----------------------------------------------------

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,  # noqa: ARG002 (HTTP verb; every Bot API method is answered alike)
        request_data: RequestData | None = None,
        read_timeout: Any = None,  # noqa: ARG002
        write_timeout: Any = None,  # noqa: ARG002
        connect_timeout: Any = None,  # noqa: ARG002
        pool_timeout: Any = None,  # noqa: ARG002
    ) -> tuple[int, bytes]:
        if "/file/bot" in url:  # a file download (File.download_*), not a method
            return self._download(url.rsplit("/", 1)[-1])
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data is not None else {}
        self.calls.append(ApiCall(api_method, params))
        queued = self.faults.get(api_method)
        if queued:
            fault = queued.popleft()
            if fault.status == 0:
                raise TimedOut("offline API: simulated read timeout")
            return fault.status, fault.body()
        if api_method in ("sendPhoto", "sendDocument") and request_data is not None:
            return 200, self._file(api_method, params, request_data)
        answer = getattr(self, f"_api_{api_method}", None)
        if answer is None:
            self.unknown.append(api_method)
            return 400, Fault(400, f"Bad Request: offline API does not know {api_method}").body()
        try:
            result = answer(params)
        except _ApiError as refused:
            return refused.fault.status, refused.fault.body()
        return 200, json.dumps({"ok": True, "result": result}).encode()

    # Test controls ------------------------------------------------------------------------

    def fail_next(self, method: str, fault: Fault, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with ``fault``."""
        self.faults.setdefault(method, deque()).extend([fault] * times)

    def upload(self, file_id: str, content: bytes, *, size: int | None = None) -> str:
        """Make a file "sent by a person" available to getFile; its file_unique_id.

        ``size`` pretends a larger file (over the 20 MB limit) without the bytes."""
        unique = "u-" + file_id
        self.uploads[file_id] = (unique, size if size is not None else len(content), content)
        return unique

    def texts(self, chat_id: int | None = None) -> list[str]:
        return [m.text for m in self.sent if chat_id is None or m.chat_id == chat_id]

    def take(self) -> list[SentMessage]:
        """The messages sent since the last call."""
        sent, self.sent = self.sent, []
        self.history.extend(sent)
        return sent

    # Bot API methods ----------------------------------------------------------------------

    def _api_getMe(self, _params: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Pantau",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message_id = next(self._message_ids)
        reply = params.get("reply_parameters")
        reply_to = int(reply["message_id"]) if isinstance(reply, dict) else None
        text = str(params["text"])
        buttons = _keyboard(params.get("reply_markup"))
        self.sent.append(SentMessage(chat_id, message_id, text, reply_to, buttons))
        return self._message_json(chat_id, message_id, text, params)

    def _message_json(
        self, chat_id: int, message_id: int, text: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        result: dict[str, Any] = {
            "message_id": message_id,
            "date": int(self.clock().timestamp()),
            "chat": _chat(chat_id),
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Pantau"},
            "text": html_to_text(text) if params.get("parse_mode") == "HTML" else text,
        }
        markup = params.get("reply_markup")
        if markup:
            result["reply_markup"] = json.loads(markup) if isinstance(markup, str) else markup
        return result

    def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message_id = int(params["message_id"])
        text = str(params["text"])
        buttons = _keyboard(params.get("reply_markup"))
        self.sent.append(SentMessage(chat_id, message_id, text, None, buttons, edited=True))
        return self._message_json(chat_id, message_id, text, params)

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        self.answers.append(str(params.get("text") or ""))
        return True

    def find_button(
        self, label: str, *, chat_id: int | None = None, workstream: str | None = None
    ) -> tuple[SentMessage, str] | None:
        """The newest prompt and the callback data of its button ``label`` (under the title
        row that starts with ``workstream``, when given)."""
        prompt = self.last_prompt(chat_id)
        if prompt is None:
            return None
        under = workstream is None
        for row in prompt.buttons:
            if len(row) == 1 and row[0][1].endswith(":h"):
                under = workstream is None or row[0][0].startswith(workstream)
                continue
            for text, data in row:
                if under and text == label:
                    return prompt, data
        return None

    def last_prompt(self, chat_id: int | None = None) -> SentMessage | None:
        """The newest message with buttons (in ``chat_id``), as last sent or edited."""
        seen: set[tuple[int, int]] = set()
        for message in reversed([*self.history, *self.sent]):
            key = (message.chat_id, message.message_id)
            if key in seen:
                continue  # an older version of a message edited since
            seen.add(key)
            if message.buttons and (chat_id is None or message.chat_id == chat_id):
                return message
        return None

    def _file(self, method: str, params: dict[str, Any], request_data: RequestData) -> bytes:
        field_name = "photo" if method == "sendPhoto" else "document"
        parts = request_data.multipart_data
        filename, content = "file", b""
        for name, part in parts.items():
            if name == field_name or str(params.get(field_name, "")).endswith(name):
                filename = str(part[0] or "file")
                raw = part[1]
                content = raw if isinstance(raw, bytes) else raw.read()
        chat_id = int(params["chat_id"])
        caption = params.get("caption")
        self.files.append(SentFile(chat_id, method, filename, content, caption))
        message_id = next(self._message_ids)
        result: dict[str, Any] = {
            "message_id": message_id,
            "date": int(self.clock().timestamp()),
            "chat": _chat(chat_id),
            "caption": html_to_text(str(caption)) if caption else None,
        }
        if method == "sendPhoto":
            result["photo"] = [
                {
                    "file_id": f"p{message_id}",
                    "file_unique_id": f"u{message_id}",
                    "width": 1400,
                    "height": 900,
                }
            ]
        else:
            result["document"] = {
                "file_id": f"d{message_id}",
                "file_unique_id": f"u{message_id}",
                "file_name": filename,
            }
        return json.dumps({"ok": True, "result": result}).encode()

    def _api_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        """Telegram's answers: the file's path, or 400 for an unknown or too big file."""
        file_id = str(params["file_id"])
        known = self.uploads.get(file_id)
        if known is None:
            raise _ApiError(Fault(400, "Bad Request: invalid file_id"))
        unique, size, _content = known
        if size > 20 * 1024 * 1024:
            raise _ApiError(Fault(400, "Bad Request: file is too big"))
        return {
            "file_id": file_id,
            "file_unique_id": unique,
            "file_size": size,
            "file_path": f"documents/{file_id}",
        }

    def _download(self, file_id: str) -> tuple[int, bytes]:
        self.downloads.append(file_id)
        known = self.uploads.get(file_id)
        if known is None:
            return 404, b"Not Found"
        return 200, known[2]

    def _api_setMyCommands(self, _params: dict[str, Any]) -> bool:
        return True

    def _api_deleteMyCommands(self, _params: dict[str, Any]) -> bool:
        return True

    def _api_sendChatAction(self, _params: dict[str, Any]) -> bool:
        return True

    def _api_deleteWebhook(self, _params: dict[str, Any]) -> bool:
        return True

    def _api_getUpdates(self, _params: dict[str, Any]) -> list[Any]:
        return []


def _chat(chat_id: int, title: str | None = None) -> dict[str, Any]:
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": "User"}
    return {"id": chat_id, "type": "supergroup", "title": title or f"Group {chat_id}"}


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    is_bot: bool = False

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "is_bot": self.is_bot,
            "first_name": self.first_name,
        }
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        return data


@dataclass(frozen=True, slots=True)
class ChatRef:
    id: int
    title: str | None = None

    def as_json(self, person: Person) -> dict[str, Any]:
        if self.id > 0:
            return {"id": self.id, "type": "private", "first_name": person.first_name}
        return _chat(self.id, self.title)


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
        message: dict[str, Any] = {
            "message_id": message_id if message_id is not None else next(self._message_ids),
            "date": int((when or self.clock()).timestamp()),
            "chat": chat.as_json(sender),
            "from": sender.as_json(),
            "text": text,
        }
        command = re.match(r"^/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?", text)
        if command:
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": command.end()}]
        if reply_to is not None:
            author, replied_id = reply_to
            message["reply_to_message"] = {
                "message_id": replied_id,
                "date": message["date"],
                "chat": chat.as_json(sender),
                "from": author.as_json(),
                "text": "…",
            }
        if photo is not None or document is not None:
            caption = message.pop("text")
            if caption:
                message["caption"] = caption
            if "entities" in message:
                message["caption_entities"] = message.pop("entities")
            if photo is not None:
                file_id, size = photo
                message["photo"] = [
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
            if document is not None:
                file_id, name, mime, size = document
                message["document"] = {
                    "file_id": file_id,
                    "file_unique_id": f"u-{file_id}",
                    "file_name": name,
                    "mime_type": mime,
                    "file_size": size,
                }
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
        self, message: SentMessage, data: str, *, sender: Person, update_id: int | None = None
    ) -> Update:
        """A press on the button with callback ``data`` under the bot's ``message``."""
        raw_message: dict[str, Any] = {
            "message_id": message.message_id,
            "date": int(self.clock().timestamp()),
            "chat": ChatRef(message.chat_id).as_json(sender)
            if message.chat_id > 0
            else _chat(message.chat_id),
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Pantau"},
            "text": message.text,
            "reply_markup": {
                "inline_keyboard": [
                    [{"text": label, "callback_data": cb} for label, cb in row]
                    for row in message.buttons
                ]
            },
        }
        data_json = {
            "update_id": update_id if update_id is not None else next(self._update_ids),
            "callback_query": {
                "id": str(next(self._message_ids) + 10**9),
                "from": sender.as_json(),
                "chat_instance": str(message.chat_id),
                "message": raw_message,
                "data": data,
            },
        }
        update = Update.de_json(data_json, self.bot)
        assert update is not None
        return update
