"""The TOML file read by ``pantau import``: validated completely before anything is written."""

from __future__ import annotations

import re
import tomllib
from datetime import date, datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from domain.parsing import DEADLINE_EARLIEST, DEADLINE_LATEST, NOTE_MAX_CHARS
from domain.schedule import is_timezone
from domain.views import SERVICE_ACCOUNTS, Role

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")]


def _known_timezone(value: str) -> str:
    if not is_timezone(value):
        raise ValueError(f"unknown timezone {value!r}, e.g. Asia/Jakarta")
    return value


# An IANA timezone name, checked where it is read: an import file, and the settings
# (bot/config.py), so that both refuse an unknown zone with the same words.
TimezoneName = Annotated[str, AfterValidator(_known_timezone)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TrackerSpec(_Strict):
    key: Slug
    title: str = Field(min_length=1, max_length=200)
    title_id: str | None = Field(default=None, min_length=1, max_length=200)  # in Indonesian
    regulation: str | None = Field(default=None, max_length=200)
    deadline: date
    timezone: TimezoneName = "Asia/Jakarta"
    # When owners are asked in private, as /checkin takes it: "weekdays 16:00".
    checkin: str | None = Field(
        default=None,
        pattern=r"^(daily|weekdays|mon|tue|wed|thu|fri|sat|sun) ([01]?[0-9]|2[0-3]):[0-5][0-9]$",
    )

    @field_validator("deadline")
    @classmethod
    def _deadline_in_range(cls, value: date) -> date:
        if not DEADLINE_EARLIEST <= value <= DEADLINE_LATEST:
            raise ValueError(
                f"{value.isoformat()} cannot be a deadline: give a date from "
                f"{DEADLINE_EARLIEST.isoformat()} to {DEADLINE_LATEST.isoformat()}"
            )
        return value


class WorkstreamSpec(_Strict):
    key: Slug
    title: str | None = Field(default=None, max_length=200)
    title_id: str | None = Field(default=None, max_length=200)
    weight: float = Field(default=1.0, gt=0, le=1000)
    owners: list[int] = []  # user ids of members of this file, asked at check-in time


class MemberSpec(_Strict):
    user_id: int = Field(gt=0, lt=2**63)
    role: Role
    username: str | None = Field(default=None, pattern=r"^@?[A-Za-z0-9_]{4,32}$")
    name: str | None = Field(default=None, max_length=200)

    @field_validator("user_id")
    @classmethod
    def _a_person(cls, value: int) -> int:
        if value in SERVICE_ACCOUNTS:
            raise ValueError(
                f"{value} is a Telegram stand-in account (anonymous admins, channels), "
                "not a person: it cannot hold a role"
            )
        return value


class ChatSpec(_Strict):
    chat_id: int = Field(gt=-(2**63), lt=2**63)
    title: str | None = Field(default=None, max_length=255)


class ReportSpec(_Strict):
    """A dated report from before Pantau (a spreadsheet's history)."""

    at: datetime
    workstream: Slug
    percent: int = Field(ge=0, le=100)
    reporter: int = Field(gt=0, lt=2**63)
    note: str | None = Field(default=None, max_length=NOTE_MAX_CHARS)
    note_id: str | None = Field(default=None, max_length=NOTE_MAX_CHARS)

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("give the time with its offset, e.g. 2024-02-20T14:05:00+07:00")
        return value


class ImportSpec(_Strict):
    tracker: TrackerSpec
    workstreams: list[WorkstreamSpec] = []
    members: list[MemberSpec] = []
    chats: list[ChatSpec] = []
    reports: list[ReportSpec] = []

    @model_validator(mode="after")
    def _consistent(self) -> ImportSpec:
        _unique("workstreams", [w.key for w in self.workstreams])
        _unique("members", [m.user_id for m in self.members])
        _unique("chats", [c.chat_id for c in self.chats])
        members = {m.user_id for m in self.members}
        for index, ws in enumerate(self.workstreams):
            for owner in ws.owners:
                if owner not in members:
                    raise ValueError(
                        f"workstreams[{index}].owners: {owner} is not one of the members of "
                        "this file"
                    )
        keys = {w.key for w in self.workstreams}
        for index, report in enumerate(self.reports):
            if report.workstream not in keys:
                raise ValueError(
                    f"reports[{index}].workstream: {report.workstream!r} is not one of the "
                    "workstreams in this file"
                )
        return self

    def in_language(self, lang: str) -> ImportSpec:
        """The file with its Indonesian titles and notes (``title_id``, ``note_id``) in place
        of the English ones when ``lang`` is ``id``: what the demo seeds in Indonesian. Text
        without an Indonesian twin stays as it is."""
        if lang != "id":
            return self
        return self.model_copy(
            update={
                "tracker": self.tracker.model_copy(
                    update={"title": self.tracker.title_id or self.tracker.title}
                ),
                "workstreams": [
                    ws.model_copy(update={"title": ws.title_id or ws.title})
                    for ws in self.workstreams
                ],
                "reports": [
                    report.model_copy(update={"note": report.note_id or report.note})
                    for report in self.reports
                ],
            }
        )


def _unique(section: str, values: list[object]) -> None:
    seen: set[object] = set()
    for index, value in enumerate(values):
        if value in seen:
            raise ValueError(f"{section}[{index}]: duplicate {value!r}")
        seen.add(value)


class SpecError(Exception):
    """A malformed import file; the message names the field or line."""


def load_spec(text: str) -> ImportSpec:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"not valid TOML: {exc}") from None
    try:
        return ImportSpec.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"])
            message = error["msg"].removeprefix("Value error, ")
            problems.append(f"{where}: {message}" if where else message)
        raise SpecError("; ".join(problems)) from None


_SECTION = re.compile(r"^[ \t]*\[\[[ \t]*reports[ \t]*\]\]", re.MULTILINE)


def report_lines(text: str) -> list[int]:
    """The line of each ``[[reports]]`` header, in order, so messages can name the line."""
    return [text.count("\n", 0, match.start()) + 1 for match in _SECTION.finditer(text)]
