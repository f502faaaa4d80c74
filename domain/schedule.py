"""When notices are due: digest schedules, deadline reminders and quiet-workstream nudges.

Everything here is computed in the tracker's timezone from plain values. A notice's *slot key*
names the local date/time (or deadline step) it belongs to, so the same notice always gets the
same key: a second run, a restart or a second process finds the key taken and sends nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.errors import UserError
from domain.i18n import Msg, code, code_msg, t
from domain.locale import fmt_weekday
from domain.views import NoticeKind

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
REMINDER_DAYS = (30, 14, 7, 3, 1, 0)
DEFAULT_NOTICE_TIME = time(9, 0)
SCHEDULE_USAGE = code_msg("usage_schedule")

# "09:00" as English writes a time and "09.00" as Indonesian does (the bot writes both).
_TIME = re.compile(r"^([01]?[0-9]|2[0-3])[:.]([0-5][0-9])$")


@dataclass(frozen=True, slots=True)
class Schedule:
    """A digest schedule: ``days`` is ``daily``, ``weekdays`` or a day name; ``at`` local."""

    days: str
    at: time

    @property
    def weekdays(self) -> tuple[int, ...]:
        """Python weekday numbers (Monday 0) the schedule fires on."""
        if self.days == "daily":
            return tuple(range(7))
        if self.days == "weekdays":
            return tuple(range(5))
        return (DAY_NAMES.index(self.days),)

    @property
    def cron_day_of_week(self) -> str:
        """APScheduler's ``day_of_week`` field (mon…sun names, so no off-by-one doubt)."""
        return ",".join(DAY_NAMES[d] for d in self.weekdays)

    def describe(self, lang: str) -> str:
        when = f"{self.at:%H:%M}" if lang == "en" else f"{self.at:%H.%M}"
        if self.days == "daily":
            return t(lang, "every_day", time=when)
        if self.days == "weekdays":
            return t(lang, "weekdays", time=when)
        day = date(2024, 1, 1 + DAY_NAMES.index(self.days))  # 1 Jan 2024 was a Monday
        return t(lang, "every_weekday", day=fmt_weekday(day, lang), time=when)


def is_timezone(name: str) -> bool:
    """Whether ``name`` is an IANA timezone this system knows (``Asia/Jakarta``)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def parse_time(token: str) -> time:
    match = _TIME.match(token)
    if match is None:
        raise UserError("bad_time", token=code(token), example=code_msg("example_time"))
    return time(int(match.group(1)), int(match.group(2)))


def parse_schedule(rest: str) -> Schedule | None | str:
    """``/schedule`` arguments: a Schedule, ``"off"``, or None to show the current one."""
    return parse_weekly(
        rest, "schedule_usage", SCHEDULE_USAGE, "/schedule off", "example_schedule"
    )


def parse_weekly(
    rest: str, error_key: str, usage: Msg, off: str, example_key: str
) -> Schedule | None | str:
    """The arguments of a command that sets a weekly time (``/schedule``, ``/checkin``): a
    Schedule, ``"off"``, or None to show the current one; else the command's usage error."""
    parts = rest.lower().split()
    if not parts:
        return None
    if parts == ["off"]:
        return "off"
    if len(parts) != 2 or parts[0] not in ("daily", "weekdays", *DAY_NAMES):
        raise UserError(error_key, usage=usage, off=code(off), example=code_msg(example_key))
    return Schedule(parts[0], parse_time(parts[1]))


def parse_quiet(rest: str) -> int | None:
    parts = rest.split()
    if not parts:
        return None
    if (
        len(parts) != 1
        or not re.fullmatch(r"[0-9]{1,3}", parts[0])
        or not 1 <= int(parts[0]) <= 365
    ):
        raise UserError("quiet_usage", usage=code_msg("usage_quiet"), example=code("/quiet 7"))
    return int(parts[0])


def local_at(day: date, at: time, tz_name: str) -> datetime:
    """``day`` at wall-clock ``at`` in the timezone, as an aware datetime.

    A time that does not exist (skipped by a daylight-saving jump) resolves to the same instant
    as the hour before the jump plus the gap, and a time that happens twice to its first
    occurrence: either way exactly one instant per day.
    """
    return datetime.combine(day, at, ZoneInfo(tz_name))


def occurrences(
    days: tuple[int, ...], at: time, tz_name: str, after: datetime, until: datetime
) -> list[datetime]:
    """Local fire times in ``(after, until]`` of a schedule, oldest first."""
    tz = ZoneInfo(tz_name)
    day = after.astimezone(tz).date() - timedelta(days=1)
    last = until.astimezone(tz).date()
    found = []
    while day <= last:
        if day.weekday() in days:
            moment = local_at(day, at, tz_name)
            if after < moment <= until:
                found.append(moment)
        day += timedelta(days=1)
    return found


def latest_occurrence(
    days: tuple[int, ...], at: time, tz_name: str, now: datetime, within: timedelta
) -> datetime | None:
    """The most recent fire time at or before ``now``, if it is no older than ``within``."""
    found = occurrences(days, at, tz_name, now - within, now)
    return found[-1] if found else None


def digest_slot(moment: datetime, tz_name: str) -> str:
    return f"digest@{moment.astimezone(ZoneInfo(tz_name)):%Y-%m-%dT%H:%M}"


def deadline_slot(deadline: date, today: date, done: bool) -> tuple[NoticeKind, str] | None:
    """The deadline notice due on ``today``: ``(kind, slot key)``, or None.

    The key names the deadline itself, so moving the deadline re-plans every reminder.
    """
    left = (deadline - today).days
    if left in REMINDER_DAYS:
        return NoticeKind.DEADLINE, f"deadline-T{left}:{deadline.isoformat()}"
    if left < 0 and not done:
        return NoticeKind.OVERDUE, f"overdue@{today.isoformat()}"
    return None


def quiet_slot(
    workstream_key: str, silent_since: datetime, threshold_days: int, now: datetime
) -> str | None:
    """The nudge due for a workstream silent since ``silent_since``, or None.

    One nudge per full threshold of silence: the n-th nudge belongs to the n-th period, and a
    bot that was down across several periods sends only the current one.
    """
    periods = (now - silent_since) // timedelta(days=threshold_days)
    if periods < 1:
        return None
    return f"quiet:{workstream_key}:{silent_since:%Y-%m-%dT%H:%M}:{periods}"
