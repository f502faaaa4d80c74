"""An offline Bot API: the demo and the tests talk to this instead of Telegram.

``OfflineBotAPI`` is a ``telegram.request.BaseRequest`` that answers the methods Pantau calls
the way Telegram does, records every call, and refuses (and remembers) any method it does not
know, so a test fails instead of silently passing. ``UpdateFactory`` (``bot.offline_updates``,
named here too) builds the ``Update`` objects a person would send.
"""

from __future__ import annotations

import itertools
import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

from bot.offline_updates import BOT_ID, ChatRef, Person, UpdateFactory, chat_json
from bot.telegram_json import Keyboard, bot_message_json, error_json, keyboard_of, me_json
from bot.telegram_json import visible_text as html_to_text

__all__ = [
    "BOT_ID",
    "BOT_USERNAME",
    "ApiCall",
    "ChatRef",
    "Fault",
    "OfflineBotAPI",
    "Person",
    "SentFile",
    "SentMessage",
    "UpdateFactory",
    "html_to_text",
]

BOT_USERNAME = "PantauBot"


@dataclass(frozen=True, slots=True)
class ApiCall:
    method: str
    params: dict[str, Any]


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
        return json.dumps(error_json(self.status, self.description, self.parameters)).encode()


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
        return me_json(BOT_ID, BOT_USERNAME)

    def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message_id = next(self._message_ids)
        reply = params.get("reply_parameters")
        reply_to = int(reply["message_id"]) if isinstance(reply, dict) else None
        text = str(params["text"])
        buttons = keyboard_of(params.get("reply_markup"))
        self.sent.append(SentMessage(chat_id, message_id, text, reply_to, buttons))
        return self._message_json(chat_id, message_id, text, params)

    def _message_json(
        self, chat_id: int, message_id: int, text: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        return bot_message_json(
            message_id=message_id,
            date=int(self.clock().timestamp()),
            chat=chat_json(chat_id),
            bot_id=BOT_ID,
            text=html_to_text(text) if params.get("parse_mode") == "HTML" else text,
            buttons=keyboard_of(params.get("reply_markup")),
        )

    def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message_id = int(params["message_id"])
        text = str(params["text"])
        buttons = keyboard_of(params.get("reply_markup"))
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
            "chat": chat_json(chat_id),
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
