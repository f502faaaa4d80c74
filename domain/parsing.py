"""Parsers for the chat command contract.

Each parser takes the raw text after the command (so a note keeps its line breaks) and either
returns plain data or raises :class:`UserError` naming a catalogue entry: a one- or two-line
reply that says what to type instead, in the chat's language, with user text escaped.
"""

from __future__ import annotations

import calendar
import difflib
import re
from dataclasses import dataclass
from datetime import date

from domain.errors import UserError
from domain.i18n import Html, Msg, code, code_msg, msg
from domain.locale import MonthYear
from domain.views import Role

NOTE_MAX_CHARS = 1000
HISTORY_DEFAULT = 10
HISTORY_MAX = 50
TITLE_MAX_CHARS = 200
# Deadlines Pantau accepts: wide enough for any real regulation, narrow enough that every date
# computed from one (days left, reminders, a chart's axis) stays far from year 1 and year 9999.
DEADLINE_EARLIEST = date(2000, 1, 1)
DEADLINE_LATEST = date(2100, 12, 31)

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
_PERCENT = re.compile(r"^([0-9]{1,3})\s*%?$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_USER_ID = re.compile(r"^[0-9]{1,19}$")
_USERNAME = re.compile(r"^@([A-Za-z0-9_]{4,32})$")
# ``weight=2.5`` or, as Indonesians write it, ``bobot=2,5``: either keyword, either decimal mark.
_WEIGHT = re.compile(r"^(?:weight|bobot)=(.*)$", re.IGNORECASE)
_DECIMAL = re.compile(r"^[0-9]{1,4}(?:[.,][0-9]{1,6})?$")
_COMMAND = re.compile(r"^/([A-Za-z0-9_]+)(?:@([A-Za-z0-9_]+))?(?:\s+|$)")


def split_command(text: str) -> tuple[str, str | None, str]:
    """``'/update@PantauBot payments 70'`` → ``('update', 'PantauBot', 'payments 70')``.

    Never fails: text that only claims to be a command (Telegram marked it so, but it is empty
    or not ASCII) gives its first word, or an empty command.
    """
    match = _COMMAND.match(text)
    if match is None:
        first, _, rest = text.strip().partition(" ")
        return first.removeprefix("/").lower()[:32], None, rest.strip()
    return match.group(1).lower(), match.group(2), text[match.end() :].strip()


def parse_slug(token: str, usage: Msg) -> str:
    """A key such as ``payments`` or ``tiktok-tokopedia``: lower-case letters, digits, - and _."""
    key = token.lower()
    if not _SLUG.match(key):
        raise UserError("bad_key", token=code(token), usage=usage)
    return key


def parse_percent(token: str) -> int:
    """A whole number from 0 to 100, optionally followed by ``%`` (``70%`` or ``70 %``)."""
    match = _PERCENT.match(token.strip())
    if match is None or int(match.group(1)) > 100:
        raise UserError("bad_percent", token=code(token), a=code("70"), b=code("70%"))
    return int(match.group(1))


def parse_date(token: str) -> date:
    """An ISO date ``YYYY-MM-DD`` that exists on the calendar."""
    if not _DATE.match(token):
        raise UserError("bad_date_format", token=code(token))
    try:
        return date.fromisoformat(token)
    except ValueError:
        raise impossible_date(token) from None


def impossible_date(token: str) -> UserError:
    """Why a ``YYYY-MM-DD`` the calendar lacks is not a day: no such month, or too few days."""
    year, month, _day = (int(part) for part in token.split("-"))
    if not 1 <= month <= 12:
        return UserError("bad_date_month", token=code(token), month=f"{month:02d}")
    if year < 1:
        return UserError("bad_date_real", token=code(token))
    days = calendar.monthrange(year, month)[1]
    return UserError("bad_date_day", token=code(token), month=MonthYear(year, month), days=days)


def parse_deadline_date(token: str) -> date:
    """A date that can be a deadline: real, and between 2000-01-01 and 2100-12-31."""
    day = parse_date(token)
    if not DEADLINE_EARLIEST <= day <= DEADLINE_LATEST:
        raise UserError(
            "deadline_out_of_range",
            token=code(token),
            earliest=code(DEADLINE_EARLIEST.isoformat()),
            latest=code(DEADLINE_LATEST.isoformat()),
        )
    return day


def parse_note(text: str) -> str | None:
    note = text.strip()
    if len(note) > NOTE_MAX_CHARS:
        raise UserError("note_too_long", length=len(note), limit=NOTE_MAX_CHARS)
    return note or None


def parse_title(text: str) -> str | None:
    title = " ".join(text.split())
    if len(title) > TITLE_MAX_CHARS:
        raise UserError("title_too_long", limit=TITLE_MAX_CHARS)
    return title or None


def suggest(key: str, choices: list[str]) -> Msg:
    """One line naming the closest existing keys, or all of them when none is close."""
    if not choices:
        return msg("suggest_none")
    close = difflib.get_close_matches(key, choices, n=3, cutoff=0.5)
    shown = Html(", ".join(code(c) for c in (close or sorted(choices)[:10])))
    return msg("suggest_close" if close else "suggest_all", keys=shown)


@dataclass(frozen=True, slots=True)
class UpdateArgs:
    workstream: str
    percent: int
    note: str | None


UPDATE_USAGE = code_msg("usage_update")


def parse_update(rest: str) -> UpdateArgs:
    """``payments 100``, ``sellers 70% merchant back-end halfway`` or ``sellers 70 % …``."""
    parts = rest.split(maxsplit=2)
    if len(parts) < 2:
        raise UserError("update_usage", usage=UPDATE_USAGE, example=code("/update payments 100"))
    key = parse_slug(parts[0], UPDATE_USAGE)
    token, tail = parts[1], parts[2] if len(parts) == 3 else ""
    # "70 %": many people (and Indonesian typing habits) put a space before the sign. The
    # lone "%" belongs to the number, not to the note.
    if not token.endswith("%") and tail[:1] == "%" and tail[1:2] in ("", " ", "\n", "\t", "\r"):
        token, tail = token + "%", tail[1:]
    percent = parse_percent(token)
    return UpdateArgs(key, percent, parse_note(tail))


@dataclass(frozen=True, slots=True)
class SetupArgs:
    key: str
    deadline: date | None
    title: str | None


SETUP_USAGE = code_msg("usage_setup")


def parse_setup(rest: str) -> SetupArgs:
    parts = rest.split(maxsplit=1)
    if not parts:
        raise UserError(
            "setup_usage",
            usage=SETUP_USAGE,
            example=code_msg("example_setup"),
        )
    key = parse_slug(parts[0], SETUP_USAGE)
    tail = parts[1] if len(parts) == 2 else ""
    deadline: date | None = None
    first, _, remainder = tail.partition(" ")
    if re.match(r"[0-9]", first) and "-" in first:
        deadline = parse_deadline_date(first)
        tail = remainder
    return SetupArgs(key, deadline, parse_title(tail))


@dataclass(frozen=True, slots=True)
class WorkstreamArgs:
    action: str  # "add" | "remove"
    key: str
    weight: float | None
    title: str | None


WORKSTREAM_USAGE = code_msg("usage_workstream_add")
WEIGHT_MAX = 1000


def parse_weight(token: str) -> float:
    """``weight=2``, ``weight=2.5`` or ``bobot=2,5``: a number above 0, at most 1000."""
    value = token.split("=", 1)[1].strip()
    # Only a decimal mark, never a thousands separator: weights are small numbers, and the
    # pattern also keeps out "nan", "inf" and "1e3".
    weight = float(value.replace(",", ".")) if _DECIMAL.match(value) else -1.0
    if not 0 < weight <= WEIGHT_MAX:
        raise UserError(
            "bad_weight", token=code(token), max=WEIGHT_MAX, example=code_msg("example_weight")
        )
    return weight


def parse_workstream(rest: str) -> WorkstreamArgs:
    parts = rest.split(maxsplit=2)
    action = parts[0].lower() if parts else ""
    if action not in ("add", "remove") or len(parts) < 2:
        raise UserError(
            "workstream_usage",
            usage=WORKSTREAM_USAGE,
            remove=code_msg("usage_workstream_remove"),
            example=code_msg("example_workstream_add"),
        )
    key = parse_slug(parts[1], WORKSTREAM_USAGE)
    tail = parts[2] if len(parts) == 3 else ""
    if action == "remove":
        if tail:
            raise UserError("too_many_words", usage=code("/workstream remove " + key))
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


GRANT_USAGE = code_msg("usage_grant")
REVOKE_USAGE = code_msg("usage_revoke")


def parse_target(token: str, usage: Msg) -> Target:
    if _USER_ID.match(token):
        user_id = int(token)
        if user_id >= 2**63:
            raise UserError("bad_user_id", token=code(token))
        return Target(user_id=user_id)
    match = _USERNAME.match(token)
    if match is None:
        raise UserError("bad_target", token=code(token), usage=usage)
    return Target(username=match.group(1))


def parse_role(token: str) -> Role:
    try:
        return Role(token.lower())
    except ValueError:
        raise UserError(
            "bad_role", token=code(token), reporter=code("reporter"), admin=code("admin")
        ) from None


def parse_grant(rest: str, replied_user_id: int | None) -> tuple[Target, Role]:
    parts = rest.split()
    if replied_user_id is not None and len(parts) == 1:
        return Target(user_id=replied_user_id), parse_role(parts[0])
    if len(parts) != 2:
        raise UserError("grant_usage", usage=GRANT_USAGE, example=code("/grant reporter"))
    return parse_target(parts[0], GRANT_USAGE), parse_role(parts[1])


def parse_revoke(rest: str, replied_user_id: int | None) -> Target:
    parts = rest.split()
    if replied_user_id is not None and not parts:
        return Target(user_id=replied_user_id)
    if len(parts) != 1:
        raise UserError("revoke_usage", usage=REVOKE_USAGE, example=code("/revoke"))
    return parse_target(parts[0], REVOKE_USAGE)


OWNER_USAGE = code_msg("usage_owner")


def parse_owner(rest: str) -> tuple[str, list[Target] | None]:
    """``/owner <workstream> [<@user | id>… | off]`` → the key and the owners to set: None
    (only the key) shows them, an empty list (``off``) clears them."""
    parts = rest.split()
    if not parts:
        raise UserError(
            "owner_usage",
            usage=OWNER_USAGE,
            example=code("/owner sellers @sari_w"),
            off=code("/owner sellers off"),
        )
    key, words = parse_slug(parts[0], OWNER_USAGE), parts[1:]
    if not words:
        return key, None
    if [word.lower() for word in words] == ["off"]:
        return key, []
    return key, [parse_target(word, OWNER_USAGE) for word in words]


HISTORY_USAGE = code_msg("usage_history")


def parse_history(rest: str) -> tuple[str, int]:
    parts = rest.split()
    if not parts:
        raise UserError("history_name", usage=HISTORY_USAGE)
    if len(parts) > 2:
        raise UserError("history_usage", usage=HISTORY_USAGE, example=code("/history sellers 5"))
    return _slug_and_count(parts, HISTORY_USAGE, HISTORY_DEFAULT, HISTORY_MAX)


def _slug_and_count(parts: list[str], usage: Msg, default: int, limit: int) -> tuple[str, int]:
    """``key`` or ``key N`` (1 ≤ N ≤ limit; at most as many digits as ``limit`` has)."""
    key = parse_slug(parts[0], usage)
    if len(parts) == 1:
        return key, default
    digits = len(str(limit))
    if not re.fullmatch(rf"[0-9]{{1,{digits}}}", parts[1]) or not 1 <= int(parts[1]) <= limit:
        raise UserError("bad_count", token=code(parts[1]), limit=limit)
    return key, int(parts[1])


EVIDENCE_USAGE = code_msg("usage_evidence")
EVIDENCE_DEFAULT = 3
EVIDENCE_MAX = 10


def parse_evidence(rest: str) -> tuple[str, int]:
    """``sellers`` or ``sellers 5``: the workstream, and how many of its latest files."""
    parts = rest.split()
    if not parts or len(parts) > 2:
        raise UserError("evidence_usage", usage=EVIDENCE_USAGE, example=code("/evidence payments"))
    return _slug_and_count(parts, EVIDENCE_USAGE, EVIDENCE_DEFAULT, EVIDENCE_MAX)


def parse_status(rest: str) -> str | None:
    parts = rest.split()
    if len(parts) > 1:
        raise UserError("status_usage", a=code("/status"), b=code_msg("usage_status_one"))
    return parse_slug(parts[0], code_msg("usage_status_one")) if parts else None


def parse_deadline(rest: str) -> date | None:
    parts = rest.split()
    if len(parts) > 1:
        raise UserError("deadline_usage", a=code("/deadline"), b=code_msg("usage_deadline_move"))
    return parse_deadline_date(parts[0]) if parts else None


# The usage line of each command whose one argument is a tracker's key.
TRACKER_KEY_USAGE = {
    "archive": "usage_archive",
    "restore": "usage_restore",
    "follow": "usage_follow",
    "unfollow": "usage_unfollow",
    "use": "usage_use",
}


def parse_tracker_key(rest: str, command: str) -> str:
    """The one ``<key>`` argument of /archive, /restore, /follow, /unfollow and /use."""
    usage = code_msg(TRACKER_KEY_USAGE[command])
    parts = rest.split()
    if len(parts) != 1:
        raise UserError(
            "tracker_key_usage", usage=usage, example=code(f"/{command} tiktok-tokopedia")
        )
    return parse_slug(parts[0], usage)


def parse_no_args(rest: str, command: str) -> None:
    if rest.strip():
        raise UserError("no_args", command=code("/" + command))


def parse_lang(rest: str) -> str | None:
    parts = rest.lower().split()
    if not parts:
        return None
    if len(parts) != 1 or parts[0] not in ("en", "id"):
        raise UserError("lang_usage", en=code("/lang en"), id=code("/lang id"))
    return parts[0]


def parse_export(rest: str) -> str:
    parts = rest.lower().split()
    if not parts:
        return "csv"
    if len(parts) != 1 or parts[0] not in ("csv", "xlsx"):
        raise UserError("export_usage", csv=code("/export"), xlsx=code("/export xlsx"))
    return parts[0]
