"""Telegram's HTML subset, as a test helper: which tags, properly nested, entities escaped."""

from __future__ import annotations

import re

ALLOWED = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "pre", "a",
    "tg-spoiler", "span", "blockquote", "tg-emoji",
}  # fmt: skip
_TAG = re.compile(r"<(/?)([a-zA-Z-]+)([^<>]*)>")
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")


def html_problem(text: str) -> str | None:
    """Why Telegram would refuse ``text`` in HTML parse mode, or None when it is fine."""
    stack: list[str] = []
    position = 0
    for match in _TAG.finditer(text):
        between = text[position : match.start()]
        if "<" in between or ">" in between:
            return f"unescaped < or > before {match.group(0)!r}"
        position = match.end()
        closing, name = match.group(1), match.group(2).lower()
        if name not in ALLOWED:
            return f"tag <{name}> is not in Telegram's subset"
        if closing:
            if not stack or stack.pop() != name:
                return f"</{name}> closes nothing open"
        else:
            stack.append(name)
    rest = text[position:]
    if "<" in rest or ">" in rest:
        return "unescaped < or > at the end"
    if stack:
        return f"<{stack[-1]}> is never closed"
    for amp in re.finditer("&", text):
        if not _ENTITY.match(text, amp.start()):
            return f"unescaped & at {amp.start()}"
    return None


def visible_length(text: str) -> int:
    plain = _TAG.sub("", text)
    return len(_ENTITY.sub("x", plain))
