"""The Bot API's JSON objects, built in one place.

Two stand-ins for Telegram speak this JSON: the offline transport (``bot.offline``: the demo
and the in-process tests) and the end-to-end emulator (``tests/e2e/emulator.py``: the real
process over HTTP). Both build the messages a person sends and the answers Telegram gives
from these functions, so they cannot drift apart. Plain dictionaries, no PTB objects.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

Json = dict[str, Any]
Keyboard = tuple[tuple[tuple[str, str], ...], ...]  # rows of (label, callback data)

BOT_FIRST_NAME = "Pantau"
_TAGS = re.compile(r"<[^>]+>")
_COMMAND = re.compile(r"^/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?")


def visible_text(source: str) -> str:
    """What a person sees of an HTML message, without the styling."""
    return html.unescape(_TAGS.sub("", source))


def user_json(
    user_id: int,
    first_name: str,
    *,
    last_name: str | None = None,
    username: str | None = None,
    is_bot: bool = False,
) -> Json:
    data: Json = {"id": user_id, "is_bot": is_bot, "first_name": first_name}
    if last_name:
        data["last_name"] = last_name
    if username:
        data["username"] = username
    return data


def bot_json(bot_id: int) -> Json:
    """The bot as the author of its messages."""
    return {"id": bot_id, "is_bot": True, "first_name": BOT_FIRST_NAME}


def me_json(bot_id: int, username: str) -> Json:
    """getMe's answer."""
    return {
        **bot_json(bot_id),
        "username": username,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
    }


def private_chat_json(chat_id: int, first_name: str) -> Json:
    return {"id": chat_id, "type": "private", "first_name": first_name}


def group_chat_json(chat_id: int, title: str) -> Json:
    return {"id": chat_id, "type": "supergroup", "title": title}


def document_json(file_id: str, name: str, size: int, mime: str | None = None) -> Json:
    data: Json = {"file_id": file_id, "file_unique_id": f"u-{file_id}", "file_name": name}
    if mime is not None:
        data["mime_type"] = mime
    data["file_size"] = size
    return data


def person_message_json(
    *,
    message_id: int,
    date: int,
    chat: Json,
    sender: Json,
    text: str,
    reply_to: tuple[Json, int] | None = None,
    document: Json | None = None,
    photo: list[Json] | None = None,
) -> Json:
    """A message a person sends: a command in ``text`` is marked as Telegram marks it; with a
    ``document`` or ``photo``, ``text`` becomes its caption. ``reply_to`` (author, message id)
    quotes an earlier message."""
    message: Json = {
        "message_id": message_id,
        "date": date,
        "chat": chat,
        "from": sender,
        "text": text,
    }
    command = _COMMAND.match(text)
    if command:
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": command.end()}]
    if reply_to is not None:
        author, replied_id = reply_to
        message["reply_to_message"] = {
            "message_id": replied_id,
            "date": date,
            "chat": chat,
            "from": author,
            "text": "…",
        }
    if document is not None or photo is not None:
        caption = message.pop("text")
        if caption:
            message["caption"] = caption
        if "entities" in message:
            message["caption_entities"] = message.pop("entities")
        if photo is not None:
            message["photo"] = photo
        if document is not None:
            message["document"] = document
    return message


def inline_keyboard_json(buttons: Keyboard) -> Json:
    return {
        "inline_keyboard": [
            [{"text": label, "callback_data": data} for label, data in row] for row in buttons
        ]
    }


def keyboard_of(raw: Any) -> Keyboard:
    """The inline keyboard of a request's ``reply_markup`` (absent or another kind: none)."""
    if isinstance(raw, str):
        raw = json.loads(raw)
    if not isinstance(raw, dict) or "inline_keyboard" not in raw:
        return ()
    return tuple(
        tuple((str(b["text"]), str(b.get("callback_data", ""))) for b in row)
        for row in raw["inline_keyboard"]
    )


def bot_message_json(
    *, message_id: int, date: int, chat: Json, bot_id: int, text: str, buttons: Keyboard = ()
) -> Json:
    """A message of the bot as Telegram returns it (sendMessage, editMessageText) or shows it
    under a button press: ``text`` as a person sees it."""
    message: Json = {
        "message_id": message_id,
        "date": date,
        "chat": chat,
        "from": bot_json(bot_id),
        "text": text,
    }
    if buttons:
        message["reply_markup"] = inline_keyboard_json(buttons)
    return message


def callback_query_update(
    *, update_id: int, query_id: str, sender: Json, message: Json, data: str
) -> Json:
    """A press on the button with callback ``data`` under the bot's ``message``."""
    return {
        "update_id": update_id,
        "callback_query": {
            "id": query_id,
            "from": sender,
            "chat_instance": str(message["chat"]["id"]),
            "message": message,
            "data": data,
        },
    }


def error_json(status: int, description: str, parameters: Json | None = None) -> Json:
    """The Bot API's answer to a failed call."""
    payload: Json = {"ok": False, "error_code": status, "description": description}
    if parameters:
        payload["parameters"] = parameters
    return payload
