"""The Bot API side of the emulator (tests/e2e/emulator.py): ``/bot<token>/<method>`` over
HTTP, answered as Telegram answers, from and into the emulator's state."""

from __future__ import annotations

import contextlib
import json
import re
import time
from email.parser import BytesParser
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from bot.telegram_json import (
    Json,
    Keyboard,
    bot_message_json,
    error_json,
    keyboard_of,
    me_json,
    visible_text,
)
from tests.e2e.emulator_state import (
    BOT_ID,
    BOT_USERNAME,
    Chat,
    EmulatorState,
    Fault,
    Sent,
    html_error,
)


class BotAPI(EmulatorState):
    """The methods Pantau calls, each ``_api_<method>``; unknown methods get Telegram's 404."""

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
