"""Telegram HTML helpers: splitting long replies without breaking tags or entities."""

from __future__ import annotations

import re

TELEGRAM_TEXT_LIMIT = 4096

_TOKEN = re.compile(r"<[^>]*>|&[#A-Za-z0-9]+;|[^<&]", re.DOTALL)
_TAG = re.compile(r"^<(/?)([A-Za-z-]+)")


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _split_line(line: str, limit: int) -> list[str]:
    """Cut one over-long line at token boundaries, closing and reopening open tags."""
    pieces: list[str] = []
    stack: list[tuple[str, str]] = []  # (tag name, the full opening tag)
    current = ""
    for token in _tokens(line):
        tag = _TAG.match(token)
        after = list(stack)
        if tag and tag.group(1):
            if after and after[-1][0] == tag.group(2):
                after.pop()
        elif tag:
            after.append((tag.group(2), token))
        closing = "".join(f"</{name}>" for name, _ in reversed(after))
        if current and len(current) + len(token) + len(closing) > limit:
            pieces.append(current + "".join(f"</{name}>" for name, _ in reversed(stack)))
            current = "".join(opening for _, opening in stack)
        current += token
        stack = after
    if current:
        pieces.append(current)
    return pieces


def split_html(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Split a reply into messages of at most ``limit`` characters, preferring line breaks.

    Renderers keep tags balanced within a line, so cutting between lines is always safe; a
    single line longer than the limit is cut between tokens with its tags closed and reopened.
    """
    if len(text) <= limit:
        return [text]
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        parts = [line] if len(line) <= limit else _split_line(line, limit)
        for part in parts:
            candidate = f"{current}\n{part}" if current else part
            if len(candidate) <= limit:
                current = candidate
            else:
                if current.strip():
                    chunks.append(current)
                current = part
    if current.strip():
        chunks.append(current)
    return chunks
