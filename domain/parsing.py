"""Parsers for the chat command contract.

Each parser takes the raw text after the command (so a note keeps its line breaks) and either
returns plain data or raises :class:`UserError` with a one- or two-line reply that says what to
type instead. The replies are HTML: every piece of user text in them is escaped.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date
from html import escape

from domain.errors import UserError
from domain.views import Role

NOTE_MAX_CHARS = 1000
HISTORY_DEFAULT = 10
HISTORY_MAX = 50
TITLE_MAX_CHARS = 200

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
_PERCENT = re.compile(r"^([0-9]{1,3})%?$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_USER_ID = re.compile(r"^[0-9]{1,19}$")
_USERNAME = re.compile(r"^@([A-Za-z0-9_]{4,32})$")
_WEIGHT = re.compile(r"^weight=(.*)$", re.IGNORECASE)
_COMMAND = re.compile(r"^/([A-Za-z0-9_]+)(?:@([A-Za-z0-9_]+))?(?:\s+|$)")


def code(text: str) -> str:
    """User or example text shown as monospace, escaped."""
    return f"<code>{escape(text)}</code>"


def split_command(text: str) -> tuple[str, str | None, str]:
    """``'/update@PantauBot payments 70'`` → ``('update', 'PantauBot', 'payments 70')``."""
    match = _COMMAND.match(text)
    if match is None:
        raise ValueError("not a command")
    return match.group(1).lower(), match.group(2), text[match.end() :].strip()


def parse_slug(token: str, what: str, usage: str) -> str:
    """A key such as ``payments`` or ``tiktok-tokopedia``: lower-case letters, digits, - and _."""
    key = token.lower()
    if not _SLUG.match(key):
        raise UserError(
            f"{escape(what).capitalize()} {code(token)} is not a valid key: use up to 32 "
            f"lower-case letters, digits, - or _.\nType {code(usage)}"
        )
    return key


def parse_percent(token: str) -> int:
    """A whole number from 0 to 100, optionally followed by ``%``."""
    match = _PERCENT.match(token.strip())
    if match is None or int(match.group(1)) > 100:
        raise UserError(
            f"{code(token)} is not a percentage: use a whole number from 0 to 100, "
            f"e.g. {code('70')} or {code('70%')}."
        )
    return int(match.group(1))


def parse_date(token: str) -> date:
    """An ISO date ``YYYY-MM-DD`` that exists on the calendar."""
    if not _DATE.match(token):
        raise UserError(f"{code(token)} is not a date: write it as YYYY-MM-DD, e.g. 2024-04-12.")
    try:
        return date.fromisoformat(token)
    except ValueError:
        raise UserError(f"{code(token)} is not a real date: check the month and day.") from None


def parse_note(text: str) -> str | None:
    note = text.strip()
    if len(note) > NOTE_MAX_CHARS:
        raise UserError(
            f"Your note has {len(note)} characters; the limit is {NOTE_MAX_CHARS}. "
            "Shorten it and send the command again."
        )
    return note or None


def parse_title(text: str) -> str | None:
    title = " ".join(text.split())
    if len(title) > TITLE_MAX_CHARS:
        raise UserError(f"The title is too long: at most {TITLE_MAX_CHARS} characters.")
    return title or None


def suggest(key: str, choices: list[str]) -> str:
    """One line naming the closest existing keys, or all of them when none is close."""
    if not choices:
        return "This tracker has no workstreams yet: an admin adds one with /workstream add."
    close = difflib.get_close_matches(key, choices, n=3, cutoff=0.5)
    shown = close or sorted(choices)[:10]
    prefix = "Did you mean" if close else "Workstreams:"
    end = "?" if close else ""
    return f"{prefix} {', '.join(code(c) for c in shown)}{end}"


@dataclass(frozen=True, slots=True)
class UpdateArgs:
    workstream: str
    percent: int
    note: str | None


UPDATE_USAGE = "/update <workstream> <percent> [note]"


def parse_update(rest: str) -> UpdateArgs:
    """``payments 100`` or ``sellers 70% merchant back-end halfway``."""
    parts = rest.split(maxsplit=2)
    if len(parts) < 2:
        raise UserError(
            f"Tell me the workstream and the percentage: {code(UPDATE_USAGE)}\n"
            f"e.g. {code('/update payments 100')}"
        )
    key = parse_slug(parts[0], "workstream", UPDATE_USAGE)
    percent = parse_percent(parts[1])
    note = parse_note(parts[2]) if len(parts) == 3 else None
    return UpdateArgs(key, percent, note)


@dataclass(frozen=True, slots=True)
class SetupArgs:
    key: str
    deadline: date | None
    title: str | None


SETUP_USAGE = "/setup <tracker-key> [YYYY-MM-DD] [title]"


def parse_setup(rest: str) -> SetupArgs:
    parts = rest.split(maxsplit=1)
    if not parts:
        raise UserError(
            f"Name the tracker: {code(SETUP_USAGE)}\n"
            f"e.g. {code('/setup tiktok-tokopedia 2024-04-12 TikTok Shop migration')}"
        )
    key = parse_slug(parts[0], "tracker", SETUP_USAGE)
    tail = parts[1] if len(parts) == 2 else ""
    deadline: date | None = None
    first, _, remainder = tail.partition(" ")
    if re.match(r"[0-9]", first) and "-" in first:
        deadline = parse_date(first)
        tail = remainder
    return SetupArgs(key, deadline, parse_title(tail))


@dataclass(frozen=True, slots=True)
class WorkstreamArgs:
    action: str  # "add" | "remove"
    key: str
    weight: float | None
    title: str | None


WORKSTREAM_USAGE = "/workstream add <key> [weight=N] [title]"


def parse_weight(token: str) -> float:
    value = token.split("=", 1)[1]
    try:
        weight = float(value)
    except ValueError:
        weight = -1.0
    if not (0 < weight <= 1000) or weight != weight:  # also rejects NaN
        raise UserError(
            f"{code(token)}: the weight must be a number above 0 (up to 1000), e.g. "
            f"{code('weight=2')}."
        )
    return weight


def parse_workstream(rest: str) -> WorkstreamArgs:
    parts = rest.split(maxsplit=2)
    action = parts[0].lower() if parts else ""
    if action not in ("add", "remove") or len(parts) < 2:
        raise UserError(
            f"Type {code(WORKSTREAM_USAGE)} or {code('/workstream remove <key>')}\n"
            f"e.g. {code('/workstream add sellers weight=2 Seller back-end')}"
        )
    key = parse_slug(parts[1], "workstream", WORKSTREAM_USAGE)
    tail = parts[2] if len(parts) == 3 else ""
    if action == "remove":
        if tail:
            raise UserError(f"Too many words: type {code('/workstream remove ' + key)}")
        return WorkstreamArgs("remove", key, None, None)
    weight: float | None = None
    first, _, remainder = tail.partition(" ")
    if _WEIGHT.match(first):
        weight = parse_weight(first)
        tail = remainder
    return WorkstreamArgs("add", key, weight, parse_title(tail))


@dataclass(frozen=True, slots=True)
class Target:
    """Whom /grant or /revoke is about: a user id, a @username, or the replied-to person."""

    user_id: int | None = None
    username: str | None = None


GRANT_USAGE = "/grant <@username | user-id> <reporter | admin>"
REVOKE_USAGE = "/revoke <@username | user-id>"


def parse_target(token: str, usage: str) -> Target:
    if _USER_ID.match(token):
        user_id = int(token)
        if user_id >= 2**63:
            raise UserError(f"{code(token)} is not a Telegram user id.")
        return Target(user_id=user_id)
    match = _USERNAME.match(token)
    if match is None:
        raise UserError(
            f"{code(token)} is not a @username or a numeric user id.\nType {code(usage)}, "
            "or reply to the person's message."
        )
    return Target(username=match.group(1))


def parse_role(token: str) -> Role:
    try:
        return Role(token.lower())
    except ValueError:
        raise UserError(
            f"{code(token)} is not a role: use {code('reporter')} or {code('admin')}."
        ) from None


def parse_grant(rest: str, replied_user_id: int | None) -> tuple[Target, Role]:
    parts = rest.split()
    if replied_user_id is not None and len(parts) == 1:
        return Target(user_id=replied_user_id), parse_role(parts[0])
    if len(parts) != 2:
        raise UserError(
            f"Type {code(GRANT_USAGE)}\nor reply to the person's message with "
            f"{code('/grant reporter')}."
        )
    return parse_target(parts[0], GRANT_USAGE), parse_role(parts[1])


def parse_revoke(rest: str, replied_user_id: int | None) -> Target:
    parts = rest.split()
    if replied_user_id is not None and not parts:
        return Target(user_id=replied_user_id)
    if len(parts) != 1:
        raise UserError(
            f"Type {code(REVOKE_USAGE)}\nor reply to the person's message with {code('/revoke')}."
        )
    return parse_target(parts[0], REVOKE_USAGE)


HISTORY_USAGE = "/history <workstream> [n]"


def parse_history(rest: str) -> tuple[str, int]:
    parts = rest.split()
    if not parts or len(parts) > 2:
        raise UserError(f"Type {code(HISTORY_USAGE)}, e.g. {code('/history sellers 5')}")
    key = parse_slug(parts[0], "workstream", HISTORY_USAGE)
    if len(parts) == 1:
        return key, HISTORY_DEFAULT
    if not re.fullmatch(r"[0-9]{1,3}", parts[1]) or not 1 <= int(parts[1]) <= HISTORY_MAX:
        raise UserError(
            f"{code(parts[1])}: the number of reports must be a whole number from 1 to "
            f"{HISTORY_MAX}."
        )
    return key, int(parts[1])


def parse_status(rest: str) -> str | None:
    parts = rest.split()
    if len(parts) > 1:
        raise UserError(f"Type {code('/status')} or {code('/status <workstream>')}")
    return parse_slug(parts[0], "workstream", "/status <workstream>") if parts else None


def parse_deadline(rest: str) -> date | None:
    parts = rest.split()
    if len(parts) > 1:
        raise UserError(f"Type {code('/deadline')} or {code('/deadline YYYY-MM-DD')}")
    return parse_date(parts[0]) if parts else None


def parse_no_args(rest: str, command: str) -> None:
    if rest.strip():
        raise UserError(f"{code('/' + command)} takes no arguments: type {code('/' + command)}")
