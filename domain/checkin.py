"""Check-ins, pure: who is asked when, what the prompt says, its buttons, holidays, /away.

Buttons are plain ``(label, callback data)`` pairs; ``bot/`` turns them into Telegram's
inline keyboards. Callback data stays under Telegram's 64 bytes:
``ci:<workstream id>:<report id the prompt showed, 0 for none>:<choice>``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache
from html import escape

import holidays as holidays_lib

from domain.errors import UserError
from domain.forecast import Forecast
from domain.i18n import Html, code, code_msg, t
from domain.locale import LongDate, days_left_text, fmt_date, fmt_day, fmt_number
from domain.parsing import parse_date
from domain.schedule import Schedule, parse_weekly
from domain.views import Snapshot, WorkstreamView

CHECKIN_USAGE = code_msg("usage_checkin")
URGENT_DAYS = 14  # at risk with this many days left or fewer: asked every working day
BUTTONS_PER_ROW = 6
_TAP = re.compile(r"^ci:([0-9]{1,12}):([0-9]{1,12}):([0-9]{1,3}|o|n|h)$")
_COUNTRY = re.compile(r"^[A-Za-z]{2,3}$")


# --- parsing ---------------------------------------------------------------------------------


def parse_checkin(rest: str) -> Schedule | None | str:
    """``/checkin`` arguments: a Schedule, ``"off"``, or None to show the current one."""
    return parse_weekly(rest, "checkin_usage", CHECKIN_USAGE, "/checkin off", "example_checkin")


def parse_away(rest: str, today: date) -> date | None | str:
    """``/away`` arguments: the day check-ins resume, ``"off"``, or None to show."""
    parts = rest.split()
    if not parts:
        return None
    if [p.lower() for p in parts] == ["off"]:
        return "off"
    if len(parts) != 1:
        raise UserError("away_usage", usage=code_msg("usage_away_day"), off=code("/away off"))
    back = parse_date(parts[0])
    if back <= today:
        raise UserError("away_past", token=code(parts[0]), today=LongDate(today))
    return back


def parse_holidays(rest: str) -> str | None:
    """``/holidays`` arguments: a country code, ``"off"``, or None to show."""
    parts = rest.split()
    if not parts:
        return None
    if len(parts) == 1 and parts[0].lower() == "off":
        return "off"
    country = parts[0].upper() if len(parts) == 1 else ""
    if not _COUNTRY.match(country) or country not in supported_countries():
        raise UserError(
            "holidays_usage",
            token=code(" ".join(parts)),
            usage=code_msg("usage_holidays"),
            example=code("/holidays ID"),
        )
    return country


# --- holidays --------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def supported_countries() -> frozenset[str]:
    return frozenset(holidays_lib.list_supported_countries())


@lru_cache(maxsize=64)
def _calendar(country: str, year: int, lang: str) -> dict[date, str]:
    kwargs: dict[str, object] = {"years": year}
    supported = getattr(holidays_lib.country_holidays(country), "supported_languages", ())
    wanted = "id" if lang == "id" else "en_US"
    if wanted in supported:
        kwargs["language"] = wanted
    return dict(holidays_lib.country_holidays(country, **kwargs))  # type: ignore[arg-type]


def holiday_name(country: str | None, day: date, lang: str = "en") -> str | None:
    """The public holiday on ``day`` in ``country`` (None: an ordinary day or no country)."""
    if not country or country == "off" or country not in supported_countries():
        return None
    return _calendar(country, day.year, lang).get(day)


def working_day(country: str | None, day: date) -> bool:
    """Monday to Friday and not a public holiday."""
    return day.weekday() < 5 and holiday_name(country, day) is None


def holiday_country(setting: str | None, default: str | None) -> str | None:
    """A tracker's holiday country: its setting, else ``PANTAU_HOLIDAYS``; "off": none."""
    chosen = setting if setting is not None else default
    return None if not chosen or chosen.lower() == "off" else chosen.upper()


# --- who is asked ----------------------------------------------------------------------------


def urgent(forecast: Forecast | None, deadline: date, today: date) -> bool:
    """At risk (projected to finish after the deadline, stalled or overdue) with 14 days
    or fewer left: asked every working day."""
    return forecast is not None and forecast.at_risk and (deadline - today).days <= URGENT_DAYS


@dataclass(frozen=True, slots=True)
class PromptItem:
    workstream: WorkstreamView
    forecast: Forecast | None
    urgent: bool


def due_items(
    workstreams: Sequence[WorkstreamView],
    forecasts: dict[int, Forecast],
    *,
    deadline: date,
    today: date,
    scheduled_today: bool,
) -> list[PromptItem]:
    """The workstreams to ask about today: all below 100% on a scheduled day, else only the
    urgent ones."""
    items = []
    for ws in workstreams:
        if ws.percent >= 100:
            continue
        forecast = forecasts.get(ws.id)
        hurry = urgent(forecast, deadline, today)
        if scheduled_today or hurry:
            items.append(PromptItem(ws, forecast, hurry))
    return items


