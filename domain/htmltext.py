"""Telegram HTML helpers: splitting long replies without breaking tags or entities."""

from __future__ import annotations

import re
from dataclasses import dataclass

TELEGRAM_TEXT_LIMIT = 4096

_TOKEN = re.compile(r"<[^>]*>|&[#A-Za-z0-9]+;|[^<&]", re.DOTALL)
_TAG = re.compile(r"^<(/?)([A-Za-z-]+)")

# Where a reply may be cut, best first. A line that starts with a space continues the one
# before it (a report's note, a workstream's "└ who, when" line), so the best cut is before a
# line that does not, outside every tag: a report then never loses its note to the next message.
_BLOCK, _LINE, _LINE_IN_TAG, _SPACE, _ANYWHERE = range(5)


def units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP counts two)."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(slots=True)
class _Piece:
    """A message being filled: its tokens, the tags open after each, and where it may be cut."""

    opening: str  # tags reopened from the previous piece
    tokens: list[str]
    stacks: list[tuple[tuple[str, str], ...]]  # (name, opening tag) open after each token
    size: int  # units of opening + tokens
    cuts: list[tuple[int, int]]  # (rank, index of the token the piece would end before)


def _closing(stack: tuple[tuple[str, str], ...]) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def _push(stack: tuple[tuple[str, str], ...], token: str) -> tuple[tuple[str, str], ...]:
    tag = _TAG.match(token)
    if tag is None:
        return stack
    if tag.group(1):
        return stack[:-1] if stack and stack[-1][0] == tag.group(2) else stack
    return (*stack, (tag.group(2), token))


def _visible(tokens: list[str]) -> bool:
    return any(not token.startswith("<") and not token.isspace() for token in tokens)


def split_html(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Split a reply into messages of at most ``limit`` UTF-16 units, each valid on its own.

    Tags stay balanced in every piece whatever the text holds (a note's line breaks inside
    ``<i>…</i>`` included): a tag open at a cut is closed before it and reopened after it.
    Cuts fall, in order of preference, before a line that starts a new entry, at a line break
    outside tags, at a line break inside tags, after a space, and only then between any two
    characters (never inside a tag or an entity). Pieces with nothing visible are dropped.
    ``limit`` must leave room for the tags open at a cut plus one character: Pantau's replies
    nest at most two short tags, far below Telegram's 4,096.
    """
    if units(text) <= limit:
        return [text]
    pieces: list[str] = []
    piece = _Piece("", [], [], 0, [])
    stack: tuple[tuple[str, str], ...] = ()
    for token in _tokens(text):
        after = _push(stack, token)
        size = units(token)
        while piece.tokens and piece.size + size + units(_closing(after)) > limit:
            piece = _cut(piece, pieces)
        _mark_cut(piece, token, stack)
        piece.tokens.append(token)
        piece.stacks.append(after)
        piece.size += size
        stack = after
    if piece.tokens:
        _emit(piece, len(piece.tokens), pieces)
    return pieces


def _mark_cut(piece: _Piece, token: str, stack: tuple[tuple[str, str], ...]) -> None:
    """Record where the piece could end before ``token``, and how good a place that is."""
    index = len(piece.tokens)
    if index == 0:
        return
    previous = piece.tokens[-1]
    if previous == "\n":
        if stack:
            rank = _LINE_IN_TAG
        elif token.isspace():
            rank = _LINE
        else:
            rank = _BLOCK
        piece.cuts.append((rank, index - 1))  # the line break itself is dropped
    elif previous == " ":
        piece.cuts.append((_SPACE, index))
    else:
        piece.cuts.append((_ANYWHERE, index))


def _cut(piece: _Piece, pieces: list[str]) -> _Piece:
    """End the piece at its best cut; the rest starts the next piece."""
    usable = [(rank, index) for rank, index in piece.cuts if index > 0]
    if usable:
        best = min(rank for rank, _ in usable)
        index = max(index for rank, index in usable if rank == best)
    else:
        best, index = _ANYWHERE, len(piece.tokens)  # one token: nothing to cut inside
    stack = piece.stacks[index - 1]
    rest = list(zip(piece.tokens[index:], piece.stacks[index:], strict=True))
    if best in (_BLOCK, _LINE, _LINE_IN_TAG):
        rest = rest[1:]  # the line break itself: the next message starts a line anyway
    _emit(piece, index, pieces)
    opening = "".join(tag for _, tag in stack)
    fresh = _Piece(opening, [], [], units(opening), [])
    running = stack
    for token, after in rest:
        _mark_cut(fresh, token, running)
        fresh.tokens.append(token)
        fresh.stacks.append(after)
        fresh.size += units(token)
        running = after
    return fresh


def _emit(piece: _Piece, index: int, pieces: list[str]) -> None:
    """Add the piece's first ``index`` tokens as a message, without blank lines at its ends."""
    tokens = piece.tokens[:index]
    if not _visible(tokens):
        return
    stack = piece.stacks[index - 1]
    start, end = 0, len(tokens)
    while tokens[start] == "\n":  # line breaks change no tag: dropping them keeps balance
        start += 1
    while tokens[end - 1] == "\n":
        end -= 1
    pieces.append(piece.opening + "".join(tokens[start:end]) + _closing(stack))


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)