# --- the prompt and its buttons --------------------------------------------------------------


class Choice(StrEnum):
    OTHER = "o"
    NONE = "n"
    TITLE = "h"


@dataclass(frozen=True, slots=True)
class Tap:
    """A button press, decoded."""

    workstream_id: int
    base_report_id: int | None  # the report the prompt showed (None: there was none)
    choice: int | Choice


def encode_tap(workstream_id: int, base_report_id: int | None, choice: int | Choice) -> str:
    value = str(choice) if isinstance(choice, int) else choice.value
    return f"ci:{workstream_id}:{base_report_id or 0}:{value}"


def decode_tap(data: str | None) -> Tap | None:
    match = _TAP.match(data or "")
    if match is None:
        return None
    raw = match.group(3)
    choice: int | Choice = int(raw) if raw.isdigit() else Choice(raw)
    if isinstance(choice, int) and choice > 100:
        return None
    return Tap(int(match.group(1)), int(match.group(2)) or None, choice)


def keyboard_values(current: int) -> list[int]:
    """The current value and every multiple of 10 above it up to 100."""
    return [current, *range((current // 10 + 1) * 10, 101, 10)] if current < 100 else [100]


Button = tuple[str, str]  # (label, callback data)


def workstream_rows(ws: WorkstreamView, lang: str) -> list[list[Button]]:
    """One workstream's part of the keyboard: its title, its values, Other and No change."""
    base = ws.latest.id if ws.latest is not None else None
    rows: list[list[Button]] = [
        [(f"{ws.title} · {ws.percent}%", encode_tap(ws.id, base, Choice.TITLE))]
    ]
    values = [(f"{v}%", encode_tap(ws.id, base, v)) for v in keyboard_values(ws.percent)]
    rows.extend(values[i : i + BUTTONS_PER_ROW] for i in range(0, len(values), BUTTONS_PER_ROW))
    rows.append(
        [
            (t(lang, "ci_other"), encode_tap(ws.id, base, Choice.OTHER)),
            (t(lang, "ci_no_change"), encode_tap(ws.id, base, Choice.NONE)),
        ]
    )
    return rows


def keyboard(items: Sequence[PromptItem], lang: str) -> list[list[Button]]:
    rows: list[list[Button]] = []
    for item in items:
        rows.extend(workstream_rows(item.workstream, lang))
    return rows


def without_workstream(rows: list[list[Button]], workstream_id: int) -> list[list[Button]]:
    """The keyboard once a workstream is answered: its rows gone, the others kept."""
    prefix = f"ci:{workstream_id}:"
    return [row for row in rows if not all(data.startswith(prefix) for _, data in row)]


def _item_lines(item: PromptItem, tz_name: str, deadline: date, today: date, lang: str) -> str:
    ws = item.workstream
    if ws.latest is not None:
        last = t(
            lang,
            "ci_last",
            percent=ws.latest.percent,
            day=fmt_day(ws.latest.created_at, tz_name, lang),
            name=ws.latest.reporter_name,
        )
    else:
        last = t(lang, "ci_never")
    parts = [f"<b>{escape(ws.title)}</b> · {last}"]
    forecast = item.forecast
    if forecast is not None and forecast.pace is not None:
        parts.append(t(lang, "ci_pace", pace=Html(fmt_number(forecast.pace, lang, signed=True))))
    if forecast is not None and forecast.needed is not None:
        parts.append(
            t(
                lang,
                "ci_needed",
                needed=Html(fmt_number(forecast.needed, lang)),
                deadline=fmt_date(deadline, lang),
            )
        )
    line = "• " + " · ".join(parts)
    if item.urgent:
        line += "\n  " + t(lang, "ci_why_daily", left=days_left_text(deadline, today, lang))
    return line


def render_prompt(
    snapshot: Snapshot, items: Sequence[PromptItem], *, today: date, lang: str, asked: bool
) -> str:
    """The check-in message (``asked``: the scheduled one; else the answer to a bare /update)."""
    tracker = snapshot.tracker
    lines = [
        t(
            lang,
            "ci_title" if asked else "ci_update_title",
            title=tracker.title,
            left=days_left_text(tracker.deadline, today, lang),
            deadline=fmt_date(tracker.deadline, lang),
        )
    ]
    lines.extend(
        _item_lines(item, tracker.timezone, tracker.deadline, today, lang) for item in items
    )
    lines.append(t(lang, "ci_how"))
    return "\n".join(lines)
